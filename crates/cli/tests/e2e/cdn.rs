//! A CDN in front of both services: a real nginx `proxy_cache` that honours their
//! `Cache-Control`. A mix of the URLs front-end code writes (named photos, faker.js's
//! `/seed/{seed}/{w}/{h}?grayscale&blur=N`, some random ones) is replayed twice; on the second
//! pass nearly every answer, redirects included, comes from the cache, and every image
//! decodes at the size asked for.

use picsum_testkit::Nginx;

use super::*;

/// The URL mix: `(path, width, height)`.
fn mix() -> Vec<(String, u32, u32)> {
    let mut urls = Vec::new();
    for (i, (w, h)) in [(200, 120), (300, 200), (640, 360), (100, 100)]
        .iter()
        .enumerate()
    {
        urls.push((format!("/id/{}/{w}/{h}", i + 3), *w, *h));
        urls.push((format!("/id/{}/{w}/{h}.webp?grayscale", i + 3), *w, *h));
        for seed in ["alpha", "beta", "gamma"] {
            urls.push((format!("/seed/{seed}/{w}/{h}"), *w, *h));
            urls.push((
                format!("/seed/{seed}/{w}/{h}?grayscale&blur={}", i + 1),
                *w,
                *h,
            ));
        }
    }
    // Random photos are never the same twice: their redirects are not stored.
    urls.push(("/150/150".into(), 150, 150));
    urls
}

/// One pass over the mix through the cache: `(hits, answers)`.
async fn pass(http: &reqwest::Client, api: &str) -> (usize, usize) {
    let (mut hits, mut answers) = (0, 0);
    for (path, w, h) in mix() {
        let res = http.get(format!("{api}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 302, "{path}");
        let status = |res: &reqwest::Response| {
            res.headers()
                .get("x-cache-status")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        hits += usize::from(status(&res) == "HIT");
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let image = http.get(&location).send().await.unwrap();
        assert_eq!(image.status(), 200, "{path} -> {location}");
        hits += usize::from(status(&image) == "HIT");
        let content_type = image.headers()["content-type"].to_str().unwrap().to_owned();
        let body = image.bytes().await.unwrap();
        assert_eq!(dimensions(&content_type, &body), (w, h), "{path}");
        answers += 2;
    }
    (hits, answers)
}

/// The sample gallery (25 photos), copied: the services may write beside the photos.
fn sample_gallery() -> Gallery {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../gallery");
    let dir = std::env::temp_dir().join(format!("picsum-e2e-cdn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("photos")).unwrap();
    for entry in std::fs::read_dir(repo.join("photos")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("photos").join(path.file_name().unwrap())).unwrap();
    }
    std::fs::copy(repo.join("manifest.json"), dir.join("manifest.json")).unwrap();
    Gallery { dir }
}

#[tokio::test]
async fn a_cdn_serves_the_second_pass_of_a_url_mix_from_its_cache() {
    let gallery = sample_gallery();
    let images = gallery.image_service(2, 32);
    let (api_front, images_front) = (picsum_testkit::free_port(), picsum_testkit::free_port());
    let api = gallery.api_with(
        &images,
        vec![(
            "PICSUM_IMAGE_SERVICE_URL",
            format!("http://127.0.0.1:{images_front}"),
        )],
    );
    let upstream = |s: &Service| s.base.trim_start_matches("http://").to_owned();
    let (api_up, images_up) = (upstream(&api), upstream(&images));
    let cdn = Nginx::cache_in_front_of(&[(api_front, &api_up), (images_front, &images_up)]);
    let http = client();
    let (first_hits, answers) = pass(&http, &cdn.url(0)).await;
    let (hits, again) = pass(&http, &cdn.url(0)).await;
    assert_eq!(answers, again);
    let ratio = hits as f64 / again as f64;
    println!(
        "CDN replay: first pass {first_hits}/{answers} hits, second pass {hits}/{again} hits ({:.1} %)",
        ratio * 100.0
    );
    assert!(ratio >= 0.95, "second pass hit ratio {ratio:.3}");
    // The random redirect was not stored; a named photo's was, and says for how long.
    let random = http
        .get(format!("{}/150/150", cdn.url(0)))
        .send()
        .await
        .unwrap();
    assert_ne!(random.headers()["x-cache-status"], "HIT");
    let named = http
        .get(format!("{}/id/3/200/120", cdn.url(0)))
        .send()
        .await
        .unwrap();
    assert_eq!(named.headers()["x-cache-status"], "HIT");
    let cache = named.headers()["cache-control"].to_str().unwrap();
    assert!(cache.starts_with("public, max-age=86400"), "{cache}");
}
