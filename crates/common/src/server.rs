//! Process plumbing shared by both services: shutdown, logging, Prometheus, health.

use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use http::header::{self, HeaderValue};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::http::NO_CACHE;

/// How often the background health check runs, and how long one may take (Picsum's values).
pub const HEALTH_INTERVAL: Duration = Duration::from_secs(10);
/// Time limit of one health check.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(8);
/// Handler time limit (Picsum's `http.TimeoutHandler`).
pub const HANDLER_TIMEOUT: Duration = Duration::from_secs(45);
/// A client must send a request's headers within this time (Picsum's 5 s read timeout),
/// or its connection is closed: slow or stalled clients cannot hold connections forever.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a shutdown waits for in-flight requests (Picsum: 60 s).
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

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

/// Health of one component as `/health` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// The check passed.
    Healthy,
    /// The check failed.
    Unhealthy,
    /// The check did not finish in time.
    Unknown,
}

impl Component {
    /// `Healthy` when `ok`, else `Unhealthy`.
    pub fn from_ok(ok: bool) -> Self {
        if ok { Self::Healthy } else { Self::Unhealthy }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Unhealthy => "unhealthy",
            Self::Unknown => "unknown",
        }
    }
}

/// A health check: named components (`cache`, `database`, `storage`) and their state.
pub type Report = Vec<(&'static str, Component)>;

/// The latest health report, written by a background task and read by `/health`.
#[derive(Clone, Default)]
pub struct Health {
    latest: Arc<RwLock<Option<Report>>>,
}

impl Health {
    /// Starts the background checker: runs `check` now and every [`HEALTH_INTERVAL`], each run
    /// limited to [`HEALTH_TIMEOUT`] (then every component in `names` is `unknown`).
    pub fn spawn<F, Fut>(names: &'static [&'static str], check: F) -> Self
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = Report> + Send,
    {
        let health = Self::default();
        let latest = Arc::clone(&health.latest);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEALTH_INTERVAL);
            loop {
                tick.tick().await;
                let report = tokio::time::timeout(HEALTH_TIMEOUT, check())
                    .await
                    .unwrap_or_else(|_| names.iter().map(|n| (*n, Component::Unknown)).collect());
                if let Ok(mut slot) = latest.write() {
                    *slot = Some(report);
                }
            }
        });
        health
    }

    /// Renders Picsum's `/health` answer.
    pub fn response(&self) -> Response {
        let report = self.latest.read().ok().and_then(|r| r.clone());
        let (healthy, body) = match report {
            None => (false, "{\"healthy\":false}".to_owned()),
            Some(mut parts) => {
                parts.sort_by_key(|(name, _)| *name);
                let healthy = parts.iter().all(|(_, c)| *c == Component::Healthy);
                let mut body = format!("{{\"healthy\":{healthy}");
                for (name, c) in parts {
                    body.push_str(&format!(",\"{name}\":\"{}\"", c.as_str()));
                }
                body.push('}');
                (healthy, body)
            }
        };
        if healthy {
            (
                StatusCode::OK,
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    ),
                    (header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE)),
                ],
                body,
            )
                .into_response()
        } else {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                )],
                body,
            )
                .into_response()
        }
    }
}

/// The private listener's routes: `/health` and `/metrics`.
pub fn ops_router(health: Health) -> Router {
    Router::new()
        .route("/health", get(move || async move { health.response() }))
        .route(
            "/metrics",
            get(|| async {
                (
                    [(
                        header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    prometheus().render(),
                )
            }),
        )
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

/// Serves `app` on `listener` and `ops` on `ops_listener` until `shutdown` resolves; then the
/// public server finishes its in-flight requests and the ops server stops with it.
///
/// # Errors
/// Server I/O errors.
pub async fn serve_with_ops(
    listener: tokio::net::TcpListener,
    app: Router,
    ops_listener: tokio::net::TcpListener,
    ops: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let ops_task = tokio::spawn(async move {
        let mut rx = stop_rx;
        axum::serve(ops_listener, ops)
            .with_graceful_shutdown(async move {
                let _ = rx.wait_for(|stopped| *stopped).await;
            })
            .await
    });
    let result = serve_http(listener, app, shutdown).await;
    let _ = stop_tx.send(true);
    let _ = ops_task.await;
    result
}

/// HTTP/1.1 server for the public listener: header read timeout, keep-alive, and a graceful
/// shutdown that stops accepting, then lets in-flight requests finish (up to [`DRAIN_TIMEOUT`]).
async fn serve_http(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // Handlers learn the peer address as axum's `ConnectInfo`.
        let app = tower::ServiceExt::map_request(
            app.clone(),
            move |mut req: http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req
            },
        );
        let service = hyper_util::service::TowerToHyperService::new(app);
        let connection =
            graceful.watch(builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown: in-flight requests still running after the drain timeout");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn stalled_headers_are_cut_off_and_normal_requests_served() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ops = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route("/", get(|| async { "hello" }));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve_with_ops(
            listener,
            app,
            ops,
            Router::new(),
            async move {
                let _ = rx.await;
            },
        ));

        let mut ok = tokio::net::TcpStream::connect(addr).await.unwrap();
        ok.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        ok.read_to_string(&mut answer).await.unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("hello"),
            "{answer}"
        );

        let started = std::time::Instant::now();
        let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
        stalled
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(HEADER_READ_TIMEOUT * 2, stalled.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "a stalled client kept its connection");
        assert!(started.elapsed() >= HEADER_READ_TIMEOUT - Duration::from_millis(100));

        tx.send(()).unwrap();
        server.await.unwrap().unwrap();
    }
}
