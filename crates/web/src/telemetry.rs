//! Logging and metrics shared by both services: `tracing` output (human-readable on a
//! terminal, JSON lines otherwise) under a filter that is checked at start-up, the
//! process-wide Prometheus recorder with per-metric buckets, the request-duration
//! histogram, build info, and the access log.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use http::StatusCode;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// The `tracing` target of the access log: one line per request at `info`. Silence it with
/// `access=off` in the filter (`PICSUM_LOG_LEVEL=info,access=off`).
pub const ACCESS_TARGET: &str = "access";

/// Buckets of `http_request_duration_seconds`: from 50 µs (an API redirect answers in about
/// 0.1 ms) to the 45 s handler timeout.
const REQUEST_BUCKETS: [f64; 18] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    2.5, 5.0, 10.0, 45.0,
];
/// Buckets of every other histogram (renders, transforms, their CPU): 1 ms to 45 s.
const WORK_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 45.0,
];

/// A log filter that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    /// Not a `tracing` directive list.
    #[error("log filter {filter:?}: {reason}")]
    Invalid {
        /// The filter as given.
        filter: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The filter of `setting` (a service's `*_LOG_LEVEL`), or of `RUST_LOG` when that is set:
/// comma-separated directives, each a level (`trace`, `debug`, `info`, `warn`, `error`,
/// `off`) or `target=level`. A bare word that is not a level is refused (`tracing` would take
/// `infoo` for a target to log at `trace`), as is anything `tracing` cannot parse.
///
/// # Errors
/// The filter in use does not parse.
pub fn log_filter(setting: &str, rust_log: Option<&str>) -> Result<EnvFilter, FilterError> {
    let filter = rust_log.filter(|s| !s.trim().is_empty()).unwrap_or(setting);
    let invalid = |reason: String| FilterError::Invalid {
        filter: filter.to_owned(),
        reason,
    };
    for directive in filter.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let level = directive.rsplit_once('=').map_or(directive, |(_, l)| l);
        if !matches!(
            level.to_ascii_lowercase().as_str(),
            "trace" | "debug" | "info" | "warn" | "error" | "off"
        ) {
            return Err(invalid(format!(
                "{directive:?} is not a level or target=level"
            )));
        }
    }
    EnvFilter::builder()
        .parse(filter)
        .map_err(|e| invalid(e.to_string()))
}

/// Installs logging to stdout under `filter`: human-readable lines when stdout is a
/// terminal, JSON lines otherwise (what log collectors read). Later calls are ignored.
pub fn init_tracing(filter: EnvFilter) {
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if std::io::stdout().is_terminal() {
        builder.try_init()
    } else {
        builder.json().with_current_span(false).try_init()
    };
}

/// [`log_filter`] of `setting` and the process's `RUST_LOG`, then [`init_tracing`]; what
/// the binaries call first.
///
/// # Errors
/// As [`log_filter`].
pub fn init_logging(setting: &str) -> Result<(), FilterError> {
    let rust_log = std::env::var("RUST_LOG").ok();
    init_tracing(log_filter(setting, rust_log.as_deref())?);
    Ok(())
}

/// The process-wide Prometheus recorder, installed on first use.
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&WORK_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &REQUEST_BUCKETS,
                )
            })
            .map_or_else(
                |_| PrometheusBuilder::new().build_recorder(),
                PrometheusBuilder::build_recorder,
            );
        let handle = recorder.handle();
        // Another recorder may already be installed (an embedding program); then ours only renders.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Publishes `<service>_build_info{version, git_sha, …labels} 1` and registers `counters`
/// at zero, so series an alert or a dashboard reads exist before their first event.
pub fn publish_build_info(
    service: &'static str,
    git_sha: &'static str,
    labels: &[(&'static str, String)],
    counters: &[&'static str],
) {
    prometheus();
    let mut all = vec![
        ("version", env!("CARGO_PKG_VERSION").to_owned()),
        ("git_sha", git_sha.to_owned()),
    ];
    all.extend(labels.iter().cloned());
    let labels: Vec<metrics::Label> = all
        .into_iter()
        .map(|(k, v)| metrics::Label::new(k, v))
        .collect();
    metrics::gauge!(format!("{service}_build_info"), labels).set(1.0);
    for name in counters {
        metrics::counter!(*name).increment(0);
    }
    crate::process::publish_limits();
}

/// Records one finished request in `http_request_duration_seconds{path,code}`, skipping the
/// statuses Picsum skips (301, 206, 304, 416).
pub fn record_request(route: &'static str, status: StatusCode, elapsed: Duration) {
    if matches!(status.as_u16(), 301 | 206 | 304 | 416) {
        return;
    }
    metrics::histogram!("http_request_duration_seconds", "path" => route, "code" => status.as_str().to_owned())
        .record(elapsed.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_levels_or_targets_with_levels() {
        for good in [
            "info",
            "warn,access=off",
            "picsum_api=debug,info",
            " error ",
            "OFF",
        ] {
            assert!(log_filter(good, None).is_ok(), "{good}");
        }
        for bad in ["infoo", "info,picsum_api", "access=loud", "warn,[{", ""] {
            let got = log_filter(bad, None);
            if bad.is_empty() {
                // No directive at all: tracing's default (errors only), not a typo.
                assert!(got.is_ok());
                continue;
            }
            assert!(got.is_err(), "{bad}");
        }
    }

    #[test]
    fn rust_log_wins_over_the_setting_and_is_checked_too() {
        assert!(log_filter("infoo", Some("debug")).is_ok());
        assert!(log_filter("info", Some("debugg")).is_err());
        assert!(log_filter("info", Some("  ")).is_ok());
    }
}
