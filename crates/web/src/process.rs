//! The `process_*` metrics Prometheus' client libraries export (CPU, resident and virtual
//! memory, threads, open and maximum file descriptors, start time), read from `/proc` when
//! `/metrics` is scraped, and `picsum_memory_limit_bytes`: what the process may hold before
//! the kernel kills it (the cgroup's limit, or the machine's memory when there is none).
//! Off Linux there is no `/proc`, and only what can be read is exported.

use std::path::Path;

/// Clock ticks per second of `/proc/<pid>/stat`'s times (`USER_HZ`, fixed by Linux's ABI).
const TICKS_PER_SECOND: f64 = 100.0;

/// Sets the `process_*` gauges from `/proc/self`; called before each render of `/metrics`.
pub fn record() {
    if let Some(stat) = read("/proc/self/stat").as_deref().and_then(Stat::parse) {
        metrics::gauge!("process_cpu_seconds_total")
            .set((stat.utime + stat.stime) as f64 / TICKS_PER_SECOND);
        metrics::gauge!("process_threads").set(stat.threads as f64);
        metrics::gauge!("process_virtual_memory_bytes").set(stat.vsize as f64);
        if let Some(boot) = boot_time() {
            metrics::gauge!("process_start_time_seconds")
                .set(boot + stat.starttime as f64 / TICKS_PER_SECOND);
        }
    }
    if let Some(rss) = read("/proc/self/status")
        .as_deref()
        .and_then(resident_bytes)
    {
        metrics::gauge!("process_resident_memory_bytes").set(rss as f64);
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        metrics::gauge!("process_open_fds").set(fds.count() as f64);
    }
}

/// Sets the gauges that do not change while the process runs: the memory limit and the
/// descriptor limit. Called once at start-up.
pub fn publish_limits() {
    if let Some(limit) = memory_limit() {
        metrics::gauge!("picsum_memory_limit_bytes").set(limit as f64);
    }
    if let Some(max) = read("/proc/self/limits").as_deref().and_then(max_fds) {
        metrics::gauge!("process_max_fds").set(max as f64);
    }
    record();
}

fn read(path: impl AsRef<Path>) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The fields of `/proc/self/stat` this module reads.
#[derive(Debug, PartialEq, Eq)]
struct Stat {
    utime: u64,
    stime: u64,
    threads: u64,
    starttime: u64,
    vsize: u64,
}

impl Stat {
    /// Parses `/proc/<pid>/stat`: fields after the command name, which is in parentheses and
    /// may itself hold spaces and parentheses.
    fn parse(text: &str) -> Option<Self> {
        let after = text.get(text.rfind(')')? + 1..)?;
        // Field 3 (state) is the first here; field N is at index N - 3.
        let fields: Vec<&str> = after.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
        Some(Self {
            utime: field(14)?,
            stime: field(15)?,
            threads: field(20)?,
            starttime: field(22)?,
            vsize: field(23)?,
        })
    }
}

/// `VmRSS` of `/proc/<pid>/status`, in bytes.
fn resident_bytes(status: &str) -> Option<u64> {
    kib_field(status, "VmRSS:")
}

fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line
        .get(name.len()..)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// The soft limit on open files from `/proc/<pid>/limits`.
fn max_fds(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.get("Max open files".len()..)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Seconds since the epoch when the machine booted (`btime` of `/proc/stat`).
fn boot_time() -> Option<f64> {
    let stat = read("/proc/stat")?;
    let line = stat.lines().find(|l| l.starts_with("btime "))?;
    line.get(6..)?.trim().parse().ok()
}

/// The smaller of the cgroup's memory limit (v2 `memory.max`, v1 `memory.limit_in_bytes`)
/// and the machine's memory.
fn memory_limit() -> Option<u64> {
    let machine = read("/proc/meminfo")
        .as_deref()
        .and_then(|m| kib_field(m, "MemTotal:"));
    let cgroup = [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ]
    .iter()
    .find_map(|p| read(p)?.trim().parse::<u64>().ok());
    match (machine, cgroup) {
        (Some(m), Some(c)) => Some(m.min(c)),
        (m, c) => m.or(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_come_after_the_command_name() {
        let line = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 3196 0 0 0 250 75 0 0 20 0 \
                    7 0 123456 987654321 1234 18446744073709551615";
        assert_eq!(
            Stat::parse(line),
            Some(Stat {
                utime: 250,
                stime: 75,
                threads: 7,
                starttime: 123_456,
                vsize: 987_654_321,
            })
        );
        assert_eq!(Stat::parse("4242 (truncated) S 1 2"), None);
    }

    #[test]
    fn status_and_limits_fields() {
        let status = "Name:\tpicsum\nVmPeak:\t  999 kB\nVmRSS:\t   2048 kB\nThreads:\t7\n";
        assert_eq!(resident_bytes(status), Some(2048 * 1024));
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 524288               files\n";
        assert_eq!(max_fds(limits), Some(1024));
    }

    #[test]
    fn this_process_is_readable() {
        let stat = read("/proc/self/stat")
            .and_then(|s| Stat::parse(&s))
            .unwrap();
        assert!(stat.threads >= 1 && stat.vsize > 0);
        assert!(resident_bytes(&read("/proc/self/status").unwrap()).unwrap() > 0);
        assert!(memory_limit().unwrap() > 1 << 20);
        assert!(boot_time().unwrap() > 1.6e9);
    }
}
