//! `url=` sources: fetched from a real origin on 127.0.0.1, and refused for every
//! non-public address (literal, resolved, or reached by a redirect), over-large bodies,
//! non-images, slow origins and hosts off the allowlist.

use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get as route;

use super::*;

/// The image service's one answer to a host that is not public or does not resolve.
const NOT_ALLOWED: &str = "Source URL not allowed: it must resolve to a public address";

/// An origin server with good and hostile answers; `private` is an address the image
/// service must not reach.
async fn origin(private: String) -> String {
    let photo = std::fs::read(fixture("../transform/quadrants.jpg")).unwrap();
    let mut big = photo.clone();
    big.resize(300_000, 0);
    let app = Router::new()
        .route("/photo.jpg", route(move || async move { photo.clone() }))
        .route(
            "/no-extension",
            route(|| async { std::fs::read(fixture("../transform/quadrants.png")).unwrap() }),
        )
        .route("/big.jpg", route(move || async move { big.clone() }))
        .route(
            "/page.jpg",
            route(|| async {
                (
                    [(header::CONTENT_TYPE, "image/jpeg")],
                    "<html>not an image</html>",
                )
            }),
        )
        .route("/missing.jpg", route(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/broken.jpg",
            route(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .route(
            "/slow.jpg",
            route(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                StatusCode::OK
            }),
        )
        .route(
            "/to-private",
            route(move || async move {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, format!("{private}/photo.jpg"))],
                )
                    .into_response()
            }),
        )
        .route(
            "/to-photo",
            route(|| async { (StatusCode::FOUND, [(header::LOCATION, "/photo.jpg")]) }),
        )
        .route(
            "/loop",
            route(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop")]) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("127.0.0.1:{}", addr.port())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_sources_are_fetched_safely() {
    let gallery = gallery("remote");
    let images_probe = gallery.image_service(1, 4);
    let forbidden = images_probe.base.clone(); // a private address that is not trusted
    let origin = origin(forbidden.clone()).await;
    let images = gallery.image_service_with(
        2,
        16,
        vec![
            ("IMAGE_REMOTE_PRIVATE_HOSTS", origin.clone()),
            ("IMAGE_REMOTE_MAX_BYTES", "100000".into()),
            ("IMAGE_REMOTE_TIMEOUT_MS", "1500".into()),
        ],
    );
    let http = client();
    let display = |url: String| format!("{}/display?op=resize&w=50&url={url}", images.base);
    let o = format!("http://{origin}");

    // Fetched, sniffed (no extension needed), transformed, decoded; redirects are followed.
    for (url, ct) in [
        (format!("{o}/photo.jpg"), "image/jpeg"),
        (format!("{o}/no-extension"), "image/png"),
        (format!("{o}/to-photo"), "image/jpeg"),
    ] {
        let (status, got_ct, body) = get(&http, &display(url.clone())).await;
        assert_eq!((status, got_ct.as_str()), (200, ct), "{url}");
        assert_eq!(dimensions(ct, &body), (50, 25), "{url}");
    }
    let port = forbidden.rsplit(':').next().unwrap().to_owned();
    let cases = [
        (
            format!("{forbidden}/id/1/10/10.jpg"),
            403,
            NOT_ALLOWED.to_owned(),
        ),
        (
            format!("http://localhost:{port}/x.jpg"),
            403,
            NOT_ALLOWED.to_owned(),
        ),
        (
            "http://169.254.169.254/latest/meta-data/".into(),
            403,
            NOT_ALLOWED.to_owned(),
        ),
        ("http://10.1.2.3/x.jpg".into(), 403, NOT_ALLOWED.to_owned()),
        (
            "http://100.64.0.1/x.jpg".into(),
            403,
            NOT_ALLOWED.to_owned(),
        ),
        ("http://0x7f.1/x.jpg".into(), 403, NOT_ALLOWED.to_owned()),
        (
            format!("http://[::1]:{port}/x.jpg"),
            403,
            NOT_ALLOWED.to_owned(),
        ),
        (format!("{o}/to-private"), 403, NOT_ALLOWED.to_owned()),
        (format!("{o}/loop"), 400, "too many redirects".into()),
        (
            format!("{o}/big.jpg"),
            422,
            "remote source is larger than 100000 bytes".into(),
        ),
        (
            format!("{o}/page.jpg"),
            422,
            "remote source is not a supported image".into(),
        ),
        (
            format!("{o}/missing.jpg"),
            404,
            "remote image not found".into(),
        ),
        (
            format!("{o}/slow.jpg"),
            504,
            "remote source timed out".into(),
        ),
        // The same answer as a host that is not public: no telling which names exist.
        (
            "http://no-such-host.invalid/x.jpg".into(),
            403,
            NOT_ALLOWED.to_owned(),
        ),
        // An origin's failure is told in a fixed text, never the HTTP client's.
        (
            format!("{o}/broken.jpg"),
            502,
            "Source could not be fetched".into(),
        ),
        (
            "ftp://example.com/x.jpg".into(),
            400,
            "URL ftp://example.com/x.jpg is not valid".into(),
        ),
    ];
    for (url, status, message) in cases {
        let res = http.get(display(url.clone())).send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{url}");
        let body = res.text().await.unwrap();
        assert!(body.starts_with(&message), "{url}: {body}");
        if status == 403 || status == 502 {
            // Never the host, where it resolves or why a fetch failed: that would map the
            // inside for the asker.
            assert_eq!(body.trim_end(), message, "{url}");
        }
    }

    // An allowlist refuses other hosts before any connection; the switch turns url= off.
    for (env, message) in [
        (
            ("IMAGE_REMOTE_ALLOWED_HOSTS", "*.example.com".to_owned()),
            "host 127.0.0.1 is not allowed",
        ),
        (
            ("IMAGE_REMOTE_SOURCES", "false".to_owned()),
            "url= sources are disabled on this server",
        ),
    ] {
        let locked = gallery.image_service_with(
            1,
            4,
            vec![("IMAGE_REMOTE_PRIVATE_HOSTS", origin.clone()), env],
        );
        let url = format!("{}/display?op=resize&w=50&url={o}/photo.jpg", locked.base);
        let res = http.get(url).send().await.unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(res.text().await.unwrap().trim_end(), message);
    }
}

/// A fetched source is reused within its refresh period and fetched again after it, and so
/// are the renders made from it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_sources_are_fetched_again_after_their_period() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let fetches = Arc::new(AtomicUsize::new(0));
    let first = std::fs::read(fixture("../transform/quadrants.jpg")).unwrap(); // 200x100
    let second = std::fs::read(fixture("file/1_500.jpg")).unwrap(); // 500x333
    let counter = Arc::clone(&fetches);
    let app = Router::new().route(
        "/changing.jpg",
        route(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let body = if n == 0 {
                first.clone()
            } else {
                second.clone()
            };
            async move { body }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let gallery = gallery("remote-refresh");
    let images = gallery.image_service_with(
        1,
        4,
        vec![
            ("IMAGE_REMOTE_PRIVATE_HOSTS", origin.clone()),
            ("IMAGE_REMOTE_REFRESH_SECONDS", "1".into()),
        ],
    );
    let http = client();
    let url = format!(
        "{}/display?op=resize&w=50&fmt=png&url=http://{origin}/changing.jpg",
        images.base
    );
    // The first request fetches the first source. (A second request right after it may
    // already fall in the next one-second period: periods are wall-clock seconds.)
    let first = http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let first_tag = first.headers()["etag"].to_str().unwrap().to_owned();
    let ct = first.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(dimensions(&ct, &first.bytes().await.unwrap()), (50, 25));
    let mut seen = (50, 25);
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (status, ct, body) = get(&http, &url).await;
        assert_eq!(status, 200);
        seen = dimensions(&ct, &body);
        if seen != (50, 25) {
            break;
        }
    }
    assert_eq!(seen, (50, 33), "the new source is served after its period");
    // The entity tag names the period, so a revalidating client gets the new image.
    let res = http
        .get(&url)
        .header("if-none-match", &first_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_ne!(res.headers()["etag"].to_str().unwrap(), first_tag);
    assert!(
        fetches.load(Ordering::SeqCst) <= 3,
        "reused within a period"
    );
}
