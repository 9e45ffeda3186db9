//! The noisy-neighbour drill ("Fair under hostile load"): one hostile client must not
//! hurt an ordinary one. The release binaries run with their default settings
//! ([`stage`]); a victim ([`victim`], 127.0.0.3) uses the Picsum flow alone for a third
//! of the run, for its baseline, then while an attacker ([`attacker`] and [`slow`],
//! 127.0.0.2) asks for expensive uncached renders, reads large answers slowly and, where
//! the service takes writes, stores new picfit derivatives. [`report`] holds the figures
//! and the verdict, [`markdown`] writes them out; [`http`] builds both sides' clients.

pub mod attacker;
pub mod http;
pub mod markdown;
pub mod report;
pub mod slow;
pub mod stage;
pub mod victim;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use picsum_testkit::rss::{Sampler, resident};

use attacker::Aim;
pub use http::client;
use report::Report;
use stage::Stage;
use victim::Victim;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Where `picsum-api` and `picsum-image-service` are (release builds).
    pub bin_dir: PathBuf,
    /// The gallery's manifest (its photos beside it, under `photos/`).
    pub manifest: PathBuf,
    /// The whole run: a third unloaded, the rest under attack.
    pub duration: Duration,
    /// Victim workers.
    pub victims: usize,
    /// Attacker workers: half render, a quarter write (render when writes are off), a
    /// quarter read slowly, each of those holding [`SLOW_PER_WORKER`] connections.
    pub attackers: usize,
    /// Turn on picfit with anonymous writes, and attack with `/get`.
    pub writes: bool,
    /// How much the store may grow from the attacker's writes, in bytes.
    pub write_quota: u64,
}

/// Connections each slow-reader worker keeps open.
pub const SLOW_PER_WORKER: usize = 8;

/// Runs the drill.
///
/// # Errors
/// When the deployment does not start (a service that dies during the run is in the report).
pub async fn run(plan: &Plan) -> anyhow::Result<Report> {
    let stage =
        tokio::task::block_in_place(|| Stage::start(&plan.bin_dir, &plan.manifest, plan.writes))?;
    let pid = stage.images.pid().unwrap_or(0);
    let rss = Sampler::start(pid, Duration::from_millis(200));
    let held = Arc::new(AtomicU64::new(0));
    let metrics = sample_held(stage.images.ops_port, pid, Arc::clone(&held));
    let ids = Arc::new(stage.ids.clone());
    let (api, images) = (stage.api.url(), stage.images.url());
    let epoch = Instant::now();
    let unloaded = plan.duration / 3;
    let victim = Victim::start((&api, &images), Arc::clone(&ids), plan.victims, epoch)?;
    tokio::time::sleep(unloaded).await;
    let before = stage.stored();
    let attack_start = epoch.elapsed();
    let aim = Aim {
        api,
        images,
        ids,
        counter: Arc::new(AtomicU64::new(0)),
        answers: Arc::new(Mutex::new(Vec::new())),
        stop: Arc::new(AtomicBool::new(false)),
        picfit: plan.writes,
        sent: Arc::new([0, 0, 0].map(AtomicU64::new)),
    };
    let shares = shares(plan);
    let trickle = Arc::new(slow::Trickle::default());
    let mut tasks = attacker::start(&aim, shares.0, shares.1)?;
    tasks.extend(slow::start(&aim, shares.2, &trickle)?);
    tokio::time::sleep(plan.duration.saturating_sub(unloaded)).await;
    let attack_end = epoch.elapsed();
    let samples = victim.stop().await;
    aim.stop.store(true, Ordering::Relaxed);
    for task in &tasks {
        task.abort();
    }
    // Renders the attacker left behind may still finish and store what they made.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = stage.stored();
    let died = (resident(pid) == 0).then(|| {
        format!(
            "the image service is gone; the end of the logs:\n{}",
            stage.log_tails(20)
        )
    });
    let hwm = picsum_testkit::rss::peak(pid);
    metrics.abort();
    let answers = aim.answers.lock().map(|a| a.clone()).unwrap_or_default();
    Ok(Report {
        opted_in: stage.opted_in.clone(),
        unloaded: (warm_up(unloaded), attack_start),
        loaded: (attack_start, attack_end),
        victims: plan.victims,
        samples,
        attackers: shares,
        answers,
        sent: aim.sent(),
        trickle: trickle.figures(),
        rss: (hwm, rss.stop()),
        held: held.load(Ordering::Relaxed),
        store: (before, after),
        quota: plan.write_quota,
        died,
    })
}

/// The attacker's render workers, write workers and slow connections.
fn shares(plan: &Plan) -> (usize, usize, usize) {
    let slow = plan.attackers / 4;
    let writes = if plan.writes { plan.attackers / 4 } else { 0 };
    let renders = plan.attackers - slow - writes;
    (renders, writes, slow * SLOW_PER_WORKER)
}

/// The start of the unloaded phase's baseline: its first fifth (at most 5 s) warms the
/// caches and libvips and is not counted.
fn warm_up(unloaded: Duration) -> Duration {
    (unloaded / 5).min(Duration::from_secs(5))
}

/// Keeps the peak of the image service's `picsum_memory_held_bytes`, read from its
/// metrics listener every second while it runs.
fn sample_held(ops_port: u16, pid: u32, peak: Arc<AtomicU64>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let http = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{ops_port}/metrics");
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        while resident(pid) > 0 {
            tick.tick().await;
            let Ok(res) = http.get(&url).timeout(Duration::from_secs(2)).send().await else {
                continue;
            };
            let text = res.text().await.unwrap_or_default();
            let held = text
                .lines()
                .find_map(|l| l.strip_prefix("picsum_memory_held_bytes "))
                .and_then(|v| v.trim().parse::<f64>().ok());
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a gauge of bytes: whole, positive and far below 2^52"
            )]
            if let Some(held) = held {
                peak.fetch_max(held as u64, Ordering::Relaxed);
            }
        }
    })
}
