//! Writes under hostile load: a client past its hourly write quota (picfit's stored
//! derivatives, uploads) is answered 429 with `Retry-After` and nothing is written, while
//! other clients write as before; requests never fill the derived store's ladder reserve.

use reqwest::multipart::{Form, Part};

use super::fairness::client_from;
use super::ladder::ladder_of;
use super::*;

/// Bytes under the derived store's prefix.
async fn derived_usage(app: &App) -> u64 {
    let core = &app.state.core;
    let prefix = core.derived.prefix().trim_end_matches('/');
    core.storage.usage(prefix).await.unwrap()
}

#[tokio::test]
async fn a_client_past_its_write_quota_is_refused_and_others_still_write() {
    const QUOTA: u64 = 1_000_000;
    // No ladders: only what requests write lands in the store.
    let images = spawn_app(&[
        ("IMAGE_CLIENT_WRITE_BYTES_PER_HOUR", "1000000"),
        ("IMAGE_LADDERS", "false"),
    ])
    .await;
    let hog = client_from([127, 0, 0, 2]);
    // About 80 kB of BMP for each 174-byte URL.
    let get_bmp = |w: u32| format!("{}/get?path=1.jpg&op=resize&w={w}&fmt=bmp", images.base);
    let (mut largest, mut refused) = (0, None);
    for w in 200..260 {
        let before = derived_usage(&images).await;
        let res = hog.get(get_bmp(w)).send().await.unwrap();
        if res.status() == 429 {
            refused = Some(res);
            break;
        }
        assert_eq!(res.status(), 200, "{w}");
        largest = largest.max(derived_usage(&images).await - before);
    }
    let res = refused.expect("the hog was never refused");
    let wait = retry_after(&res);
    assert!((1..=3600).contains(&wait), "{wait}");
    let body = res.text().await.unwrap();
    assert!(body.contains("share of writes"), "{body}");
    let used = derived_usage(&images).await;
    assert!(used > QUOTA / 2, "{used}");
    assert!(
        used <= QUOTA + largest,
        "{used} past the quota and one write"
    );
    // What it stored is still answered (nothing more is written); another client writes.
    assert_eq!(get(&hog, &get_bmp(200)).await.0, 200);
    assert_eq!(derived_usage(&images).await, used);
    let (status, _, body) = get(&client_from([127, 0, 0, 3]), &get_bmp(300)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(derived_usage(&images).await > used);
}

#[tokio::test]
async fn uploads_are_charged_to_their_client() {
    let mark = std::fs::read(fixture("transform/mark.png")).unwrap();
    let quota = (mark.len() * 3 / 2).to_string();
    let images = spawn_app(&[
        ("IMAGE_UPLOADS", "true"),
        ("IMAGE_CLIENT_WRITE_BYTES_PER_HOUR", &quota),
    ])
    .await;
    let upload = |http: reqwest::Client, name: &'static str| {
        let form = Form::new().part("data", Part::bytes(mark.clone()).file_name(name));
        http.post(format!("{}/upload", images.base))
            .multipart(form)
            .send()
    };
    let hog = client_from([127, 0, 0, 2]);
    assert_eq!(upload(hog.clone(), "a.png").await.unwrap().status(), 200);
    let res = upload(hog, "b.png").await.unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let store = &images.state.core.storage;
    assert!(
        !store.exists("uploads/b.png").await.unwrap(),
        "nothing written"
    );
    let other = client_from([127, 0, 0, 3]);
    assert_eq!(upload(other, "c.png").await.unwrap().status(), 200);
}

#[tokio::test]
async fn ladders_are_made_in_the_reserve_requests_cannot_fill() {
    const MAX: u64 = 24_000_000;
    const RESERVE: u64 = 16_000_000;
    let images = spawn_app(&[
        ("IMAGE_DERIVED_MAX_BYTES", "24000000"),
        ("IMAGE_LADDER_RESERVE_BYTES", "16000000"),
    ])
    .await;
    // Requests have filled all but the reserve (and a kilobyte).
    let filler = vec![0u8; usize::try_from(MAX - RESERVE - 1000).unwrap()];
    let core = &images.state.core;
    core.storage
        .put("derived/filler", filler.into())
        .await
        .unwrap();
    let http = client_from([127, 0, 0, 2]);
    let url = format!(
        "{}/get?path=quadrants.jpg&op=resize&w=100&fmt=bmp",
        images.base
    );
    let (status, _, body) = get(&http, &url).await;
    let body = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(status, 507, "{body}");
    assert!(body.contains("IMAGE_LADDER_RESERVE_BYTES"), "{body}");
    // A render that decodes the large original starts its ladder, which fits the reserve.
    let (status, _, _) = get(&http, &signed(&images.base, "/id/1/1200/800.jpg")).await;
    assert_eq!(status, 200);
    let (_, index) = ladder_of(&images, "1.jpg").await;
    assert!(!index.rungs.is_empty());
    let used = derived_usage(&images).await;
    assert!(used > MAX - RESERVE && used <= MAX, "{used}");
}
