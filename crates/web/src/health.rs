//! The private listener: Picsum's `/health` (a background-checked report of named
//! components) and Prometheus' `/metrics`.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use http::header::{self, HeaderValue};

use crate::response::NO_CACHE;
use crate::telemetry::prometheus;

/// How often the background health check runs, and how long one may take (Picsum's values).
pub const HEALTH_INTERVAL: Duration = Duration::from_secs(10);
/// Time limit of one health check.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(8);

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
