//! What the noisy-neighbour drill saw and its verdict ([`super::markdown`] writes it out).

use std::collections::BTreeMap;
use std::time::Duration;

use super::attacker::{Answer, Kind};
use super::victim::Sample;

/// The least unloaded p99 the loaded p99 is compared with, so that a very fast baseline
/// does not make scheduling noise a failure.
pub const P99_FLOOR: Duration = Duration::from_millis(50);
/// Most resident memory the image service may reach.
pub const MAX_RSS: u64 = 1 << 30;

/// Everything the drill measured.
#[derive(Debug, Default)]
pub struct Report {
    /// Settings besides ports, key and paths that differ from the defaults.
    pub opted_in: Vec<(&'static str, String)>,
    /// Victim-only phase, from the run's start: requests that started after the warm-up
    /// and ended before the attack count towards the baseline.
    pub unloaded: (Duration, Duration),
    /// The attack, from the run's start: victim requests that started in it count.
    pub loaded: (Duration, Duration),
    /// The victim's workers.
    pub victims: usize,
    /// Every victim request.
    pub samples: Vec<Sample>,
    /// Attacker render workers, write workers and slow-reader connections.
    pub attackers: (usize, usize, usize),
    /// Every attacker answer.
    pub answers: Vec<Answer>,
    /// Attacker requests sent, by [`Kind`]: those without an answer were still waiting
    /// when the attack stopped.
    pub sent: [u64; 3],
    /// Slow readers: connections opened, answers read whole, connections cut, bytes read.
    pub trickle: (u64, u64, u64, u64),
    /// The image service's peak resident set (`VmHWM`), and the peak of the 200 ms samples.
    pub rss: (u64, u64),
    /// The peak of `picsum_memory_held_bytes`, sampled every second.
    pub held: u64,
    /// The storage folder's bytes and files when the attack started and after it.
    pub store: ((u64, u64), (u64, u64)),
    /// The attacker's write quota, in bytes.
    pub quota: u64,
    /// When a service died: the end of its log.
    pub died: Option<String>,
}

/// p50 and p99 (nearest rank) of some latencies.
fn percentiles(latencies: &mut [Duration]) -> Option<(Duration, Duration)> {
    latencies.sort_unstable();
    let rank = |p: usize| {
        let i = (latencies.len() * p).div_ceil(100).saturating_sub(1);
        latencies.get(i).copied()
    };
    Some((rank(50)?, rank(99)?))
}

pub(super) fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

pub(super) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

impl Report {
    /// The victim's requests of a phase (see [`Report::unloaded`] and [`Report::loaded`]).
    pub fn phase(&self, loaded: bool) -> Vec<&Sample> {
        self.samples
            .iter()
            .filter(|s| {
                if loaded {
                    s.started >= self.loaded.0 && s.started < self.loaded.1
                } else {
                    s.started >= self.unloaded.0 && s.started + s.latency <= self.unloaded.1
                }
            })
            .collect()
    }

    /// The victim's p50 and p99 in a phase (successful requests only).
    pub fn victim(&self, loaded: bool) -> Option<(Duration, Duration)> {
        let mut latencies: Vec<Duration> = self
            .phase(loaded)
            .iter()
            .filter(|s| s.error.is_none())
            .map(|s| s.latency)
            .collect();
        percentiles(&mut latencies)
    }

    /// The loaded p99 may be at most this.
    pub fn bound(&self) -> Option<Duration> {
        self.victim(false).map(|(_, p99)| p99.max(P99_FLOOR) * 2)
    }

    /// The victim's errors, by what went wrong.
    pub fn victim_errors(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for error in self.samples.iter().filter_map(|s| s.error.clone()) {
            *out.entry(error).or_insert(0) += 1;
        }
        out
    }

    /// Attacker answers of `kind` by class: 2xx, 429, 503, others, none.
    pub fn classes(&self, kind: Option<Kind>) -> [usize; 5] {
        let mut out = [0; 5];
        for a in self
            .answers
            .iter()
            .filter(|a| kind.is_none_or(|k| a.kind == k))
        {
            let class = match a.status {
                200..=299 => 0,
                429 => 1,
                503 => 2,
                0 => 4,
                _ => 3,
            };
            if let Some(n) = out.get_mut(class) {
                *n += 1;
            }
        }
        out
    }

    /// Attacker 429 and 503 answers, and those of them without `Retry-After`.
    pub fn refusals(&self) -> (usize, usize) {
        let refused = self
            .answers
            .iter()
            .filter(|a| matches!(a.status, 429 | 503));
        let without = refused.clone().filter(|a| !a.retry_after).count();
        (refused.count(), without)
    }

    /// How much the storage folder grew during the attack: bytes and files (0 when it
    /// shrank).
    pub fn growth(&self) -> (u64, u64) {
        let ((b0, f0), (b1, f1)) = self.store;
        (b1.saturating_sub(b0), f1.saturating_sub(f0))
    }

    /// Why the drill failed, one reason a line; empty when it passed.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(died) = &self.died {
            out.push(format!(
                "a service died: {}",
                died.lines().next().unwrap_or("")
            ));
        }
        match (self.victim(true), self.bound()) {
            (Some((_, p99)), Some(bound)) if p99 > bound => out.push(format!(
                "victim loaded p99 {} > 2 x max(unloaded p99, {}) = {}",
                ms(p99),
                ms(P99_FLOOR),
                ms(bound)
            )),
            (Some(_), Some(_)) => {}
            _ => out.push("the victim has no successful request in a phase".to_owned()),
        }
        let errors: usize = self.victim_errors().values().sum();
        if errors > 0 {
            out.push(format!("the victim saw {errors} errors"));
        }
        match self.refusals() {
            (0, _) => out.push("the attacker never got a 429 or a 503".to_owned()),
            (n, without) if without > 0 => out.push(format!(
                "{without} of the attacker's {n} 429/503 answers had no Retry-After"
            )),
            _ => {}
        }
        if self.rss.0.max(self.rss.1) > MAX_RSS {
            out.push(format!(
                "image service peak RSS {} > {}",
                mib(self.rss.0.max(self.rss.1)),
                mib(MAX_RSS)
            ));
        }
        let (grew, _) = self.growth();
        if grew > self.quota {
            out.push(format!(
                "the store grew {} > the write quota {}",
                mib(grew),
                mib(self.quota)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut l: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        assert_eq!(
            percentiles(&mut l),
            Some((Duration::from_millis(50), Duration::from_millis(99)))
        );
        assert_eq!(percentiles(&mut []), None);
    }

    #[test]
    fn refusals_need_retry_after_and_the_bound_has_a_floor() {
        let answer = |status, retry_after| Answer {
            kind: Kind::Render,
            status,
            retry_after,
        };
        let fast = |started: u64| Sample {
            started: Duration::from_secs(started),
            latency: Duration::from_millis(5),
            error: None,
        };
        let report = Report {
            unloaded: (Duration::ZERO, Duration::from_secs(10)),
            loaded: (Duration::from_secs(10), Duration::from_secs(20)),
            samples: vec![fast(1), fast(11)],
            answers: vec![answer(200, false), answer(503, true), answer(429, false)],
            quota: 1,
            ..Report::default()
        };
        assert_eq!(report.bound(), Some(Duration::from_millis(100)));
        assert_eq!(report.refusals(), (2, 1));
        assert_eq!(
            report.failures(),
            ["1 of the attacker's 2 429/503 answers had no Retry-After"]
        );
    }
}
