//! The chaos drill: two replicas of each service behind HAProxy under steady mixed load,
//! while the drill kill -9s and restarts Redis, PostgreSQL, the S3 server and one replica
//! of each service, then rolls both services with SIGTERM, one replica at a time. Per
//! fault: requests failed, time to the first good answer after the part came back, and
//! afterwards whether anything was lost (catalog rows, originals, acknowledged uploads).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::deployment::{Deployment, Shape};
use crate::load::{Kind, Load, Outcome, client};
use crate::replica::Replica;
use crate::target;
use anyhow::Context as _;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The deployment (at least two replicas).
    pub shape: Shape,
    /// How long each part stays down.
    pub down: Duration,
    /// Steady load before the first fault and after each.
    pub settle: Duration,
    /// Clients sending requests at once.
    pub clients: usize,
}

/// One fault and what the clients saw.
#[derive(Debug)]
pub struct Fault {
    /// What was done.
    pub name: &'static str,
    /// When it started and when the part was back, from the load's start.
    pub window: (Duration, Duration),
    /// Requests answered from the fault's start until the next fault.
    pub requests: usize,
    /// Of those, the failed ones, by kind.
    pub failed: Vec<(Kind, usize)>,
    /// And by status (0: no answer).
    pub statuses: Vec<(u16, usize)>,
    /// From the part's return to the first good answer of a kind that failed (or of any
    /// kind when none did).
    pub first_good: Option<Duration>,
}

/// What the drill saw.
#[derive(Debug)]
pub struct Report {
    /// Every fault in order.
    pub faults: Vec<Fault>,
    /// Failed requests in the steady phase before the first fault.
    pub baseline_failed: usize,
    /// Requests in all.
    pub requests: usize,
    /// What was lost: an empty list when nothing was.
    pub lost: Vec<String>,
    /// Uploads acknowledged during the drill (all checked afterwards).
    pub uploads: usize,
}

const FAULTS: [&str; 7] = [
    "Redis kill -9",
    "PostgreSQL kill -9",
    "S3 server kill -9",
    "image replica kill -9",
    "API replica kill -9",
    "image service rolled (SIGTERM)",
    "API rolled (SIGTERM)",
];

/// Runs the drill.
///
/// # Errors
/// When the deployment does not start or a part cannot be brought back.
pub async fn run(plan: &Plan) -> anyhow::Result<Report> {
    let mut d = tokio::task::block_in_place(|| Deployment::start(&plan.shape))?;
    let before = (catalog_rows(&d)?, d.stored("originals"));
    let epoch = Instant::now();
    let load = Load::start(target(&d, &plan.shape)?, plan.clients, epoch);
    tokio::time::sleep(plan.settle).await;
    let baseline_failed = load.outcomes().iter().filter(|o| !o.ok).count();
    let mut windows = Vec::new();
    for (n, name) in FAULTS.iter().enumerate() {
        let start = epoch.elapsed();
        inject(&mut d, n, plan.down).await?;
        windows.push((*name, (start, epoch.elapsed())));
        tokio::time::sleep(plan.settle).await;
    }
    let uploads = load.uploads();
    let outcomes = load.stop().await;
    let lost = losses(&d, &before, &uploads).await?;
    Ok(Report {
        faults: summarise(&windows, &outcomes, epoch.elapsed()),
        baseline_failed,
        requests: outcomes.len(),
        lost,
        uploads: uploads.len(),
    })
}

fn first(replicas: &mut [Replica]) -> anyhow::Result<&mut Replica> {
    replicas.first_mut().context("no replica")
}

/// Breaks part `n` of [`FAULTS`], waits `down`, and brings it back.
async fn inject(d: &mut Deployment, n: usize, down: Duration) -> anyhow::Result<()> {
    use tokio::task::block_in_place as blocking;
    let grace = Duration::from_secs(30);
    match n {
        0 => d.redis.stop(),
        1 => blocking(|| d.postgres.kill()),
        2 => d.s3.stop(),
        3 => first(&mut d.images)?.kill(),
        4 => first(&mut d.apis)?.kill(),
        _ => {}
    }
    if n < 5 {
        tokio::time::sleep(down).await;
    }
    match n {
        0 => blocking(|| d.redis.resume()),
        1 => blocking(|| d.postgres.resume()),
        2 => blocking(|| d.s3.resume()),
        3 => blocking(|| first(&mut d.images)?.start())?,
        4 => blocking(|| first(&mut d.apis)?.start())?,
        _ => {
            let replicas = if n == 5 { &mut d.images } else { &mut d.apis };
            // One replica at a time, as a rolling update with no surge: the next goes only
            // when the new one is ready and the balancer has checked it once more.
            for r in replicas {
                blocking(|| {
                    r.terminate(grace);
                    r.start()?;
                    r.wait_ready()?;
                    std::thread::sleep(Duration::from_millis(1500));
                    anyhow::Ok(())
                })?;
            }
        }
    }
    Ok(())
}

fn summarise(
    windows: &[(&'static str, (Duration, Duration))],
    outcomes: &[Outcome],
    end: Duration,
) -> Vec<Fault> {
    windows
        .iter()
        .enumerate()
        .map(|(i, &(name, (start, back)))| {
            let until = windows.get(i + 1).map_or(end, |w| w.1.0);
            let during: Vec<&Outcome> = outcomes
                .iter()
                .filter(|o| o.at >= start && o.at < until)
                .collect();
            let failures: Vec<&&Outcome> = during.iter().filter(|o| !o.ok).collect();
            let failed = tally(failures.iter().map(|o| o.kind));
            let statuses = tally(failures.iter().map(|o| o.status));
            let hurt = |k: Kind| failed.is_empty() || failed.iter().any(|(f, _)| *f == k);
            let first_good = during
                .iter()
                .filter(|o| o.ok && o.at >= back && hurt(o.kind))
                .map(|o| o.at.saturating_sub(back))
                .min();
            Fault {
                name,
                window: (start, back),
                requests: during.len(),
                failed,
                statuses,
                first_good,
            }
        })
        .collect()
}

/// Rows in the catalog table, counted by `psql`.
fn catalog_rows(d: &Deployment) -> anyhow::Result<u64> {
    let out = std::process::Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "picsum", "-d", "picsum", "-tAc"])
        .arg("SELECT count(*) FROM image")
        .args(["-p", &d.postgres.port().to_string()])
        .output()?;
    anyhow::ensure!(out.status.success(), "psql failed");
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}

/// What is gone: catalog rows, originals, or acknowledged uploads missing from the bucket
/// or not served.
async fn losses(
    d: &Deployment,
    (rows, originals): &(u64, Vec<String>),
    uploads: &[String],
) -> anyhow::Result<Vec<String>> {
    let mut lost = Vec::new();
    let now = catalog_rows(d)?;
    if now != *rows {
        lost.push(format!("catalog rows: {rows} before, {now} after"));
    }
    let stored = d.stored("originals");
    for name in originals.iter().filter(|n| !stored.contains(n)) {
        lost.push(format!("original {name}"));
    }
    let in_bucket = d.stored("originals/uploads");
    let http = client();
    for path in uploads {
        let name = path.trim_start_matches("uploads/");
        let url = format!("{}/display?path={path}&op=resize&w=40", d.image_url);
        let served = match http.get(url).send().await {
            Ok(res) => res.status() == 200,
            Err(_) => false,
        };
        if !in_bucket.iter().any(|n| n == name) || !served {
            lost.push(format!("upload {path}"));
        }
    }
    Ok(lost)
}

impl Report {
    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "requests: {}, failed before the first fault: {}, uploads acknowledged: {}\n\n\
             | fault | down (s) | requests | failed | failed by kind | by status | first good answer after return |\n\
             |---|---|---|---|---|---|---|\n",
            self.requests, self.baseline_failed, self.uploads
        );
        for f in &self.faults {
            let failed: usize = f.failed.iter().map(|(_, n)| n).sum();
            let kinds: Vec<String> = f.failed.iter().map(|(k, n)| format!("{k:?} {n}")).collect();
            let statuses: Vec<String> = f
                .statuses
                .iter()
                .map(|(s, n)| format!("{s}: {n}"))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {:.1} | {} | {} | {} | {} | {} |",
                f.name,
                (f.window.1 - f.window.0).as_secs_f64(),
                f.requests,
                failed,
                or_dash(&kinds),
                or_dash(&statuses),
                f.first_good
                    .map_or("none".into(), |d| format!("{} ms", d.as_millis())),
            );
        }
        let lost = if self.lost.is_empty() {
            "nothing".to_owned()
        } else {
            self.lost.join(", ")
        };
        let _ = writeln!(out, "\nlost: {lost}");
        out
    }
}

/// How many times each value occurs, sorted by value.
fn tally<T: Ord>(values: impl Iterator<Item = T>) -> Vec<(T, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for value in values {
        *counts.entry(value).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

fn or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(", ")
    }
}
