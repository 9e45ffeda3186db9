//! A render whose client is gone stops and frees its worker: the next request does not
//! wait for it.

use std::time::{Duration, Instant};

use super::*;

/// A render of seconds on one core whatever the libvips: a 5000x3333 resize of a 6000x4000
/// photo, then six gaussian blurs of sigma 50 (about ten seconds each on libvips 8.14, half
/// a second on 8.17), over the default work and in-flight budgets and the per-request CPU
/// cap, which this test raises.
/// Before renders could be cancelled, the small request below waited for all of it.
const HEAVY: &str = "path=1.jpg&op=resize&w=5000&h=3333&op=op:effect+filter:blur+w:1000\
    &op=op:effect+filter:blur+w:1000&op=op:effect+filter:blur+w:1000\
    &op=op:effect+filter:blur+w:1000&op=op:effect+filter:blur+w:1000\
    &op=op:effect+filter:blur+w:1000&fmt=jpg";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_render_whose_client_left_frees_its_worker() {
    let images = spawn_app(&[
        ("IMAGE_WORKERS", "1"),
        ("IMAGE_MAX_WORK_PIXELS", "200000000"),
        ("IMAGE_MAX_INFLIGHT_PIXELS", "200000000"),
        // Far over the cost a request may have by default: this test is about stopping it.
        ("IMAGE_MAX_REQUEST_CPU_MS", "100000000"),
        ("IMAGE_CLIENT_CPU_SECONDS", "0"),
    ])
    .await;
    let http = client();
    let heavy = format!("{}/display?{HEAVY}", images.base);
    let started = Instant::now();
    let gone = http
        .get(&heavy)
        .timeout(Duration::from_millis(800))
        .send()
        .await;
    let elapsed = started.elapsed();
    if let Ok(answer) = gone {
        let status = answer.status();
        panic!(
            "the heavy render answered in {elapsed:?}: {status} {}",
            answer.text().await.unwrap_or_default()
        );
    }
    // The one worker was busy with it; once the client left, it stops within a second.
    let small = format!("{}/display?path=quadrants.png&op=resize&w=16", images.base);
    let started = Instant::now();
    let (status, _, _) = get(&http, &small).await;
    let waited = started.elapsed();
    assert_eq!(status, 200);
    assert!(
        waited < Duration::from_secs(3),
        "the small render waited {waited:?}"
    );
}
