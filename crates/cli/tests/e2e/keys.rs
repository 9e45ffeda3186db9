//! API keys end to end: `picsum api-key` writes pixlserv's layout under `picsum:keys:` into
//! a real Redis of their own, the image service reads it per request (get permission,
//! signed uploads), and keys in pixlserv's own (unprefixed) layout are imported.

use picsum_testkit::RedisServer;
use reqwest::multipart::{Form, Part};

use super::*;

fn cli(redis: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_picsum"))
        .arg("api-key")
        .args(args)
        .env("IMAGE_KEYS_URL", redis)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

#[tokio::test]
async fn keys_gate_images_and_signed_uploads() {
    let redis = RedisServer::start();
    let url = redis.url();
    let (ok, out, _) = cli(&url, &["add"]);
    assert!(ok);
    let line = out.lines().next().unwrap();
    let (key, secret) = line
        .strip_prefix("Key added: ")
        .and_then(|l| l.split_once(", secret: "))
        .unwrap();
    assert_eq!(out.lines().nth(1), Some("Please save these now!"));
    assert!(key.len() == 32 && secret.len() == 32 && key != secret);
    assert_eq!(cli(&url, &["list"]).1, format!("Keys: [{key}]\n"));
    assert_eq!(
        cli(&url, &["info", key]).1,
        format!("Key: {key}\nPermissions: [get upload]\n")
    );

    let gallery = gallery("keys");
    let images = gallery.image_service_with(
        2,
        8,
        vec![
            ("IMAGE_KEYS_URL", url.clone()),
            ("IMAGE_AUTH_GET", "true".into()),
            ("IMAGE_UPLOADS", "true".into()),
            ("IMAGE_AUTH_UPLOAD", "true".into()),
        ],
    );
    let http = client();
    let image = |k: &str| format!("{}/{k}/image/w_20/quadrants.png", images.base);
    assert_eq!(http.get(image(key)).send().await.unwrap().status(), 200);
    for path in [
        image("0123456789abcdef0123456789abcdef"),
        format!("{}/image/w_20/quadrants.png", images.base),
    ] {
        assert_eq!(
            http.get(&path).send().await.unwrap().status(),
            401,
            "{path}"
        );
    }

    // Signed uploads: timestamp within five minutes, HMAC-SHA256 with the key's secret.
    let jpeg = std::fs::read(fixture("file/1_500.jpg")).unwrap();
    let upload = |k: &str, ts: i64, sig: String| {
        let form = Form::new()
            .text("timestamp", ts.to_string())
            .text("signature", sig)
            .part("image", Part::bytes(jpeg.clone()).file_name("x.jpg"));
        http.post(format!("{}/{k}/upload", images.base))
            .multipart(form)
            .send()
    };
    let sign = |ts: i64| picsum_signing::dialects::pixlserv_sign(secret.as_bytes(), ts);
    let res = upload(key, now(), sign(now())).await.unwrap();
    assert_eq!(res.status(), 200);
    let json: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(json["status"], "ok");
    assert!(
        gallery
            .dir
            .join("photos")
            .join(json["imagePath"].as_str().unwrap())
            .exists()
    );
    for (ts, sig, status, message) in [
        (now() - 301, sign(now() - 301), 400, "invalid timestamp"),
        (now() + 60, sign(now() + 60), 400, "invalid timestamp"),
        (now(), "00".repeat(32), 400, "invalid signature"),
        (now(), "not hex".to_owned(), 400, "invalid signature"),
    ] {
        let res = upload(key, ts, sig).await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{message}");
        let json: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
        assert_eq!(json["errorMessage"], message);
    }
    // Anonymous uploads are refused when authorisation.upload is on.
    let form = Form::new().part("image", Part::bytes(jpeg.clone()).file_name("y.jpg"));
    let res = http
        .post(format!("{}/upload", images.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // Revoking `get` takes effect on the next request; removing the key too.
    assert_eq!(
        cli(&url, &["modify", key, "remove", "get"]).1,
        "The key has been updated\n"
    );
    assert_eq!(
        cli(&url, &["info", key]).1,
        format!("Key: {key}\nPermissions: [upload]\n")
    );
    assert_eq!(http.get(image(key)).send().await.unwrap().status(), 401);
    let (_, out, _) = cli(&url, &["generate-secret", key]);
    assert!(out.starts_with("The new secret is: ") && out.ends_with(". Please save it now.\n"));
    let res = upload(key, now(), sign(now())).await.unwrap();
    assert_eq!(res.status(), 400, "the old secret no longer signs");
    assert_eq!(
        cli(&url, &["remove", key]).1,
        "The key was successfully removed\n"
    );
    assert_eq!(cli(&url, &["list"]).1, "Keys: []\n");
    for (args, message) in [
        (vec!["info", key], "key does not exist"),
        (
            vec!["modify", key, "grant", "get"],
            "modifier needs to be 'add' or 'remove'",
        ),
        (
            vec!["modify", key, "add", "delete"],
            "modifier needs to end with a valid permission: get or upload",
        ),
    ] {
        let (ok, _, err) = cli(&url, &args);
        assert!(!ok && err.contains(message), "{args:?}: {err}");
    }
}

#[tokio::test]
async fn keys_are_prefixed_and_pixlservs_are_imported() {
    let old = RedisServer::start();
    let store = RedisServer::start();
    // pixlserv's layout, unprefixed, as its CLI leaves it (or as keys lived in our cache).
    let pixlserv = picsum_cache::RedisTier::open(picsum_cache::RedisSettings {
        url: old.url(),
        prefix: String::new(),
        ttl: std::time::Duration::from_secs(60),
        max_entry_bytes: 1 << 20,
        timeout: std::time::Duration::from_secs(3),
        ca: None,
    })
    .unwrap();
    let cmd = picsum_cache::redis::cmd;
    for c in [
        cmd("SADD").arg("api-keys").arg("oldkey").clone(),
        cmd("HSET")
            .arg("key:oldkey")
            .arg("secret")
            .arg("s3cret")
            .clone(),
        cmd("SADD").arg("key:oldkey:permissions").arg("get").clone(),
    ] {
        pixlserv.query::<i64>(&c).await.unwrap();
    }
    let (ok, out, err) = cli(&store.url(), &["import", "--from", &old.url()]);
    assert!(ok, "{err}");
    assert_eq!(out, "Imported 1 keys\n");
    assert_eq!(
        cli(&store.url(), &["info", "oldkey"]).1,
        "Key: oldkey\nPermissions: [get]\n"
    );
    // Under the service's own prefix, nothing unprefixed.
    let probe = picsum_cache::RedisTier::open(picsum_cache::RedisSettings {
        url: store.url(),
        prefix: String::new(),
        ttl: std::time::Duration::from_secs(60),
        max_entry_bytes: 1 << 20,
        timeout: std::time::Duration::from_secs(3),
        ca: None,
    })
    .unwrap();
    let keys: Vec<String> = probe.query(&cmd("KEYS").arg("*").clone()).await.unwrap();
    assert!(!keys.is_empty());
    assert!(
        keys.iter().all(|k| k.starts_with("picsum:keys:")),
        "{keys:?}"
    );
}
