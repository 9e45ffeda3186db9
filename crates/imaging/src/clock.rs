//! The CPU time the calling thread has used. For a render that is a floor, not the whole:
//! libvips computes pixels on worker threads of its own (one per operation here), so most
//! of a render's CPU is on their clocks; the pool charges the cost model's estimate when it
//! is more.

use std::time::Duration;

/// CPU time used by the calling thread so far (zero if the clock cannot be read).
#[must_use]
pub fn thread_cpu_time() -> Duration {
    clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU time used by the whole process so far, every thread (libvips' workers and the
/// encoders' own threads included): what benchmarks compare with other servers.
#[must_use]
pub fn process_cpu_time() -> Duration {
    clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}

#[expect(unsafe_code, reason = "libc's clock_gettime")]
fn clock(id: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant libc knows.
    let rc = unsafe { libc::clock_gettime(id, &raw mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
    let nanos = u32::try_from(ts.tv_nsec).unwrap_or(0);
    Duration::new(secs, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_this_threads_work_only() {
        let before = thread_cpu_time();
        let mut x = 0u64;
        for _ in 0..20_000_000 {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
        }
        let spent = thread_cpu_time() - before;
        assert!(spent >= Duration::from_millis(1), "{spent:?}");
        // A sleeping thread uses none.
        let before = thread_cpu_time();
        std::thread::sleep(Duration::from_millis(30));
        assert!(thread_cpu_time() - before < Duration::from_millis(10));
    }
}
