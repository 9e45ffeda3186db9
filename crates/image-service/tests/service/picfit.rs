//! picfit's dialect in process: sizes, formats and pixels of the answers (decoded),
//! conditional requests, signatures, allowed sizes, `get`/`redirect`, animations, and a
//! clear 4xx for every bad input. Cases follow `pixlserv-picfit.md` §3 and §4.

use super::*;

#[tokio::test]
async fn operations_sizes_and_formats() {
    let images = spawn_app(&[]).await;
    let http = client();
    // (query, content type, width, height)
    let cases = [
        ("path=1.jpg&op=resize&w=100&h=100", "image/jpeg", 100, 100),
        ("path=1.jpg&op=resize&w=300", "image/jpeg", 300, 200),
        // picfit rounds a derived side to nearest: 357 / 5 = 71.4 -> 71.
        ("path=rounding.jpg&op=resize&w=100", "image/jpeg", 100, 71),
        ("path=1.jpg&op=resize&h=50", "image/jpeg", 75, 50),
        (
            "path=1.jpg&op=thumbnail&w=100&h=300",
            "image/jpeg",
            100,
            300,
        ),
        (
            "path=1.jpg&op=thumbnail&w=80&h=80&gravity=smart",
            "image/jpeg",
            80,
            80,
        ),
        ("path=1.jpg&op=fit&w=300&h=300", "image/jpeg", 300, 200),
        (
            "path=quadrants.png&op=fit&w=400&h=400",
            "image/png",
            200,
            100,
        ),
        (
            "path=quadrants.png&op=fit&w=400&h=400&upscale=1",
            "image/png",
            400,
            200,
        ),
        (
            "path=quadrants.png&op=resize&w=400&upscale=false",
            "image/png",
            200,
            100,
        ),
        ("path=quadrants.png&op=resize&w=400", "image/png", 400, 200),
        (
            "path=quadrants.png&op=pad&w=300&h=120",
            "image/png",
            300,
            120,
        ),
        (
            "path=quadrants.png&op=crop&w=30&h=40&gravity=se",
            "image/png",
            30,
            40,
        ),
        (
            "path=quadrants.png&op=rotate&deg=270",
            "image/png",
            100,
            200,
        ),
        (
            "path=quadrants.png&op=effect&filter=blur&w=40",
            "image/png",
            200,
            100,
        ),
        (
            "path=rotated-exif6.jpg&op=resize&w=50",
            "image/jpeg",
            50,
            100,
        ),
        (
            "path=quadrants.png&op=resize&w=100&h=50&op=op:rotate+deg:90",
            "image/png",
            50,
            100,
        ),
        (
            "path=quadrants.png&op=resize&w=20&fmt=jpg",
            "image/jpeg",
            20,
            10,
        ),
        (
            "path=quadrants.png&op=resize&w=20&fmt=webp",
            "image/webp",
            20,
            10,
        ),
        (
            "path=quadrants.png&op=resize&w=20&fmt=gif",
            "image/gif",
            20,
            10,
        ),
        (
            "path=quadrants.png&op=resize&w=20&fmt=bmp",
            "image/bmp",
            20,
            10,
        ),
        (
            "path=quadrants.png&op=resize&w=20&fmt=avif",
            "image/avif",
            20,
            10,
        ),
        (
            "path=alpha.png&op=resize&w=60&fmt=jpg",
            "image/jpeg",
            60,
            40,
        ),
        (
            "path=alpha.png&op=resize&w=60&fmt=webp",
            "image/webp",
            60,
            40,
        ),
    ];
    for (query, ct, w, h) in cases {
        let url = format!("{}/display?{query}", images.base);
        let (status, got_ct, body) = get(&http, &url).await;
        assert_eq!((status, got_ct.as_str()), (200, ct), "{query}");
        assert_eq!(dimensions(ct, &body), (w, h), "{query}");
    }
    // The path form and `get`'s sibling routes parse the same grammar.
    let (status, ct, body) = get(
        &http,
        &format!("{}/display/resize/100x50/quadrants.png", images.base),
    )
    .await;
    assert_eq!((status, dimensions(&ct, &body)), (200, (100, 50)));
    let (status, ct, body) = get(
        &http,
        &format!("{}/display/thumbnail/40x40/1.jpg?fmt=webp", images.base),
    )
    .await;
    assert_eq!((status, dimensions(&ct, &body)), (200, (40, 40)));
    // Prometheus counts requests per operation and format.
    let metrics = picsum_web::telemetry::prometheus().render();
    for series in [
        r#"picsum_transform_operations_total{op="resize"}"#,
        r#"picsum_transform_operations_total{op="pad"}"#,
        r#"picsum_transform_requests_total{format="avif"}"#,
    ] {
        assert!(metrics.contains(series), "{series} missing");
    }
}

#[tokio::test]
async fn pixels_land_where_they_should() {
    let images = spawn_app(&[]).await;
    let http = client();
    // quadrants: left half red, right half blue, green 20x20 square at the top left.
    let cases: [(&str, (usize, usize), [u8; 3]); 14] = [
        ("op=resize&w=200", (5, 5), GREEN),
        ("op=resize&w=200", (50, 50), RED),
        ("op=resize&w=200", (150, 50), BLUE),
        // picfit's 90 is counter-clockwise: the top-left corner goes to the bottom left.
        ("op=rotate&deg=90", (5, 195), GREEN),
        ("op=rotate&deg=270", (95, 5), GREEN),
        ("op=rotate&deg=180", (195, 95), GREEN),
        ("op=flip&pos=h", (195, 5), GREEN),
        ("op=flip&pos=h", (50, 50), BLUE),
        ("op=flip&pos=v", (5, 95), GREEN),
        ("op=crop&w=20&h=20&gravity=nw", (10, 10), GREEN),
        ("op=crop&w=50&h=50&gravity=se", (25, 25), BLUE),
        // Padded with green above and below the (not enlarged) 200x100 image.
        ("op=pad&w=200&h=300&color=00ff00", (100, 50), GREEN),
        ("op=pad&w=200&h=300&color=00ff00", (50, 150), RED),
        // libvips' B_W of pure blue: its CIE L* (32) as a grey level.
        ("op=effect&filter=grayscale", (150, 50), [89, 89, 89]),
    ];
    for (ops, (x, y), want) in cases {
        let url = format!(
            "{}/display?path=quadrants.png&{ops}&fmt=jpg&q=100",
            images.base
        );
        let (status, _, body) = get(&http, &url).await;
        assert_eq!(status, 200, "{ops}");
        let got = pixel(&body, x, y);
        assert!(
            near(got, want),
            "{ops} at ({x},{y}): {got:?}, want {want:?}"
        );
    }
    // EXIF orientation 6 is applied first: the green corner ends at the top right.
    let url = format!(
        "{}/display?path=rotated-exif6.jpg&op=resize&w=100&fmt=jpg",
        images.base
    );
    let body = get(&http, &url).await.2;
    assert!(near(pixel(&body, 95, 5), GREEN));
    assert!(near(pixel(&body, 50, 50), RED));
    // Blur mixes the halves at the boundary.
    let url = format!(
        "{}/display?path=quadrants.png&op=effect&filter=blur&w=100&fmt=jpg&q=100",
        images.base
    );
    let [r, _, b] = pixel(&get(&http, &url).await.2, 100, 60);
    assert!(r > 60 && b > 60, "blurred boundary {r} {b}");
    // Transparent areas become white in JPEG.
    let url = format!(
        "{}/display?path=alpha.png&op=resize&w=120&fmt=jpg&q=100",
        images.base
    );
    let body = get(&http, &url).await.2;
    assert!(near(pixel(&body, 100, 40), [255, 255, 255]));
    assert!(near(pixel(&body, 20, 40), RED));
    // Quality changes the bytes; noop sends the source untouched.
    let q = |q: u8| format!("{}/display?path=1.jpg&op=resize&w=400&q={q}", images.base);
    let (low, high) = (get(&http, &q(10)).await.2, get(&http, &q(95)).await.2);
    assert!(
        low.len() * 2 < high.len(),
        "{} vs {}",
        low.len(),
        high.len()
    );
    let noop = get(
        &http,
        &format!("{}/display?path=quadrants.png&op=noop", images.base),
    )
    .await;
    assert_eq!(noop.1, "image/png");
    assert_eq!(
        noop.2,
        std::fs::read(fixture("transform/quadrants.png")).unwrap()
    );
}

fn varies_by_accept(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap().contains("Accept"))
}

#[tokio::test]
async fn negotiation_and_conditional_requests() {
    let images = spawn_app(&[]).await;
    let http = client();
    let url = format!("{}/display?path=quadrants.png&op=resize&w=50", images.base);
    for (accept, ct) in [
        ("image/avif,image/webp,*/*", "image/avif"),
        ("image/webp,*/*", "image/webp"),
        ("*/*", "image/png"),
    ] {
        let res = http
            .get(&url)
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], ct, "{accept}");
        assert!(varies_by_accept(res.headers()), "{accept}");
        let body = res.bytes().await.unwrap();
        assert_eq!(dimensions(ct, &body), (50, 25), "{accept}");
    }
    // An explicit format does not vary.
    let res = http.get(format!("{url}&fmt=jpg")).send().await.unwrap();
    assert!(!varies_by_accept(res.headers()));
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
    let again = http
        .get(format!("{url}&fmt=jpg"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"], etag.as_str());
    assert!(again.bytes().await.unwrap().is_empty());
    // `force` ignores the validator.
    let forced = http
        .get(format!("{url}&fmt=jpg&force=1"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(forced.status(), 200);
    // Last-Modified is the original's modification time; If-Modified-Since revalidates
    // when no If-None-Match is sent.
    let file_time = images
        .state
        .core
        .storage
        .modified("quadrants.png")
        .await
        .unwrap()
        .unwrap();
    let last = res.headers()["last-modified"].to_str().unwrap().to_owned();
    let parsed = httpdate::parse_http_date(&last).unwrap();
    assert!(
        file_time.duration_since(parsed).unwrap() < std::time::Duration::from_secs(1),
        "{last}"
    );
    let since = |date: String| {
        http.get(format!("{url}&fmt=jpg"))
            .header("if-modified-since", date)
            .send()
    };
    let res = since(last.clone()).await.unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["last-modified"], last.as_str());
    let earlier = httpdate::fmt_http_date(parsed - std::time::Duration::from_secs(3600));
    assert_eq!(since(earlier).await.unwrap().status(), 200);
    assert_eq!(since("not a date".into()).await.unwrap().status(), 200);
    // pixlserv's dialect carries it too.
    let res = http
        .get(format!("{}/image/w_20/quadrants.png", images.base))
        .header("if-modified-since", &last)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx() {
    let images = spawn_app(&[]).await;
    let http = client();
    let cases = [
        (
            "",
            400,
            "Request should contains parameters or query string",
        ),
        (
            "path=1.jpg",
            400,
            "`op` parameter or query string cannot be empty",
        ),
        (
            "path=1.jpg&op=explode",
            400,
            "Invalid method explode or invalid parameters",
        ),
        (
            "path=1.jpg&op=resize&w=abc",
            400,
            "w must be a whole number, not abc",
        ),
        (
            "path=1.jpg&op=resize&w=100000",
            400,
            "w must be at most 16384",
        ),
        (
            "path=1.jpg&op=resize&w=10&q=101",
            400,
            "Quality should be between 1 and 100",
        ),
        (
            "path=1.jpg&op=resize&w=10&fmt=tiff",
            400,
            "Unknown format tiff",
        ),
        (
            "path=1.jpg&op=rotate&deg=45",
            400,
            "deg must be 90, 180 or 270, not 45",
        ),
        ("path=1.jpg&op=flip", 400, "flip needs pos=h or pos=v"),
        (
            "path=1.jpg&op=thumbnail&w=10",
            400,
            "thumbnail needs both w and h",
        ),
        (
            "path=1.jpg&op=resize&w=10&upscale=maybe",
            400,
            "upscale must be a boolean, not maybe",
        ),
        (
            "path=../etc/passwd&op=resize&w=10",
            400,
            "invalid path ../etc/passwd",
        ),
        (
            "path=1.jpg&op=resize&w=16000&h=16000",
            400,
            "the requested output (16000x16000) is too large",
        ),
        // Padding a small image into a huge box is refused too (it never scales).
        (
            "path=quadrants.png&op=pad&w=16000&h=16000",
            400,
            "the requested output (16000x16000) is too large",
        ),
        ("path=nope.jpg&op=resize&w=10", 404, "Image does not exist"),
        (
            "path=2.jpg&op=resize&w=10",
            422,
            "Image cannot be processed",
        ),
        (
            "path=3.jpg&op=resize&w=10",
            422,
            "Image cannot be processed",
        ),
        (
            "path=5.jpg&op=resize&w=10",
            422,
            "Image cannot be processed",
        ),
        (
            "path=animated.gif&op=rotate&deg=90",
            422,
            "Image cannot be processed",
        ),
        (
            "url=ftp://example.com/a.jpg&op=resize&w=10",
            400,
            "URL ftp://example.com/a.jpg is not valid",
        ),
    ];
    for (query, status, message) in cases {
        let url = format!("{}/display?{query}", images.base);
        let res = http.get(&url).send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{query}");
        assert_eq!(res.text().await.unwrap().trim_end(), message, "{query}");
    }
    // Only GET.
    let res = http
        .post(format!("{}/display?path=1.jpg&op=noop", images.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
}

#[tokio::test]
async fn signatures_sizes_get_and_redirect() {
    let images = spawn_app(&[
        ("IMAGE_PICFIT_SECRET_KEY", "dummy"),
        ("IMAGE_ALLOWED_SIZES", "100x100,60x0"),
        ("IMAGE_DERIVED_BASE_URL", "https://cdn.example"),
    ])
    .await;
    let http = client();
    let sign = |qs: &str| {
        let message =
            picsum_signing::dialects::picfit_message(&picsum_url::query::Query::parse(qs));
        format!(
            "{qs}&sig={}",
            picsum_signing::dialects::picfit_sign(b"dummy", &message)
        )
    };
    let ok = sign("path=1.jpg&op=thumbnail&w=100&h=100");
    let (status, ct, body) = get(&http, &format!("{}/display?{ok}", images.base)).await;
    assert_eq!((status, dimensions(&ct, &body)), (200, (100, 100)));
    let unsigned = "path=1.jpg&op=thumbnail&w=100&h=100";
    let tampered = ok.replace("w=100", "w=60");
    for bad in [unsigned.to_owned(), tampered] {
        let (status, _, body) = get(&http, &format!("{}/display?{bad}", images.base)).await;
        assert_eq!(
            (status, &body[..]),
            (401, &b"Invalid signature\n"[..]),
            "{bad}"
        );
    }
    for (qs, status) in [
        ("path=1.jpg&op=resize&w=60", 200),
        ("path=1.jpg&op=resize&w=200&h=100", 403),
        (
            "path=1.jpg&op=resize&w=100&h=100&op=op:resize+w:5000+h:5000",
            403,
        ),
    ] {
        let (got, _, _) = get(&http, &format!("{}/display?{}", images.base, sign(qs))).await;
        assert_eq!(got, status, "{qs}");
    }
    // `get` stores the derivative and describes it; `redirect` points at it.
    let res = http
        .get(format!("{}/get?{ok}", images.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let json: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    let key = json["key"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 32);
    assert_eq!(json["filename"], format!("{key}.jpg"));
    // Stored per source (a delete of the source removes them): derived/{md5(source)}/…
    let path = json["path"].as_str().unwrap().to_owned();
    let folder = path
        .strip_prefix("derived/")
        .and_then(|p| p.strip_suffix(&format!("/{key}.jpg")))
        .unwrap();
    assert!(
        folder.len() == 32 && folder.bytes().all(|b| b.is_ascii_hexdigit()),
        "{path}"
    );
    assert_eq!(json["url"], format!("https://cdn.example/{path}"));
    let stored = images.state.core.storage.get(&path).await.unwrap();
    assert_eq!(dimensions("image/jpeg", &stored), (100, 100));
    let res = http
        .get(format!("{}/redirect?{ok}", images.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
    assert_eq!(
        res.headers()["location"],
        format!("https://cdn.example/{path}")
    );
}

/// Occurrences of `needle` in `hay`.
fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

#[tokio::test]
async fn animations_stay_animated() {
    let images = spawn_app(&[]).await;
    let http = client();
    let url = |qs: &str| format!("{}/display?path=animated.gif&{qs}", images.base);
    // Every frame (2) resized, fitted or filled; a GIF keeps one graphic control block per frame.
    for (qs, w, h) in [
        ("op=resize&w=32&h=20", 32, 20),
        ("op=fit&w=40&h=30", 30, 30),
        ("op=thumbnail&w=20&h=40", 20, 40),
    ] {
        let (status, ct, body) = get(&http, &url(qs)).await;
        assert_eq!((status, ct.as_str()), (200, "image/gif"), "{qs}");
        assert_eq!(dimensions(&ct, &body), (w, h), "{qs}");
        assert_eq!(count(&body, b"\x21\xF9\x04"), 2, "{qs}: frames");
    }
    // Browsers that take AVIF and WebP get an animated WebP (AVIF cannot animate here).
    let res = http
        .get(url("op=resize&w=32&h=20"))
        .header("accept", "image/avif,image/webp,*/*")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "image/webp");
    let body = res.bytes().await.unwrap();
    assert_eq!(count(&body, b"ANMF"), 2, "animated WebP frames");
    // What cannot be done frame by frame, or written as a still format, is refused.
    for qs in [
        "op=rotate&deg=90",
        "op=resize&w=32&fmt=jpg",
        "op=thumbnail&w=20&h=20&gravity=smart",
    ] {
        let (status, _, _) = get(&http, &url(qs)).await;
        assert_eq!(status, 422, "{qs}");
    }
}

/// The derived store has a byte quota: a derivative that would pass it is refused with
/// 507 and not stored, and the store holds what it held.
#[tokio::test]
async fn the_derived_store_has_a_quota() {
    let images = spawn_app(&[("IMAGE_DERIVED_MAX_BYTES", "20000")]).await;
    let http = client();
    let store = &images.state.core.storage;
    let get_derived = |w: u32| format!("{}/get?path=1.jpg&op=resize&w={w}", images.base);
    let (status, _, body) = get(&http, &get_derived(60)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let used = store.usage("derived").await.unwrap();
    assert!(used > 0 && used < 20_000, "{used}");
    let (status, _, body) = get(&http, &get_derived(900)).await;
    let body = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(status, 507, "{body}");
    assert!(body.contains("IMAGE_DERIVED_MAX_BYTES"), "{body}");
    assert_eq!(
        store.usage("derived").await.unwrap(),
        used,
        "nothing stored"
    );
    // Asking again for what is stored writes nothing and is answered.
    assert_eq!(get(&http, &get_derived(60)).await.0, 200);
}
