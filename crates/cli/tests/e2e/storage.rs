//! The image service on a real S3-protocol server and on a real GCS emulator: fixture bytes,
//! 404, and an outage that answers 503 with Retry-After and heals by itself when the server is
//! back.

use super::*;
use picsum_testkit::{GcsServer, S3Server};

/// A store the test can take down and bring back.
trait Outage {
    fn stop(&mut self);
    fn resume(&mut self);
}

impl Outage for S3Server {
    fn stop(&mut self) {
        S3Server::stop(self);
    }
    fn resume(&mut self) {
        S3Server::resume(self);
    }
}

impl Outage for GcsServer {
    fn stop(&mut self) {
        GcsServer::stop(self);
    }
    fn resume(&mut self) {
        GcsServer::resume(self);
    }
}

#[tokio::test]
async fn image_service_on_s3_survives_an_outage() {
    let mut s3 = S3Server::start("picsum");
    let originals = s3.bucket_dir("picsum").join("originals");
    std::fs::create_dir_all(&originals).unwrap();
    for name in ["1.jpg", "1_500.jpg"] {
        std::fs::copy(fixture(&format!("file/{name}")), originals.join(name)).unwrap();
    }
    let gallery = Gallery::new("s3");
    let mut extra = s3.env();
    extra.push(("IMAGE_STORAGE_URL", "s3://picsum/originals".into()));
    let images = gallery.image_service_with(2, 16, extra);
    serves_and_survives_an_outage(&images, &mut s3).await;
}

/// GCS through the settings an operator uses for a custom endpoint
/// (`GOOGLE_SERVICE_ACCOUNT_KEY` with `gcs_base_url`).
#[tokio::test]
async fn image_service_on_gcs_survives_an_outage() {
    let sources: Vec<(String, Vec<u8>)> = ["1.jpg", "1_500.jpg"]
        .iter()
        .map(|name| {
            let bytes = std::fs::read(fixture(&format!("file/{name}"))).unwrap();
            (format!("originals/{name}"), bytes)
        })
        .collect();
    let objects: Vec<(&str, &[u8])> = sources
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    let mut gcs = GcsServer::start("picsum", &objects);
    let gallery = Gallery::new("gcs");
    let mut extra = gcs.env();
    extra.push(("IMAGE_STORAGE_URL", "gs://picsum/originals".into()));
    let images = gallery.image_service_with(2, 16, extra);
    serves_and_survives_an_outage(&images, &mut gcs).await;
}

async fn serves_and_survives_an_outage(images: &Service, store: &mut impl Outage) {
    let http = client();
    let get = |path: &str| {
        let url = signed(&images.base, path);
        let http = http.clone();
        async move { http.get(&url).send().await.unwrap() }
    };

    let res = get("/id/1/200/120.jpg").await;
    assert_eq!(res.status(), 200);
    let want = photo_1_200x120_jpg();
    assert!(
        res.bytes().await.unwrap()[..] == want[..],
        "bytes differ from the fixture"
    );
    assert_eq!(get("/id/9/10/10.jpg").await.status(), 404);

    store.stop();
    let res = get("/id/1/4600/3000.jpg").await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    assert_eq!(
        res.text().await.unwrap(),
        "Storage unavailable, retry shortly\n"
    );
    // Sources already in the memory tier still render during the outage.
    assert_eq!(get("/id/1/200/120.jpg").await.status(), 200);

    store.resume();
    let healed = std::time::Instant::now();
    loop {
        let res = get("/id/1/4600/3000.jpg").await;
        if res.status() == 200 {
            let (w, h, _, _, _) = decode_jpeg(&res.bytes().await.unwrap());
            assert_eq!((w, h), (4600, 3000));
            break;
        }
        assert!(
            healed.elapsed() < std::time::Duration::from_secs(10),
            "not recovered: {}",
            res.status()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Not ready without its storage: started while the S3 server does not answer, the image
/// service's `/ready` answers 503 naming the storage (and `/live` 200: the process is fine).
#[tokio::test]
async fn not_ready_while_its_store_is_down() {
    let mut s3 = S3Server::start("picsum");
    s3.stop();
    let gallery = Gallery::new("s3-down");
    let mut extra = s3.env();
    extra.push(("IMAGE_STORAGE_URL", "s3://picsum/originals".into()));
    let images = gallery.image_service_with(1, 4, extra);
    let http = client();
    let started = std::time::Instant::now();
    let answer = loop {
        let res = http
            .get(format!("{}/ready", images.ops))
            .send()
            .await
            .unwrap();
        let answer = (res.status().as_u16(), res.text().await.unwrap());
        if answer.1.contains("storage") || started.elapsed() > std::time::Duration::from_secs(15) {
            break answer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(
        answer,
        (
            503,
            "{\"degraded\":[],\"failing\":[\"storage\"],\"ready\":false}\n".to_owned()
        )
    );
    let live = http
        .get(format!("{}/live", images.ops))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    s3.resume();
}
