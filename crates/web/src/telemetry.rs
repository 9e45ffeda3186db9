//! Logging, traces and metrics shared by both services: `tracing` output (human-readable
//! on a terminal, JSON lines otherwise) under a filter that is checked at start-up, the
//! OpenTelemetry exporter when the `OTEL_*` variables ask for one ([`picsum_otlp`]), the
//! process-wide Prometheus recorder with per-metric buckets, the request-duration
//! histogram, build info, and the access log.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use http::StatusCode;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use picsum_otlp::{OtlpLayer, ProcessEnv, Settings, SettingsError};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

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

/// Logging or tracing settings that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    /// Not a `tracing` directive list.
    #[error("log filter {filter:?}: {reason}")]
    Invalid {
        /// The filter as given.
        filter: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An `OTEL_*` variable this exporter cannot use.
    #[error("traces: {0}")]
    Traces(#[from] SettingsError),
    /// The trace exporter could not start.
    #[error("traces: the exporter did not start: {0}")]
    Exporter(#[from] std::io::Error),
}

/// The filter of `setting` (a service's `*_LOG_LEVEL`), or of `RUST_LOG` when that is set:
/// comma-separated directives, each a level (`trace`, `debug`, `info`, `warn`, `error`,
/// `off`) or `target=level`. A bare word that is not a level is refused (`tracing` would take
/// `infoo` for a target to log at `trace`), as is anything `tracing` cannot parse.
///
/// # Errors
/// The filter in use does not parse.
pub fn log_filter(setting: &str, rust_log: Option<&str>) -> Result<EnvFilter, LoggingError> {
    let filter = rust_log.filter(|s| !s.trim().is_empty()).unwrap_or(setting);
    let invalid = |reason: String| LoggingError::Invalid {
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
/// terminal, JSON lines otherwise (what log collectors read); and `traces`, when given,
/// with the services' own spans (and their `error` events, which mark a span failed)
/// whatever the log filter says. Later calls are ignored.
pub fn init_tracing(filter: EnvFilter, traces: Option<OtlpLayer>) {
    let logs = if std::io::stdout().is_terminal() {
        tracing_subscriber::fmt::layer().with_filter(filter).boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(false)
            .with_span_list(false)
            .with_filter(filter)
            .boxed()
    };
    let ours = tracing_subscriber::filter::filter_fn(|meta| {
        meta.target().starts_with("picsum")
            && (meta.is_span() || *meta.level() == tracing::Level::ERROR)
    });
    let traces = traces.map(|layer| layer.with_filter(ours));
    let _ = tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .try_init();
}

/// [`log_filter`] of `setting` and the process's `RUST_LOG`, and the trace exporter the
/// process's `OTEL_*` variables ask for (`service` is its default `service.name`), then
/// [`init_tracing`]; what the binaries call first.
///
/// # Errors
/// As [`log_filter`]; an `OTEL_*` variable that cannot be used, or an exporter that does
/// not start.
pub fn init_logging(setting: &str, service: &str) -> Result<(), LoggingError> {
    let rust_log = std::env::var("RUST_LOG").ok();
    let filter = log_filter(setting, rust_log.as_deref())?;
    let traces = match Settings::from_env(&ProcessEnv, service)? {
        Some(settings) => Some(picsum_otlp::start(settings)?),
        None => None,
    };
    init_tracing(filter, traces);
    Ok(())
}

/// Sends the spans finished so far (at most 5 s); what a binary does before it exits.
pub fn flush_traces() {
    if !picsum_otlp::flush(Duration::from_secs(5)) {
        tracing::warn!("traces: not every span was sent before exit");
    }
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
