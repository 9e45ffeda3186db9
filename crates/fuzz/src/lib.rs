//! A black-box fuzzer for the image service: it sends generated requests ([`requests`]) over
//! every route and dialect, mixed with valid signed ones, from many connections at once,
//! and checks every answer: no 5xx but a 503 with `Retry-After`, the process alive, its
//! resident memory sampled (`picsum_testkit::rss`) and within a budget.
//!
//! `make fuzz` runs a million requests against the release binary; the e2e suite runs a
//! short bounded run against the debug one.

pub mod requests;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `http://host:port` of the image service.
    pub base: String,
    /// Its process id, for memory samples (none: not sampled).
    pub pid: Option<u32>,
    /// Requests in all.
    pub requests: u64,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The HMAC key of the Picsum route (valid signed requests are mixed in).
    pub key: String,
    /// Seed of the generator (a run can be repeated).
    pub seed: u64,
}

/// What a run saw.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Answers by status.
    pub statuses: BTreeMap<u16, u64>,
    /// Answers that broke the rules: a 5xx other than a 503 with `Retry-After`.
    pub violating: u64,
    /// The first few of them: `(status, request)`.
    pub violations: Vec<(u16, String)>,
    /// Requests that got no answer at all (connection errors, timeouts).
    pub unanswered: u64,
    /// Highest resident set size seen, in bytes.
    pub peak_rss: u64,
    /// How long it took.
    pub elapsed: Duration,
}

/// Runs `plan` and reports.
///
/// # Errors
/// The HTTP client cannot be built.
pub async fn run(plan: Plan) -> anyhow::Result<Report> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(plan.concurrency)
        .build()?;
    let next = Arc::new(AtomicU64::new(0));
    let report = Arc::new(std::sync::Mutex::new(Report::default()));
    let sampler = plan
        .pid
        .map(|pid| picsum_testkit::rss::Sampler::start(pid, Duration::from_millis(50)));
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..plan.concurrency {
        let (client, next, report, plan) = (
            client.clone(),
            Arc::clone(&next),
            Arc::clone(&report),
            plan.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut rng = fastrand::Rng::with_seed(plan.seed ^ (worker as u64 + 1));
            while next.fetch_add(1, Ordering::Relaxed) < plan.requests {
                let req = requests::request(&mut rng, &plan.key);
                let outcome = send(&client, &plan.base, &req).await;
                record(&report, outcome, &req);
            }
        }));
    }
    for w in workers {
        w.await?;
    }
    let mut report = report
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    report.elapsed = started.elapsed();
    report.peak_rss = sampler.map_or(0, picsum_testkit::rss::Sampler::stop);
    Ok(report)
}

/// The status and whether a 503 carried `Retry-After`; `None` without an answer.
async fn send(
    client: &reqwest::Client,
    base: &str,
    req: &requests::Request,
) -> Option<(u16, bool)> {
    let url = format!("{base}{}", req.target);
    let mut builder = client.request(req.method.clone(), &url);
    for (name, value) in &req.headers {
        builder = builder.header(*name, value.as_str());
    }
    if let Some(body) = &req.body {
        builder = builder.body(body.clone());
    }
    let res = builder.send().await.ok()?;
    let status = res.status().as_u16();
    let retry = res.headers().contains_key("retry-after");
    let _ = res.bytes().await;
    Some((status, retry))
}

fn record(
    report: &std::sync::Mutex<Report>,
    outcome: Option<(u16, bool)>,
    req: &requests::Request,
) {
    let Ok(mut r) = report.lock() else { return };
    match outcome {
        None => r.unanswered += 1,
        Some((status, retry)) => {
            *r.statuses.entry(status).or_default() += 1;
            if status >= 500 && !(status == 503 && retry) {
                r.violating += 1;
                if r.violations.len() < 20 {
                    r.violations
                        .push((status, format!("{} {}", req.method, req.target)));
                }
            }
        }
    }
}
