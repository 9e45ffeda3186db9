//! Uploads live apart from the catalog: no upload can shadow or replace a catalog photo or
//! one of its pre-sized variants.

use reqwest::multipart::{Form, Part};

use super::*;

#[tokio::test]
async fn uploads_never_shadow_or_replace_catalog_images() {
    let images = spawn_app(&[("IMAGE_UPLOADS", "true")]).await;
    let http = client();
    let store = &images.state.core.storage;
    let photo = signed(&images.base, "/id/1/1100/800.jpg");
    let (status, _, before) = get(&http, &photo).await;
    assert_eq!(status, 200);
    let original = store.get("1.jpg").await.unwrap();
    let variant = store.get("1_500.jpg").await.unwrap();
    // A green 40x20 image under the names of photo 1, its variant, and a variant it lacks
    // (which the Picsum route would otherwise pick for 1100x800).
    let mark = std::fs::read(fixture("transform/mark.png")).unwrap();
    for name in ["1_1500.jpg", "1_500.jpg", "1.jpg"] {
        let form = Form::new().part("data", Part::bytes(mark.clone()).file_name(name));
        let res = http
            .post(format!("{}/upload", images.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{name}");
        let json: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
        assert_eq!(json["path"], format!("uploads/{name}"));
        assert_eq!(json["filename"], name);
    }
    assert_eq!(store.get("1.jpg").await.unwrap(), original);
    assert_eq!(store.get("1_500.jpg").await.unwrap(), variant);
    assert!(!store.exists("1_1500.jpg").await.unwrap());
    assert_eq!(get(&http, &photo).await.2, before, "the photo changed");
    // The uploads are served under their own path.
    let url = format!("{}/display?path=uploads/1.jpg&op=noop", images.base);
    let (status, ct, body) = get(&http, &url).await;
    assert_eq!((status, dimensions(&ct, &body)), (200, (40, 20)));
}

#[tokio::test]
async fn a_slow_upload_is_cut() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let images = spawn_app(&[
        ("IMAGE_UPLOADS", "true"),
        ("IMAGE_UPLOAD_TIMEOUT_MS", "500"),
    ])
    .await;
    let addr = images.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let part =
        "--b\r\nContent-Disposition: form-data; name=\"data\"; filename=\"slow.jpg\"\r\n\r\n";
    let head = format!(
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n\
         Content-Length: 100000\r\n\r\n{part}\u{ff}\u{d8}"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // …and nothing more: the body never completes.
    let mut answer = vec![0; 64];
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("the slow upload was not cut")
        .unwrap();
    let status = String::from_utf8_lossy(&answer[..read]).into_owned();
    assert!(status.starts_with("HTTP/1.1 408"), "{status}");
    assert!(
        !images
            .state
            .core
            .storage
            .exists("uploads/slow.jpg")
            .await
            .unwrap()
    );
}

/// Upload bodies count against the process's held bytes while they are received: one that
/// does not fit is a 503 with `Retry-After`, and nothing is stored.
#[tokio::test]
async fn an_upload_past_the_held_bytes_is_refused_for_now() {
    let images = spawn_app(&[
        ("IMAGE_UPLOADS", "true"),
        ("IMAGE_MAX_HELD_BYTES", "100000"),
    ])
    .await;
    let http = client();
    let photo = std::fs::read(fixture("picsum/file/1.jpg")).unwrap();
    assert!(photo.len() > 100_000);
    let post = |bytes: Vec<u8>, name: &'static str| {
        let form = Form::new().part("data", Part::bytes(bytes).file_name(name));
        http.post(format!("{}/upload", images.base))
            .multipart(form)
            .send()
    };
    let res = post(photo, "big.jpg").await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    let store = &images.state.core.storage;
    assert!(!store.exists("uploads/big.jpg").await.unwrap());
    let small = std::fs::read(fixture("transform/mark.png")).unwrap();
    assert_eq!(post(small, "small.png").await.unwrap().status(), 200);
    assert_eq!(
        images.state.core.memory.used(),
        0,
        "the bodies were given back"
    );
}
