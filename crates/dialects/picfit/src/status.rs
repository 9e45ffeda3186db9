//! picfit's status endpoints: `/healthcheck` (always), `/sys/stats` (request counters in
//! the shape of thoas/stats, `IMAGE_STATS=true`) and `/sys/health` (process and pool
//! figures, `IMAGE_HEALTH=true`, limited to `IMAGE_ALLOWED_IPS`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;
use http::header::HeaderMap;
use picsum_guard::Guard;
use picsum_image_core::respond::json;
use picsum_image_core::{Core, ServiceError};
use serde_json::json;

/// What the status endpoints report from, besides the core.
#[derive(Debug)]
pub struct Status {
    /// Request counters for `/sys/stats`, when enabled.
    pub stats: Option<Stats>,
    /// Whether `/sys/health` answers.
    pub health_endpoint: bool,
    /// When the service started.
    pub started: Instant,
}

impl Default for Status {
    /// `/healthcheck` only, started now.
    fn default() -> Self {
        Self {
            stats: None,
            health_endpoint: false,
            started: Instant::now(),
        }
    }
}

/// Request counters since start.
#[derive(Debug)]
pub struct Stats {
    started: Instant,
    count: AtomicU64,
    response_micros: AtomicU64,
    by_status: Mutex<StatusCounts>,
}

#[derive(Debug, Default)]
struct StatusCounts {
    total: HashMap<u16, u64>,
    second: u64,
    this_second: HashMap<u16, u64>,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            count: AtomicU64::new(0),
            response_micros: AtomicU64::new(0),
            by_status: Mutex::new(StatusCounts::default()),
        }
    }
}

impl Stats {
    /// Counts one answered request.
    pub fn record(&self, status: u16, took: Duration) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.response_micros.fetch_add(micros, Ordering::Relaxed);
        let second = self.started.elapsed().as_secs();
        if let Ok(mut counts) = self.by_status.lock() {
            *counts.total.entry(status).or_default() += 1;
            if counts.second != second {
                counts.second = second;
                counts.this_second.clear();
            }
            *counts.this_second.entry(status).or_default() += 1;
        }
    }

    /// thoas/stats' `Data()` as JSON.
    #[must_use]
    pub fn json(&self) -> serde_json::Value {
        let uptime = self.started.elapsed();
        let count = self.count.load(Ordering::Relaxed);
        let total_micros = self.response_micros.load(Ordering::Relaxed);
        let average = total_micros.checked_div(count).unwrap_or(0);
        let (total, recent) = self.by_status.lock().map_or_else(
            |_| (HashMap::new(), HashMap::new()),
            |c| {
                let recent = if c.second == uptime.as_secs() {
                    c.this_second.clone()
                } else {
                    HashMap::new()
                };
                (c.total.clone(), recent)
            },
        );
        let keyed = |m: HashMap<u16, u64>| -> serde_json::Map<String, serde_json::Value> {
            m.into_iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect()
        };
        let now = SystemTime::now();
        json!({
            "pid": std::process::id(),
            "uptime": format!("{:.3}s", uptime.as_secs_f64()),
            "uptime_sec": uptime.as_secs_f64(),
            "time": rfc3339(now),
            "unixtime": now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            "status_code_count": keyed(recent.clone()),
            "total_status_code_count": keyed(total),
            "count": recent.values().sum::<u64>(),
            "total_count": count,
            "total_response_time": format!("{:.6}s", seconds(total_micros)),
            "total_response_time_sec": seconds(total_micros),
            "average_response_time": format!("{:.6}s", seconds(average)),
            "average_response_time_sec": seconds(average),
        })
    }
}

#[expect(clippy::cast_precision_loss, reason = "display only")]
fn seconds(micros: u64) -> f64 {
    micros as f64 / 1e6
}

/// `t` as RFC 3339 in UTC, to the second (what picfit writes in its status answers).
fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The fixed paths of the status endpoints.
pub const PATHS: &[&str] = &["/healthcheck", "/sys/stats", "/sys/health"];

/// The router of the status endpoints ([`PATHS`], `GET`).
pub fn router(status: &Arc<Status>, core: &Arc<Core>, guard: &Arc<Guard>) -> axum::Router {
    use axum::routing::get;
    let stats = Arc::clone(status);
    let health = (Arc::clone(status), Arc::clone(core), Arc::clone(guard));
    let status = Arc::clone(status);
    axum::Router::new()
        .route(
            "/healthcheck",
            get(move || async move { healthcheck(&status) }),
        )
        .route("/sys/stats", get(move || async move { sys_stats(&stats) }))
        .route(
            "/sys/health",
            get(
                move |peer: picsum_guard::peer::Peer, headers: HeaderMap| async move {
                    let (status, core, guard) = &health;
                    sys_health(core, guard, status, &headers, peer.0)
                },
            ),
        )
}

/// Middleware (layered only when `/sys/stats` is on): counts every answer.
pub async fn count(State(status): State<Arc<Status>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let res = next.run(req).await;
    if let Some(stats) = &status.stats {
        stats.record(res.status().as_u16(), started.elapsed());
    }
    res
}

/// `GET /healthcheck`.
#[must_use]
pub fn healthcheck(status: &Status) -> Response {
    let uptime = status.started.elapsed();
    json(
        StatusCode::OK,
        &json!({
            "started_at": rfc3339(SystemTime::now() - uptime),
            "uptime": format!("{:.3}s", uptime.as_secs_f64()),
            "status": "Ok",
            "version": env!("CARGO_PKG_VERSION"),
            "revision": "",
            "build_time": "",
            "compiler": "rustc",
            "latest_commit_message": "",
            "ip_address": "",
        }),
    )
}

/// `GET /sys/stats`.
#[must_use]
pub fn sys_stats(status: &Status) -> Response {
    match &status.stats {
        Some(stats) => json(StatusCode::OK, &stats.json()),
        None => ServiceError::PageNotFound.into_response(true),
    }
}

/// `GET /sys/health`: process, pool and cache figures.
#[must_use]
pub fn sys_health(
    core: &Core,
    guard: &Guard,
    status: &Status,
    headers: &HeaderMap,
    peer: Option<std::net::SocketAddr>,
) -> Response {
    if !status.health_endpoint {
        return ServiceError::PageNotFound.into_response(true);
    }
    if let Err(e) = guard.admit_write(headers, peer) {
        return ServiceError::from(e).into_response(true);
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let now = SystemTime::now();
    json(
        StatusCode::OK,
        &json!({
            "time": now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
            "cpu_num": std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            "thread_num": field("Threads:"),
            "memory_rss": field("VmRSS:") * 1024,
            "memory_peak_rss": field("VmHWM:") * 1024,
            "render_workers": core.workers,
            "render_queue": core.pool.queued(),
            "source_cache_bytes": core.sources.weight(),
            "render_cache_bytes": core.renders.weight(),
            "vips": picsum_imaging::version(),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(rfc3339(t), "2026-11-18T11:06:40Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn counts_by_status() {
        let s = Stats::default();
        s.record(200, Duration::from_millis(4));
        s.record(200, Duration::from_millis(2));
        s.record(404, Duration::from_millis(0));
        let j = s.json();
        assert_eq!(j["total_count"], 3);
        assert_eq!(j["total_status_code_count"]["200"], 2);
        assert_eq!(j["total_status_code_count"]["404"], 1);
        assert_eq!(j["total_response_time_sec"], 0.006);
        assert_eq!(j["average_response_time_sec"], 0.002);
    }
}
