//! A short black-box fuzz run (the full one is `make fuzz`): generated requests over every
//! route and dialect of the image service binary, mixed with valid signed ones; no 5xx but
//! a budgeted 503, every request answered, the process alive and within its memory budget.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_requests_get_no_5xx_and_the_service_stays_in_budget() {
    let gallery = gallery("fuzz");
    // All of the fuzzer's requests come from one client: its fair share would refuse most
    // renders (the abuse drill proves the shares), so here one client may use everything.
    let images = gallery.image_service_with(
        2,
        64,
        vec![
            ("IMAGE_UPLOADS", "true".into()),
            ("IMAGE_CLIENT_CPU_SECONDS", "0".into()),
            ("IMAGE_CLIENT_WORKERS", "2".into()),
            ("IMAGE_CLIENT_QUEUE", "64".into()),
        ],
    );
    let pid = images.child.id();
    let report = picsum_fuzz::run(picsum_fuzz::Plan {
        base: images.base.clone(),
        pid: Some(pid),
        requests: 20_000,
        concurrency: 16,
        key: KEY.to_owned(),
        seed: 7,
    })
    .await
    .unwrap();
    assert_eq!(report.violating, 0, "{:?}", report.violations);
    assert_eq!(report.unanswered, 0, "{report:?}");
    let answered: u64 = report.statuses.values().sum();
    assert_eq!(answered, 20_000);
    // Renders happened (the generator's valid requests), refusals too.
    assert!(
        report.statuses.get(&200).copied().unwrap_or(0) > 500,
        "{:?}",
        report.statuses
    );
    assert!(
        report.statuses.get(&400).copied().unwrap_or(0) > 500,
        "{:?}",
        report.statuses
    );
    assert!(
        report.peak_rss > 0 && report.peak_rss < 1 << 30,
        "{report:?}"
    );
    assert!(picsum_testkit::rss::resident(pid) > 0, "the service died");
}
