//! Handing the memory of finished renders back to the system, without making every render
//! fault its buffers in again.
//!
//! libvips allocates with glibc's malloc, which keeps what large renders freed resident.
//! `malloc_trim` returns it, but trimming after every render made the next one fault all
//! its buffers in again from the kernel: a third of the CPU of fitting a 2 MP photo to
//! 512 px. Deciding by glibc's free-byte count does not work either: it still counts memory
//! already handed back, so after one large render every render trimmed again (picfit fits
//! after Picsum covers of 20 MP originals: 12.9 -> 20.6 ms CPU each). So a trim happens
//! when the resident set has grown by more than [`KEEP`] since the last one: at most that
//! much freed memory stays resident, and a steady stream of renders reuses it.

use std::sync::atomic::{AtomicU64, Ordering};

/// Growth of the resident set, since the last trim, that makes the next one happen.
const KEEP: u64 = 32 << 20;

/// The resident set right after the last trim (or its lowest since).
static BASELINE: AtomicU64 = AtomicU64::new(0);

/// Called by a render worker after each render: trims glibc's heaps when the resident set
/// has grown by more than [`KEEP`] since the last trim.
pub fn trim_memory() {
    let Some(now) = resident_bytes() else {
        return;
    };
    let baseline = BASELINE.load(Ordering::Relaxed);
    if now > baseline.saturating_add(KEEP) {
        malloc_trim();
        BASELINE.store(resident_bytes().unwrap_or(now), Ordering::Relaxed);
    } else if now < baseline {
        BASELINE.store(now, Ordering::Relaxed);
    }
}

/// The process's resident set, from `/proc/self/statm` (`None` where there is none).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    pages.checked_mul(page_size())
}

#[expect(unsafe_code, reason = "libc's sysconf")]
fn page_size() -> u64 {
    // SAFETY: sysconf only reads a system constant.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(size).unwrap_or(4096)
}

#[expect(unsafe_code, reason = "glibc's malloc_trim")]
fn malloc_trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim walks glibc's heaps and releases free pages; no pointer is passed.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_resident_set() {
        let rss = resident_bytes().unwrap_or(0);
        assert!(rss > 1 << 20, "{rss}");
    }
}
