//! Uploads (picfit's `data`, pixlserv's `image`) and deletes against the real service:
//! limits answer 413/415/422/409 and leave storage untouched; a delete cascades.

use reqwest::multipart::{Form, Part};

use super::*;

fn form(field: &str, name: &str, bytes: Vec<u8>) -> Form {
    Form::new().part(
        field.to_owned(),
        Part::bytes(bytes).file_name(name.to_owned()),
    )
}

/// Files in the storage folder, recursively, as sorted relative paths.
fn stored(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[tokio::test]
async fn uploads_are_checked_before_anything_is_written() {
    let gallery = gallery("upload");
    let images = gallery.image_service_with(
        2,
        16,
        vec![
            ("IMAGE_UPLOADS", "true".into()),
            ("IMAGE_DELETES", "true".into()),
            ("IMAGE_UPLOAD_MAX_BYTES", "200000".into()),
            ("IMAGE_DERIVED_SHARD_WIDTH", "2".into()),
            ("IMAGE_DERIVED_SHARD_DEPTH", "1".into()),
        ],
    );
    let http = client();
    let photos = gallery.dir.join("photos");
    let png = std::fs::read(fixture("../transform/quadrants.png")).unwrap();
    let jpeg = std::fs::read(fixture("file/1_500.jpg")).unwrap();
    let upload = |form: Form| {
        http.post(format!("{}/upload", images.base))
            .multipart(form)
            .send()
    };

    // picfit: stored under the client's base name, answered in picfit's shape.
    let res = upload(form("data", "../../new.png", png.clone()))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let json: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"filename": "new.png", "path": "uploads/new.png", "url": ""})
    );
    assert_eq!(std::fs::read(photos.join("uploads/new.png")).unwrap(), png);
    // …and served at once.
    let (status, ct, body) = get(
        &http,
        &format!(
            "{}/display?path=uploads/new.png&op=resize&w=100",
            images.base
        ),
    )
    .await;
    assert_eq!((status, dimensions(&ct, &body)), (200, (100, 50)));

    // pixlserv: a generated `{unix}-{n}.jpg`, answered in pixlserv's shape.
    let res = upload(form("image", "whatever.jpg", jpeg.clone()))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let json: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(
        (json["status"].as_str(), json["errorMessage"].as_str()),
        (Some("ok"), Some(""))
    );
    let path = json["imagePath"].as_str().unwrap().to_owned();
    let (stamp, rest) = path
        .strip_prefix("uploads/")
        .unwrap()
        .split_once('-')
        .unwrap();
    assert!(
        stamp.parse::<u64>().unwrap() > 1_700_000_000 && rest.ends_with(".jpg"),
        "{path}"
    );
    assert_eq!(std::fs::read(photos.join(&path)).unwrap(), jpeg);

    // Refusals leave storage as it was.
    let before = stored(&photos);
    let mut big = jpeg.clone();
    big.resize(300_000, 0);
    let mut oversized = jpeg.clone();
    oversized.resize(390_000, 0);
    let truncated = std::fs::read(fixture("file/1.jpg")).unwrap()[..50_000].to_vec();
    let mut bomb = jpeg.clone();
    let sof = bomb.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bomb[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    let animated = std::fs::read(fixture("../transform/animated.gif")).unwrap();
    let cases = [
        (form("data", "big.jpg", big), 413),
        (
            form("data", "page.jpg", b"<html>hello</html>".to_vec()),
            415,
        ),
        (form("data", "t.jpg", truncated), 422),
        (form("data", "bomb.jpg", bomb), 422),
        (form("data", "new.png", jpeg.clone()), 409),
        (form("data", ".hidden.jpg", jpeg.clone()), 400),
        (form("data", "nul\u{0}.jpg", jpeg.clone()), 400),
        (form("data", "tab\t.jpg", jpeg.clone()), 400),
        (form("other", "x.jpg", jpeg.clone()), 400),
    ];
    for (i, (form, status)) in cases.into_iter().enumerate() {
        let res = upload(form).await.unwrap();
        assert_eq!(res.status().as_u16(), status, "case {i}");
    }
    // The client is still sending when the 413 is decided: it must read the answer, not a
    // broken pipe (the server reads the rest of a moderately oversized body).
    for _ in 0..40 {
        let res = upload(form("data", "big.jpg", oversized.clone())).await;
        assert_eq!(res.map(|r| r.status().as_u16()).ok(), Some(413));
    }
    let res = http
        .post(format!("{}/upload", images.base))
        .body("not a form")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    // pixlserv errors come as its JSON.
    let res = upload(form("image", "x.jpg", b"nope".to_vec()))
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    let json: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(json["status"], "error");
    assert_eq!(
        json["errorMessage"],
        "not a supported image (JPEG, PNG, GIF or WebP)"
    );
    assert_eq!(
        stored(&photos),
        before,
        "nothing written by refused uploads"
    );
    assert_eq!(
        std::fs::read(photos.join("uploads/new.png")).unwrap(),
        png,
        "not overwritten"
    );
    // An animation is an image: stored, and served animated.
    let res = upload(form("data", "anim.gif", animated)).await.unwrap();
    assert_eq!(res.status(), 200);
    let (status, ct, body) = get(
        &http,
        &format!(
            "{}/display?path=uploads/anim.gif&op=resize&w=32&h=20",
            images.base
        ),
    )
    .await;
    assert_eq!((status, ct.as_str()), (200, "image/gif"));
    assert_eq!(dimensions(&ct, &body), (32, 20));

    // Derivatives are stored sharded (width 2, depth 1); picfit's path-form DELETE removes
    // just the one it names.
    let mut stored_at = Vec::new();
    for w in [40, 20] {
        let res = http
            .get(format!("{}/get/resize/{w}x0/uploads/new.png", images.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let json: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
        let key = json["key"].as_str().unwrap();
        let path = json["path"].as_str().unwrap();
        assert!(
            path.ends_with(&format!("/{}/{}.png", &key[..2], &key[2..])),
            "{path}"
        );
        assert!(photos.join(path).exists());
        stored_at.push(photos.join(path));
    }
    let one = format!("{}/get/resize/40x0/uploads/new.png", images.base);
    assert_eq!(http.delete(&one).send().await.unwrap().status(), 200);
    assert!(
        !stored_at[0].exists() && stored_at[1].exists() && photos.join("uploads/new.png").exists()
    );
    assert_eq!(http.delete(&one).send().await.unwrap().status(), 404);

    // Delete cascades to stored derivatives and the cached copy.
    let res = http
        .get(format!(
            "{}/get?path=uploads/new.png&op=resize&w=40",
            images.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let json: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    let derived = photos.join(json["path"].as_str().unwrap());
    assert!(derived.exists());
    let res = http
        .delete(format!("{}/uploads/new.png", images.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        !photos.join("uploads/new.png").exists() && !derived.exists() && !stored_at[1].exists()
    );
    let (status, _, _) = get(
        &http,
        &format!(
            "{}/display?path=uploads/new.png&op=resize&w=100",
            images.base
        ),
    )
    .await;
    assert_eq!(status, 404, "the cached source is gone too");
    for (path, status) in [("uploads/new.png", 404), ("", 400), ("derived/x.jpg", 400)] {
        let res = http
            .delete(format!("{}/{path}", images.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "DELETE /{path}");
    }
    // Other photos are untouched, and GET routes still answer.
    assert_eq!(std::fs::read(photos.join(&path)).unwrap(), jpeg);
    let (status, _, _) = get(&http, &format!("{}/nothing-here", images.base)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn uploads_and_deletes_are_off_by_default() {
    let gallery = gallery("upload-off");
    let images = gallery.image_service(1, 4);
    let http = client();
    let jpeg = std::fs::read(fixture("file/1_500.jpg")).unwrap();
    let res = http
        .post(format!("{}/upload", images.base))
        .multipart(form("data", "x.jpg", jpeg))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = http
        .delete(format!("{}/1.jpg", images.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(gallery.dir.join("photos/1.jpg").exists());
}
