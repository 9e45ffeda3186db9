//! The redirect-and-sign flow end to end, with exact bytes: Lorem Picsum's own on the
//! compatibility build, and on the default build the same render done here in-process
//! (the service must pick the same source and render it the same way).

use super::*;
use picsum_imaging::{Flavour, Limits, PicsumTask};
use picsum_url::format::Format;

/// What the image service is expected to answer for one case.
enum Want {
    /// Picsum's own fixture, rendered from the 500-px variant as Picsum does (with this
    /// blur and grey).
    Fixture(&'static str, Option<f64>, bool),
    /// Our pipeline's render of the original: the 500-px variant (500x333) is smaller than
    /// the output, and we do not enlarge it as Picsum does (a deliberate difference).
    FromOriginal,
}

#[tokio::test]
async fn api_redirects_render_picsum_fixtures_byte_for_byte() {
    let gallery = Gallery::new("fixtures");
    let images = gallery.image_service(2, 16);
    let api = gallery.api(&images);
    let http = client();
    let cases = [
        (
            "/id/1/200/120",
            Want::Fixture("api/width_height_linux", None, false),
            200,
            120,
            3,
        ),
        (
            "/id/1/200/200?blur=5&grayscale",
            Want::Fixture("api/all_linux", Some(5.0), true),
            200,
            200,
            1,
        ),
        (
            "/id/1/200/200?blur",
            Want::Fixture("api/blur_linux", Some(5.0), false),
            200,
            200,
            3,
        ),
        (
            "/id/1/200?grayscale",
            Want::Fixture("api/grayscale_linux", None, true),
            200,
            200,
            1,
        ),
        ("/id/1/0/0", Want::FromOriginal, 300, 400, 3),
    ];
    for (uri, source, w, h, components) in cases {
        for ext in ["jpg", "webp"] {
            let (path, query) = uri
                .split_once('?')
                .map_or((uri, String::new()), |(p, q)| (p, format!("?{q}")));
            let url = format!("{}{path}.{ext}{query}", api.base);
            let redirect = http.get(&url).send().await.unwrap();
            assert_eq!(redirect.status(), 302, "{url}");
            let location = redirect.headers()["location"].to_str().unwrap().to_owned();
            assert!(
                location.starts_with(&format!("{}/id/1/{w}/{h}.{ext}", images.base)),
                "{location}"
            );
            let res = http.get(&location).send().await.unwrap();
            assert_eq!(res.status(), 200, "{location}");
            let ct = if ext == "jpg" {
                "image/jpeg"
            } else {
                "image/webp"
            };
            assert_eq!(res.headers()["content-type"], ct);
            assert_eq!(res.headers()["picsum-id"], "1");
            assert_eq!(
                res.headers()["cache-control"],
                "public, max-age=2592000, stale-while-revalidate=60, stale-if-error=43200, immutable"
            );
            assert!(
                res.headers()["content-disposition"]
                    .to_str()
                    .unwrap()
                    .starts_with(&format!("inline; filename=\"1-{w}x{h}"))
            );
            let body = res.bytes().await.unwrap();
            let want = match source {
                Want::Fixture(name, _, _) if Flavour::built() == Flavour::Lorem => {
                    std::fs::read(fixture(&format!("{name}.{ext}"))).unwrap()
                }
                Want::Fixture(_, blur, gray) => {
                    render_file("file/1_500.jpg", (w, h), blur, gray, ext)
                }
                Want::FromOriginal => render_file("file/1.jpg", (w, h), None, false, ext),
            };
            assert!(
                body[..] == want[..],
                "{url}: bytes differ from the expected render"
            );
            if ext == "jpg" {
                let (dw, dh, dc, progressive, _) = decode_jpeg(&body);
                assert_eq!(
                    (u32::from(dw), u32::from(dh), dc, progressive),
                    (w, h, components, true),
                    "{url}"
                );
            } else {
                let (dw, dh, alpha, _) = decode_webp(&body);
                assert_eq!((dw, dh, alpha), (w, h, false), "{url}");
            }
        }
    }
}

/// This build's render of a fixture file of photo 1 at `w`x`h`.
pub(crate) fn render_file(
    file: &str,
    (w, h): (u32, u32),
    blur: Option<f64>,
    grayscale: bool,
    ext: &str,
) -> Vec<u8> {
    picsum_imaging::init().unwrap();
    let task = PicsumTask {
        width: w,
        height: h,
        blur,
        grayscale,
        comment: Some("Picsum ID: 1".into()),
        format: if ext == "jpg" {
            Format::Jpeg
        } else {
            Format::Webp
        },
    };
    let source = std::fs::read(fixture(file)).unwrap();
    picsum_imaging::render_picsum(&source, &task, Limits::default()).unwrap()
}

#[tokio::test]
async fn effects_change_pixels_as_expected() {
    let gallery = Gallery::new("pixels");
    let images = gallery.image_service(2, 16);
    let http = client();
    let fetch = |q: &str| {
        let url = signed(&images.base, &format!("/id/1/300/200.jpg{q}"));
        let http = http.clone();
        async move { get_bytes(&http, &url).await }
    };
    let (_, _, c, _, plain) = decode_jpeg(&fetch("").await);
    assert_eq!(c, 3);
    let (_, _, c, _, gray) = decode_jpeg(&fetch("?grayscale").await);
    assert_eq!((c, gray.len()), (1, 300 * 200));
    let (_, _, _, _, blurred) = decode_jpeg(&fetch("?blur=10").await);
    // Grey is the luminance of the colour render (within JPEG error).
    let luma: f64 = plain
        .chunks(3)
        .zip(&gray)
        .map(|(p, &g)| {
            (0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2])
                - f64::from(g))
            .abs()
        })
        .sum::<f64>()
        / gray.len() as f64;
    assert!(luma < 8.0, "grey differs from luminance by {luma}");
    // Blur lowers the differences between neighbours.
    let roughness = |px: &[u8]| {
        px.windows(6)
            .map(|w| (i32::from(w[0]) - i32::from(w[3])).abs())
            .sum::<i32>()
    };
    assert!(
        roughness(&blurred) * 2 < roughness(&plain),
        "{} vs {}",
        roughness(&blurred),
        roughness(&plain)
    );
}

#[tokio::test]
async fn random_seed_and_info_through_the_api() {
    let gallery = Gallery::new("random");
    let images = gallery.image_service(2, 16);
    let api = gallery.api(&images);
    let http = client();
    let res = http
        .get(format!("{}/seed/1/info", api.base))
        .send()
        .await
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(
        info["download_url"],
        format!(
            "https://picsum.example/id/{}/{}/{}",
            info["id"].as_str().unwrap(),
            info["width"],
            info["height"]
        )
    );
    let a = http
        .get(format!("{}/seed/1/64/48", api.base))
        .send()
        .await
        .unwrap();
    let b = http
        .get(format!("{}/seed/1/64/48", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(a.headers()["location"], b.headers()["location"]);
    let list = http
        .get(format!("{}/v2/list?limit=2", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        list.headers()["link"],
        "<https://picsum.example/v2/list?page=2&limit=2>; rel=\"next\""
    );
    let ops = get_text(&http, &format!("{}/metrics", api.ops)).await;
    assert!(
        ops.contains("http_request_duration_seconds_bucket{path=\"api.infoSeed\",code=\"200\""),
        "{ops}"
    );
}

#[tokio::test]
async fn health_reports_components() {
    let gallery = Gallery::new("health");
    let images = gallery.image_service(1, 4);
    let api = gallery.api(&images);
    let http = client();
    for (svc, body) in [
        (
            &images,
            // The test services open every dialect; /health says so.
            "{\"healthy\":true,\"cache\":\"healthy\",\"storage\":\"healthy\",\
             \"open\":[\"unsigned pixlserv\",\"unsigned picfit\",\"anonymous writes\"]}\n",
        ),
        (&api, "{\"healthy\":true,\"database\":\"healthy\"}\n"),
    ] {
        let mut last = String::new();
        for _ in 0..50 {
            let res = http
                .get(format!("{}/health", svc.ops))
                .send()
                .await
                .unwrap();
            last = res.text().await.unwrap();
            if last == body {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(last, body);
    }
}
