//! Load shedding by queueing delay: the render queue stops admitting work while the jobs
//! leaving it have waited longer than a target for at least that long (CoDel's rule).
//!
//! A burst (a gallery page of thirty cold thumbnails) queues and drains: its waits rise above
//! the target only briefly, or the queue empties, and nothing is refused. Sustained overload
//! keeps a standing queue; then new arrivals are refused at once (503 with Retry-After)
//! instead of joining a line they would leave seconds later, so the work admitted keeps a
//! latency close to an unloaded one. Admission resumes as soon as a job leaves having
//! waited less than the target, or the queue is empty.

use std::time::{Duration, Instant};

/// Whether the queue admits new work, from the waits of the jobs leaving it.
#[derive(Debug, Clone)]
pub struct Shedder {
    target: Option<Duration>,
    above_since: Option<Instant>,
    shedding: bool,
}

impl Shedder {
    /// Sheds when waits stay above `target`; `None` never sheds.
    #[must_use]
    pub const fn new(target: Option<Duration>) -> Self {
        Self {
            target,
            above_since: None,
            shedding: false,
        }
    }

    /// A job queued at `queued` leaves the queue at `now`, with `left` jobs still waiting.
    pub fn observe(&mut self, queued: Instant, now: Instant, left: usize) {
        let Some(target) = self.target else {
            return;
        };
        if now.saturating_duration_since(queued) < target || left == 0 {
            self.above_since = None;
            self.shedding = false;
            return;
        }
        let since = *self.above_since.get_or_insert(now);
        if now.saturating_duration_since(since) >= target {
            self.shedding = true;
        }
    }

    /// Whether new work may queue.
    #[must_use]
    pub const fn admits(&self) -> bool {
        !self.shedding
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_burst_that_drains_is_never_shed() {
        let mut s = Shedder::new(Some(250 * MS));
        let t0 = Instant::now();
        // Thirty jobs queued at once, two leaving every 20 ms: the last ones waited 280 ms,
        // above the target for less than the target before the queue emptied.
        for n in 0..30u32 {
            s.observe(t0, t0 + (n / 2) * 20 * MS, usize::try_from(29 - n).unwrap());
            assert!(s.admits(), "shed at job {n}");
        }
        // The same burst with a 100 ms target is shed from the 20th job: waits were above
        // it from 100 ms to 200 ms.
        let mut s = Shedder::new(Some(100 * MS));
        let shed: Vec<u32> = (0..30u32)
            .filter(|n| {
                s.observe(t0, t0 + (n / 2) * 20 * MS, usize::try_from(29 - n).unwrap());
                !s.admits()
            })
            .collect();
        assert_eq!(
            shed,
            (20..29).collect::<Vec<_>>(),
            "the empty queue admits again"
        );
    }

    #[test]
    fn a_standing_queue_is_shed_until_a_wait_falls_below_target() {
        let mut s = Shedder::new(Some(100 * MS));
        let t0 = Instant::now();
        // Every job leaves having waited 400 ms, with more behind it.
        for n in 0..10u32 {
            let now = t0 + 400 * MS + n * 30 * MS;
            s.observe(now - 400 * MS, now, 20);
        }
        assert!(!s.admits(), "270 ms above target: shedding");
        let now = t0 + 800 * MS;
        s.observe(now - 400 * MS, now, 20);
        assert!(!s.admits());
        s.observe(now - 50 * MS, now, 20);
        assert!(s.admits(), "a short wait ends it");
    }

    #[test]
    fn without_a_target_nothing_is_shed() {
        let mut s = Shedder::new(None);
        let t0 = Instant::now();
        for n in 0..10u32 {
            s.observe(t0, t0 + (n + 1) * Duration::from_secs(1), 50);
        }
        assert!(s.admits());
    }
}
