//! Resident memory of a process, sampled from `/proc/{pid}/status` while a run goes on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// The resident set size of `pid` now, in bytes (0 when unknown).
#[must_use]
pub fn resident(pid: u32) -> u64 {
    status_bytes(pid, "VmRSS:")
}

/// The peak resident set size of `pid` over its life (`VmHWM`), in bytes (0 when unknown).
#[must_use]
pub fn peak(pid: u32) -> u64 {
    status_bytes(pid, "VmHWM:")
}

/// A kB figure of `/proc/{pid}/status`, in bytes.
fn status_bytes(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

/// Samples a process's resident memory on a thread until stopped; keeps the peak.
#[derive(Debug)]
pub struct Sampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl Sampler {
    /// Samples `pid` every `every`.
    #[must_use]
    pub fn start(pid: u32, every: Duration) -> Self {
        let (stop, peak) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicU64::new(0)),
        );
        let (stopping, peaking) = (Arc::clone(&stop), Arc::clone(&peak));
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                peaking.fetch_max(resident(pid), Ordering::Relaxed);
                std::thread::sleep(every);
            }
        });
        Self { stop, peak, thread }
    }

    /// Stops sampling; returns the peak in bytes.
    #[must_use]
    pub fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        self.peak.load(Ordering::Relaxed)
    }
}
