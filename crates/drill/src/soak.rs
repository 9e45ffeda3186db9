//! The soak: steady mixed load on one replica of each service for a long time, resident
//! memory of both sampled every second. Reports the memory after warm-up and at the end,
//! and fails when a request fails or memory keeps growing after warm-up.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use picsum_testkit::rss::resident;

use crate::deployment::{Deployment, Shape};
use crate::load::{Load, Outcome};
use crate::target;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The deployment (one replica of each service is used).
    pub shape: Shape,
    /// How long the load runs.
    pub duration: Duration,
    /// Clients sending requests at once.
    pub clients: usize,
}

/// One second's memory, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Seconds since the load started.
    pub second: u64,
    /// The image service's resident set.
    pub images: u64,
    /// The API's resident set.
    pub api: u64,
}

/// What the soak saw.
#[derive(Debug)]
pub struct Report {
    /// Every request.
    pub outcomes: Vec<Outcome>,
    /// Memory every second.
    pub samples: Vec<Sample>,
    /// When warm-up ended (a fifth of the run, at most 5 minutes).
    pub warm: Duration,
    /// When a service died: the second and the end of its log.
    pub died: Option<String>,
}

/// Runs the soak.
///
/// # Errors
/// When the deployment does not start (a service that dies during the run is in the report).
pub async fn run(plan: &Plan) -> anyhow::Result<Report> {
    let shape = Shape {
        replicas: 1,
        ..plan.shape.clone()
    };
    let deployment = tokio::task::block_in_place(|| Deployment::start(&shape))?;
    let pid = |replicas: &[crate::replica::Replica]| replicas.first().and_then(|r| r.pid());
    let pids = (
        pid(&deployment.images).unwrap_or(0),
        pid(&deployment.apis).unwrap_or(0),
    );
    let epoch = Instant::now();
    let load = Load::start(target(&deployment, &shape)?, plan.clients, epoch);
    let mut samples = Vec::new();
    let mut died = None;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    while epoch.elapsed() < plan.duration {
        tick.tick().await;
        let sample = Sample {
            second: epoch.elapsed().as_secs(),
            images: resident(pids.0),
            api: resident(pids.1),
        };
        if sample.images == 0 || sample.api == 0 {
            died = Some(format!(
                "a service died at second {}; the end of the logs:\n{}",
                sample.second,
                deployment.log_tails(20)
            ));
            break;
        }
        samples.push(sample);
    }
    let outcomes = load.stop().await;
    Ok(Report {
        outcomes,
        samples,
        warm: (plan.duration / 5).min(Duration::from_secs(300)),
        died,
    })
}

impl Report {
    /// The sample closest to `at`.
    fn at(&self, at: Duration) -> Sample {
        let second = at.as_secs();
        self.samples
            .iter()
            .min_by_key(|s| s.second.abs_diff(second))
            .copied()
            .unwrap_or(Sample {
                second,
                images: 0,
                api: 0,
            })
    }

    /// Memory after warm-up and at the end.
    pub fn warm_and_end(&self) -> (Sample, Sample) {
        let end = self.samples.last().copied().unwrap_or(Sample {
            second: 0,
            images: 0,
            api: 0,
        });
        (self.at(self.warm), end)
    }

    /// Requests that failed.
    pub fn failed(&self) -> usize {
        self.outcomes.iter().filter(|o| !o.ok).count()
    }

    /// Why the soak failed, if it did: a failed request, or a service whose memory at the
    /// end passed its warm value by more than a quarter plus 64 MiB.
    pub fn verdict(&self) -> Result<(), String> {
        if let Some(died) = &self.died {
            return Err(died.clone());
        }
        if self.failed() > 0 {
            return Err(format!("{} requests failed", self.failed()));
        }
        let (warm, end) = self.warm_and_end();
        let grew = |w: u64, e: u64| e > w + w / 4 + (64 << 20);
        if grew(warm.images, end.images) || grew(warm.api, end.api) {
            return Err(format!(
                "memory grew after warm-up: image service {} -> {} MiB, API {} -> {} MiB",
                warm.images >> 20,
                end.images >> 20,
                warm.api >> 20,
                end.api >> 20
            ));
        }
        Ok(())
    }

    /// The report as Markdown, with the per-minute memory.
    pub fn markdown(&self) -> String {
        let (warm, end) = self.warm_and_end();
        let peak = |f: fn(&Sample) -> u64| self.samples.iter().map(f).max().unwrap_or(0) >> 20;
        let secs = self.samples.last().map_or(1, |s| s.second.max(1));
        let mut out = String::new();
        let _ = writeln!(
            out,
            "requests: {} ({:.0}/s), failed: {}\n\n\
             | | after warm-up (s {}) | end (s {}) | peak |\n|---|---|---|---|\n\
             | image service RSS MiB | {} | {} | {} |\n| API RSS MiB | {} | {} | {} |\n",
            self.outcomes.len(),
            self.outcomes.len() as f64 / secs as f64,
            self.failed(),
            warm.second,
            end.second,
            warm.images >> 20,
            end.images >> 20,
            peak(|s| s.images),
            warm.api >> 20,
            end.api >> 20,
            peak(|s| s.api),
        );
        if let Some(died) = &self.died {
            let _ = writeln!(out, "```\n{died}```\n");
        }
        out.push_str("second,image_rss_mib,api_rss_mib\n");
        let every = (self.samples.len() / 30).max(1);
        for s in self.samples.iter().step_by(every) {
            let _ = writeln!(out, "{},{},{}", s.second, s.images >> 20, s.api >> 20);
        }
        out
    }
}
