//! Property tests through the whole router: any path, query, upload form or config a
//! client or operator can write is answered or refused, never with a panic or a 5xx of
//! ours (503 with `Retry-After` is the one budgeted 5xx).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::multipart::{Form, Part};

use super::*;

/// Paths that reach every dialect and the write routes, with hostile pieces.
fn request() -> impl Strategy<Value = String> {
    let path = prop_oneof![
        "/id/[0-9a-z]{0,3}/[0-9]{0,5}/[0-9]{0,5}(\\.(jpg|webp|png))?",
        "/(display|get|redirect)(/[a-z0-9_x]{0,8}){0,4}",
        "/([a-zA-Z0-9]{1,6}/)?image/[a-z0-9_,]{0,16}/[a-z0-9.@]{0,12}",
        "/(healthcheck|sys/stats|sys/health|upload|[a-z0-9.%/]{0,12})",
    ];
    let query = prop_oneof![
        "",
        "(path|url|op|w|h|fmt|q|hmac|blur|grayscale|deg|pos|filter|color|sig)=[a-z0-9.:/%_+-]{0,10}(&(path|op|w|h|fmt|q|blur)=[a-z0-9.:%+-]{0,8}){0,4}",
    ];
    (path, query).prop_map(|(p, q)| if q.is_empty() { p } else { format!("{p}?{q}") })
}

fn check(status: u16, retry_after: bool, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        status < 500 || status == 503 && retry_after,
        "{what}: {status}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_request_is_answered_without_a_5xx() {
    let images = spawn_app(&[("IMAGE_UPLOADS", "true"), ("IMAGE_DELETES", "true")]).await;
    let http = client();
    let mut runner = TestRunner::new(Config::with_cases(300));
    let base = images.base.clone();
    let handle = tokio::runtime::Handle::current();
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&answered);
    let result = tokio::task::spawn_blocking(move || {
        runner.run(&(request(), 0..3u8), |(path, method)| {
            let url = format!("{base}{path}");
            let res = handle.block_on(async {
                let req = match method {
                    0 => http.get(&url),
                    1 => http.head(&url),
                    _ => http.delete(&url),
                };
                req.send().await
            });
            let Ok(res) = res else { return Ok(()) }; // an invalid URL never left the client
            counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let status = res.status().as_u16();
            check(status, res.headers().contains_key("retry-after"), &path)
        })
    })
    .await
    .unwrap();
    result.unwrap();
    let answered = answered.load(std::sync::atomic::Ordering::Relaxed);
    assert!(answered >= 250, "only {answered} requests were answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_upload_form_is_answered_without_a_5xx() {
    let images = spawn_app(&[("IMAGE_UPLOADS", "true")]).await;
    let http = client();
    let mut runner = TestRunner::new(Config::with_cases(60));
    let base = images.base.clone();
    let handle = tokio::runtime::Handle::current();
    let png = std::fs::read(fixture("transform/quadrants.png")).unwrap();
    let strategy = (
        "(data|image|other|)",
        "[a-z./\\\\]{0,10}",
        prop_oneof![
            Just(png.clone()),
            prop::collection::vec(any::<u8>(), 0..200),
            Just(png[..png.len() / 2].to_vec()),
        ],
        prop::option::of("[a-z0-9]{0,4}"),
    );
    let result = tokio::task::spawn_blocking(move || {
        runner.run(&strategy, |(field, name, bytes, key)| {
            let url = match &key {
                Some(k) => format!("{base}/{k}/upload"),
                None => format!("{base}/upload"),
            };
            let res = handle.block_on(async {
                let form =
                    Form::new().part(field.clone(), Part::bytes(bytes).file_name(name.clone()));
                http.post(&url).multipart(form).send().await
            });
            let res = res.map_err(|e| TestCaseError::fail(e.to_string()))?;
            check(
                res.status().as_u16(),
                res.headers().contains_key("retry-after"),
                &url,
            )
        })
    })
    .await
    .unwrap();
    result.unwrap();
}

proptest! {
    #[test]
    fn any_config_loads_or_is_refused(
        pairs in prop::collection::vec((
            prop::sample::select(&[
                "IMAGE_WORKERS", "IMAGE_DIALECTS", "IMAGE_ALLOWED_SIZES", "IMAGE_ALLOWED_IPS",
                "IMAGE_TRUSTED_PROXIES", "IMAGE_MAX_WORK_PIXELS", "IMAGE_PRESETS", "IMAGE_LISTEN",
                "IMAGE_UPLOADS", "IMAGE_DERIVED_SHARD_WIDTH", "IMAGE_NOPE",
            ][..]),
            "[a-z0-9,.:/=_x;-]{0,16}",
        ), 0..6),
        file in ".{0,80}",
    ) {
        let values = pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let _ = picsum_web::config::parse_layered::<ImageConfig>(
            vec!["picsum-image-service".into()],
            Some((std::path::Path::new("props.env"), values)),
        );
        let dir = std::env::temp_dir().join(format!("picsum-config-props-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("image.env");
        std::fs::write(&path, file).unwrap();
        let _ = picsum_web::config::read_env_file(&path);
    }
}
