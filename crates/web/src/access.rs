//! What every request gets on its way through [`crate::routing::dispatch`]: an
//! `x-request-id` (the client's when it sent a usable one, else a new one) that its
//! handler sees, its answer echoes and its log lines carry; a handler that panics is
//! answered 500 and logged instead of dropping the connection; one access-log line
//! (target [`ACCESS_TARGET`], level `info`) naming its client; and, when traces are
//! exported, its server span ([`request_span`]).

use std::any::Any;
use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::BuildHasher;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::Duration;

use axum::response::Response;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use tracing::Span;

use crate::response::error_response;
pub use crate::telemetry::ACCESS_TARGET;

/// The request-id header.
pub const REQUEST_ID: &str = "x-request-id";

/// The longest client-sent request id kept; longer ones are replaced.
const MAX_ID_LEN: usize = 128;

/// The request's id: the client's `x-request-id` when it is 1 to 128 visible ASCII
/// characters (no quotes or backslashes, so it logs and echoes safely), else a new random
/// 16-hex-digit one. Either way it is then in `headers`, where the handler reads it.
pub fn request_id(headers: &mut HeaderMap) -> HeaderValue {
    if let Some(given) = headers.get(REQUEST_ID).filter(|v| usable(v.as_bytes())) {
        return given.clone();
    }
    let id = new_id();
    headers.insert(REQUEST_ID, id.clone());
    id
}

fn usable(id: &[u8]) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\\'))
}

/// A fresh id: a per-process random key hashing a counter, so ids neither repeat within the
/// process nor tell how many requests came before.
fn new_id() -> HeaderValue {
    static KEY: std::sync::OnceLock<RandomState> = std::sync::OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let bits = KEY.get_or_init(RandomState::new).hash_one(n);
    HeaderValue::try_from(format!("{bits:016x}")).unwrap_or(HeaderValue::from_static("0"))
}

/// Runs `handler`, turning a panic inside it into a 500 (text or JSON by `json`) and an
/// `error` log line with the panic's message and the request id.
pub async fn catch_panic(
    handler: impl Future<Output = Response>,
    json: bool,
    id: &HeaderValue,
) -> Response {
    let mut handler = std::pin::pin!(handler);
    let caught = std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| handler.as_mut().poll(cx))) {
            Ok(Poll::Ready(res)) => Poll::Ready(Ok(res)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        }
    })
    .await;
    caught.unwrap_or_else(|panic| {
        tracing::error!(
            request_id = id.to_str().unwrap_or_default(),
            panic = panic_message(panic.as_ref()),
            "handler panicked; answered 500"
        );
        error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            json,
        )
    })
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}

/// The request's server span when traces are exported (else a disabled span, which costs
/// nothing): it continues the caller's `traceparent`, and [`Finished::log`] records its
/// route and status. The work the request does (queue, source fetch, render, encode) nests
/// under it.
pub fn request_span(method: &Method, uri: &Uri, headers: &HeaderMap, id: &HeaderValue) -> Span {
    if !picsum_otlp::enabled() {
        return Span::none();
    }
    tracing::info_span!(
        "request",
        otel.kind = "server",
        otel.name = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        traceparent = text(headers.get("traceparent")),
        "http.request.method" = %method,
        "url.path" = uri.path(),
        "http.route" = tracing::field::Empty,
        "http.response.status_code" = tracing::field::Empty,
        "picsum.request_id" = text(Some(id)),
    )
}

/// One finished request, as the access log records it.
#[derive(Debug)]
pub struct Finished<'a> {
    /// The method.
    pub method: &'a Method,
    /// The request target as sent (path and query).
    pub uri: &'a Uri,
    /// The route's metric name (`unknown` when none matched).
    pub route: &'static str,
    /// The answer's status.
    pub status: StatusCode,
    /// From the request's arrival to its answer's head.
    pub elapsed: Duration,
    /// The request id.
    pub id: &'a HeaderValue,
    /// The connection's peer.
    pub peer: Option<std::net::SocketAddr>,
    /// The client: the peer, or the address a trusted proxy forwarded
    /// ([`crate::client::logged_client`]).
    pub client: Option<std::net::IpAddr>,
    /// The `X-Forwarded-For` the request carried, as given (the image service decides whom
    /// to believe; see its `IMAGE_TRUSTED_PROXIES`).
    pub forwarded_for: Option<&'a HeaderValue>,
}

/// A header's text, or nothing when it is absent or not visible ASCII.
fn text(value: Option<&HeaderValue>) -> &str {
    value.and_then(|v| v.to_str().ok()).unwrap_or("")
}

impl Finished<'_> {
    /// Writes the access-log line, and records the route and status in `span` (a 5xx marks
    /// it failed).
    pub fn log(&self, span: &Span) {
        if !span.is_disabled() {
            span.record("otel.name", format!("{} {}", self.method, self.route));
            span.record("http.route", self.route);
            span.record("http.response.status_code", self.status.as_u16());
            if self.status.is_server_error() {
                span.record("otel.status_code", "error");
            }
        }
        tracing::info!(
            target: ACCESS_TARGET,
            method = %self.method,
            uri = %self.uri,
            route = self.route,
            status = self.status.as_u16(),
            ms = self.elapsed.as_secs_f64() * 1000.0,
            request_id = text(Some(self.id)),
            peer = self.peer.map(|p| p.ip().to_string()).unwrap_or_default(),
            client = self.client.map(|c| c.to_string()).unwrap_or_default(),
            forwarded_for = text(self.forwarded_for),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_usable_id_is_kept_and_any_other_replaced() {
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID, HeaderValue::from_static("abc-123.X:y/z"));
        assert_eq!(request_id(&mut headers), "abc-123.X:y/z");
        for bad in ["", "has space", "quote\"d", "back\\slash", &"x".repeat(129)] {
            let mut headers = HeaderMap::new();
            headers.insert(REQUEST_ID, HeaderValue::from_str(bad).unwrap());
            let id = request_id(&mut headers);
            assert_ne!(id, bad);
            assert_eq!(id.len(), 16, "{id:?}");
            assert_eq!(headers.get(REQUEST_ID), Some(&id));
        }
    }

    #[test]
    fn new_ids_differ() {
        let ids: std::collections::HashSet<_> = (0..1000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 1000);
    }

    #[tokio::test]
    async fn a_panicking_handler_is_answered_500() {
        let id = HeaderValue::from_static("req-1");
        let boom = async {
            if !id.is_empty() {
                panic!("boom");
            }
            error_response(StatusCode::OK, "unreachable", false)
        };
        let res = catch_panic(boom, true, &id).await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let res = catch_panic(
            async { error_response(StatusCode::OK, "fine", false) },
            false,
            &id,
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}
