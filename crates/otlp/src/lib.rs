//! OpenTelemetry traces for both services, over OTLP/HTTP with JSON bodies: the standard
//! `OTEL_*` variables ([`Settings`]), a `tracing` layer that makes the services' spans
//! OpenTelemetry spans ([`OtlpLayer`]), the sampler and the caller's `traceparent`, and a
//! batching exporter on a thread of its own. Off unless an endpoint is set.
//!
//! It is small on purpose: the services' spans are few (a request, its queue wait, its
//! source fetch, render and encode), and the whole of it builds from crates the services
//! already use.

mod export;
mod json;
mod layer;
mod sampler;
mod settings;
mod span;

use std::sync::OnceLock;
use std::time::Duration;

pub use export::Queue;
pub use json::export_request;
pub use layer::OtlpLayer;
pub use sampler::{Parent, Root, Sampler, hex};
pub use settings::{Env, ProcessEnv, Settings, SettingsError};
pub use span::{Kind, SpanRecord, Value};

static QUEUE: OnceLock<Queue> = OnceLock::new();

/// Starts exporting with `settings`: the layer to install, whose spans a background thread
/// sends. The first call also makes [`enabled`] true and [`flush`] reach this exporter.
///
/// # Errors
/// The exporter's thread or HTTP client cannot be made.
pub fn start(settings: Settings) -> std::io::Result<OtlpLayer> {
    let sampler = settings.sampler;
    let queue = export::start(settings)?;
    let _ = QUEUE.set(queue.clone());
    Ok(OtlpLayer::new(sampler, queue))
}

/// Whether traces are exported: request handlers skip making spans when not.
#[must_use]
pub fn enabled() -> bool {
    QUEUE.get().is_some()
}

/// Exports the spans finished so far, waiting at most `timeout`; what a binary calls
/// before it exits. Whether everything went (true when tracing is off).
pub fn flush(timeout: Duration) -> bool {
    QUEUE.get().is_none_or(|q| q.flush(timeout))
}

#[cfg(test)]
mod tests {
    use picsum_testkit::OtlpReceiver;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    fn settings(base: &str) -> Settings {
        let env = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", base),
            ("OTEL_SERVICE_NAME", "layer-test"),
            ("OTEL_BSP_SCHEDULE_DELAY", "20"),
        ];
        Settings::from_env(&env, "unused").unwrap().unwrap()
    }

    #[test]
    fn spans_reach_the_collector_with_their_parents_and_the_callers_trace() {
        let receiver = OtlpReceiver::start();
        let layer = start(settings(receiver.base())).unwrap();
        assert!(enabled());
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
            let root = tracing::info_span!(
                "request",
                traceparent = caller,
                otel.kind = "server",
                otel.name = tracing::field::Empty,
                "http.response.status_code" = tracing::field::Empty,
            );
            root.in_scope(|| {
                let child = tracing::info_span!("render", width = 200u64);
                child.in_scope(|| tracing::error!("libvips failed"));
            });
            root.record("otel.name", "GET /id/{id}");
            root.record("http.response.status_code", 500u64);
            drop(root);
            // Not sampled: the caller did not record its trace.
            let skipped = "00-1af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
            drop(tracing::info_span!("request", traceparent = skipped));
            // A new trace.
            drop(tracing::info_span!("fresh"));
        });
        assert!(flush(Duration::from_secs(5)));
        let spans = receiver.wait_for(Duration::from_secs(10), |s| s.len() >= 3);
        assert_eq!(spans.len(), 3, "{spans:#?}");
        let (render, request, fresh) = (&spans[0], &spans[1], &spans[2]);
        assert_eq!(request["service"], "layer-test");
        assert_eq!(request["name"], "GET /id/{id}");
        assert_eq!(request["kind"], 2);
        assert_eq!(request["traceId"], "0af7651916cd43dd8448eb211c80319c");
        assert_eq!(request["parentSpanId"], "b7ad6b7169203331");
        assert_eq!(request["attributes"][0]["key"], "http.response.status_code");
        assert_eq!(request["attributes"][0]["value"]["intValue"], "500");
        assert_eq!(render["name"], "render");
        assert_eq!(render["traceId"], request["traceId"]);
        assert_eq!(render["parentSpanId"], request["spanId"]);
        assert_eq!(render["status"]["code"], 2);
        assert_eq!(render["status"]["message"], "libvips failed");
        assert_eq!(fresh["name"], "fresh");
        assert_ne!(fresh["traceId"], request["traceId"]);
        assert!(fresh.get("parentSpanId").is_none());
    }
}
