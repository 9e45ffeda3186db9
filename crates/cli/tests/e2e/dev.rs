//! `picsum dev` from a copy of the installed binary alone, in an empty folder with no
//! PICSUM_*/IMAGE_* settings: it serves the embedded sample gallery, credits photographers,
//! filters by the gallery's tags, and computes the photos' placeholders at start-up.

use std::process::{Command, Stdio};
use std::time::Duration;

use picsum_testkit::{TempDir, free_port};

use super::*;

struct Dev(std::process::Child);

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn dev_serves_the_embedded_gallery_from_the_binary_alone() {
    let dir = TempDir::new("dev-offline");
    let bin = dir.path().join("picsum");
    std::fs::copy(binary("picsum"), &bin).unwrap();
    let (api, images) = (free_port(), free_port());
    let _dev = Dev(Command::new(&bin)
        .args(["dev", "--listen", &format!("127.0.0.1:{api}")])
        .args(["--image-listen", &format!("127.0.0.1:{images}")])
        .env_clear()
        .env("TMPDIR", dir.path())
        .env("PICSUM_CLIENT_HINTS", "true")
        .env(
            "PICSUM_METRICS_LISTEN",
            format!("127.0.0.1:{}", free_port()),
        )
        .env("IMAGE_METRICS_LISTEN", format!("127.0.0.1:{}", free_port()))
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap());
    let base = format!("http://127.0.0.1:{api}");
    let http = client();
    let mut list = String::new();
    for _ in 0..100 {
        if let Ok(res) = http.get(format!("{base}/v2/list")).send().await {
            list = res.text().await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    assert!(rows.len() >= 24, "{} photos", rows.len());

    // A random photo, rendered from the embedded originals and decoded.
    let res = http.get(format!("{base}/200/300")).send().await.unwrap();
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("http://127.0.0.1:{images}/id/")));
    let (w, h, _, _, _) = decode_jpeg(&get_bytes(&http, &location).await);
    assert_eq!((w, h), (200, 300));

    // The photo's credit from the same catalog.
    let res = http.get(format!("{base}/id/0/100")).send().await.unwrap();
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let res = http.get(&location).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["picsum-author"],
        "Clemens Engelhardt, CC0 1.0"
    );
    assert_eq!(
        res.headers()["link"],
        "<https://gitlab.com/ubports/development/core/lomiri-wallpapers>; rel=\"author\""
    );

    // The gallery's tags filter.
    let space = get_text(&http, &format!("{base}/v2/list?tag=space")).await;
    let space: Vec<serde_json::Value> = serde_json::from_str(&space).unwrap();
    assert!(space.len() >= 3);
    // Placeholders computed at start-up from the embedded photos: meta, colour tags, picks.
    let fig: serde_json::Value =
        serde_json::from_str(&get_text(&http, &format!("{base}/id/9/meta")).await).unwrap();
    assert_eq!(fig["color"].as_str().unwrap().len(), 7);
    assert!(
        fig["tags"].as_array().unwrap().contains(&"red".into()),
        "{fig}"
    );
    let hash = fig["thumbhash"].as_str().unwrap();
    assert!(hash.len() > 20, "{hash}");
    let red = get_text(&http, &format!("{base}/v2/list?tag=red")).await;
    assert!(red.contains("\"id\":\"9\""), "{red}");
    let picked = get_text(
        &http,
        &format!("{base}/v2/pick?count=4&seed=e2e&width=120&height=80"),
    )
    .await;
    let picked: Vec<serde_json::Value> = serde_json::from_str(&picked).unwrap();
    assert_eq!(picked.len(), 4);
    for p in &picked {
        assert!(p["thumbhash"].is_string(), "{p}");
        let (w, h, _, _, _) = decode_jpeg(&get_bytes(&http, p["src"].as_str().unwrap()).await);
        assert_eq!((w, h), (120, 80));
    }
    // The LQIP is a PNG libvips decodes; the colour an SVG of the colour in the meta.
    let lqip = get_bytes(&http, &format!("{base}/id/9/300/200?lqip")).await;
    picsum_imaging::init().unwrap();
    let probe = picsum_imaging::probe(&lqip).unwrap();
    assert!(probe.loader.starts_with("pngload"), "{}", probe.loader);
    assert!(
        probe.width <= 32 && probe.width > probe.height,
        "{}x{}",
        probe.width,
        probe.height
    );
    let jpeg = picsum_imaging::fit_within(&lqip, 32, picsum_imaging::Limits::default()).unwrap();
    assert_eq!(decode_jpeg(&jpeg).0, u16::try_from(probe.width).unwrap());
    let svg = get_text(&http, &format!("{base}/id/9/300/200?color")).await;
    assert!(
        svg.contains(&format!("fill=\"{}\"", fig["color"].as_str().unwrap())),
        "{svg}"
    );
    // Client hints: AVIF at twice the size, chosen at the redirect and rendered as such.
    let res = http
        .get(format!("{base}/id/1/100/50"))
        .header("accept", "image/avif,image/webp,*/*")
        .header("sec-ch-dpr", "2")
        .send()
        .await
        .unwrap();
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("/id/1/200/100.avif?"), "{location}");
    let res = http.get(&location).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "image/avif");
    assert!(
        res.headers()
            .get("vary")
            .is_none_or(|v| !v.to_str().unwrap().contains("Accept"))
    );
    assert_eq!(
        dimensions("image/avif", &res.bytes().await.unwrap()),
        (200, 100)
    );

    // Stable seeds: the redirect and the meta agree, and differ from Picsum's picks.
    let mut differ = 0;
    for i in 0..10 {
        let meta = |mode: &'static str| {
            let url = format!("{base}/seed/s{i}/meta?seed_mode={mode}");
            let http = http.clone();
            async move {
                let text = get_text(&http, &url).await;
                serde_json::from_str::<serde_json::Value>(&text).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        let stable = meta("stable").await;
        let res = http
            .get(format!("{base}/seed/s{i}/100?seed_mode=stable"))
            .send()
            .await
            .unwrap();
        let location = res.headers()["location"].to_str().unwrap();
        assert!(location.contains(&format!("/id/{stable}/")), "{location}");
        differ += usize::from(stable != meta("picsum").await);
    }
    assert!(differ > 0, "stable and Picsum seeds never differed");
    let extracted: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("picsum-gallery-")
        })
        .collect();
    assert_eq!(extracted.len(), 1, "the gallery went to TMPDIR");
}
