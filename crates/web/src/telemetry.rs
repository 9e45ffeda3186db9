//! Logging and metrics shared by both services: JSON `tracing` output, the process-wide
//! Prometheus recorder, and the request-duration histogram.

use std::sync::OnceLock;
use std::time::Duration;

use http::StatusCode;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Installs JSON logging to stdout at `level` (a `tracing` filter such as `info` or
/// `picsum_api=debug`). Safe to call more than once; later calls are ignored.
pub fn init_tracing(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .try_init();
}

/// The process-wide Prometheus recorder, installed on first use.
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 45.0])
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

/// Records one finished request in `http_request_duration_seconds{path,code}`, skipping the
/// statuses Picsum skips (301, 206, 304, 416).
pub fn record_request(route: &'static str, status: StatusCode, elapsed: Duration) {
    if matches!(status.as_u16(), 301 | 206 | 304 | 416) {
        return;
    }
    metrics::histogram!("http_request_duration_seconds", "path" => route, "code" => status.as_str().to_owned())
        .record(elapsed.as_secs_f64());
}
