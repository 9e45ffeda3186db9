//! The private listener: Picsum's `/health` (a background-checked report of named
//! components), the probes an orchestrator uses (`/ready`: able to answer, and `/live`: the
//! process serves) and Prometheus' `/metrics`.
//!
//! Readiness tells the truth: a component the service cannot answer without (the API's
//! catalog) is required; one it only goes faster with (Redis, a cache) is optional, and its
//! failure leaves the service ready but degraded (named in the body and in
//! `picsum_component_up`) instead of taking every replica out of service. The image
//! service's storage is needed to become ready; once reached, an outage of it degrades the
//! replica instead: every replica shares the store, so taking them all out of service would
//! also drop the answers their memory tiers still give (measured by the chaos drill).

use std::sync::atomic::{AtomicBool, Ordering};
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

/// Whether the service can answer without a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Not ready without it.
    Required,
    /// Ready but degraded without it.
    Optional,
    /// Not ready until it has been reached once; ready but degraded without it afterwards
    /// (a store every replica shares).
    First,
}

/// The latest health report, written by a background task and read by `/health`.
#[derive(Clone, Default)]
pub struct Health {
    latest: Arc<RwLock<Option<Report>>>,
    /// Components that have passed a check at least once.
    reached: Arc<RwLock<Vec<&'static str>>>,
    open: Arc<Vec<String>>,
    needs: &'static [(&'static str, Need)],
    stopping: Arc<AtomicBool>,
}

impl Health {
    /// Starts the background checker of the components `needs` names: runs `check` now and
    /// every [`HEALTH_INTERVAL`], each run limited to [`HEALTH_TIMEOUT`] (then every
    /// component is `unknown`).
    pub fn spawn<F, Fut>(needs: &'static [(&'static str, Need)], check: F) -> Self
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = Report> + Send,
    {
        let health = Self {
            needs,
            ..Self::default()
        };
        let recorder = health.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEALTH_INTERVAL);
            loop {
                tick.tick().await;
                let report = tokio::time::timeout(HEALTH_TIMEOUT, check())
                    .await
                    .unwrap_or_else(|_| {
                        needs
                            .iter()
                            .map(|(n, _)| (*n, Component::Unknown))
                            .collect()
                    });
                for (name, c) in &report {
                    let up = if *c == Component::Healthy { 1.0 } else { 0.0 };
                    metrics::gauge!("picsum_component_up", "component" => *name).set(up);
                }
                recorder.record(report);
            }
        });
        health
    }

    /// Keeps `report` as the latest and notes the components it found healthy.
    fn record(&self, report: Report) {
        if let Ok(mut reached) = self.reached.write() {
            for (name, c) in &report {
                if *c == Component::Healthy && !reached.contains(name) {
                    reached.push(name);
                }
            }
        }
        if let Ok(mut slot) = self.latest.write() {
            *slot = Some(report);
        }
    }

    /// What a failing `name` means now: `Required` or `Optional`.
    fn effect(&self, name: &str) -> Need {
        let need = self
            .needs
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(Need::Required, |(_, need)| *need);
        let reached = || self.reached.read().is_ok_and(|r| r.contains(&name));
        match need {
            Need::First if reached() => Need::Optional,
            Need::First => Need::Required,
            other => other,
        }
    }

    /// Resolves `delay` after `shutdown` does, and from the moment `shutdown` resolves
    /// `/ready` answers 503 (`"failing":["shutdown"]`) while the service goes on answering:
    /// load balancers and Kubernetes' endpoints learn that this replica is leaving and stop
    /// sending to it before it stops accepting connections.
    pub fn drain_after(
        &self,
        shutdown: impl Future<Output = ()> + Send + 'static,
        delay: Duration,
    ) -> impl Future<Output = ()> + Send + 'static {
        let stopping = Arc::clone(&self.stopping);
        async move {
            shutdown.await;
            stopping.store(true, Ordering::Relaxed);
            if !delay.is_zero() {
                tracing::info!(
                    delay_ms = delay.as_millis(),
                    "not ready; still answering until the delay ends"
                );
                tokio::time::sleep(delay).await;
            }
        }
    }

    /// Whether the service is ready: every required component healthy and no shutdown
    /// begun; with the optional components that are not healthy, and what fails.
    fn readiness(&self) -> (bool, Vec<&'static str>, Vec<&'static str>) {
        let report = self.latest.read().ok().and_then(|r| r.clone());
        let need = |name: &str| self.effect(name);
        let (ready, degraded, failing) = match &report {
            None => (false, Vec::new(), Vec::new()),
            Some(parts) => {
                let bad = |want: Need| {
                    let mut names: Vec<&'static str> = parts
                        .iter()
                        .filter(|(n, c)| *c != Component::Healthy && need(n) == want)
                        .map(|(n, _)| *n)
                        .collect();
                    names.sort_unstable();
                    names
                };
                let failing = bad(Need::Required);
                (failing.is_empty(), bad(Need::Optional), failing)
            }
        };
        if self.stopping.load(Ordering::Relaxed) {
            (false, degraded, [failing, vec!["shutdown"]].concat())
        } else {
            (ready, degraded, failing)
        }
    }

    /// `/metrics`: the recorder's text, with `picsum_ready` and the `process_*` gauges as
    /// of now.
    fn metrics_response(&self) -> Response {
        let ready = if self.readiness().0 { 1.0 } else { 0.0 };
        metrics::gauge!("picsum_ready").set(ready);
        crate::process::record();
        (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            prometheus().render(),
        )
            .into_response()
    }

    /// `/ready`: 200 once every required component is healthy, naming the optional ones
    /// that are not (`{"ready":true,"degraded":["cache"]}`); 503 before the first check,
    /// while a required one fails, and once a shutdown began.
    pub fn ready_response(&self) -> Response {
        let (ready, degraded, failing) = self.readiness();
        let body = serde_json::json!({"ready": ready, "degraded": degraded, "failing": failing});
        let status = if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        (
            status,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE)),
            ],
            format!("{body}\n"),
        )
            .into_response()
    }

    /// Names protections the operator switched off (`"unsigned picfit"`, …): every answer
    /// then lists them under `"open"`, so that a readable `/health` says what is unguarded.
    #[must_use]
    pub fn with_open(mut self, open: Vec<String>) -> Self {
        self.open = Arc::new(open);
        self
    }

    /// Renders Picsum's `/health` answer (one line of JSON and a newline, as Go's encoder
    /// writes it).
    pub fn response(&self) -> Response {
        let report = self.latest.read().ok().and_then(|r| r.clone());
        let (healthy, body) = match report {
            None => (false, "{\"healthy\":false".to_owned()),
            Some(mut parts) => {
                parts.sort_by_key(|(name, _)| *name);
                let healthy = parts.iter().all(|(_, c)| *c == Component::Healthy);
                let mut body = format!("{{\"healthy\":{healthy}");
                for (name, c) in parts {
                    body.push_str(&format!(",\"{name}\":\"{}\"", c.as_str()));
                }
                (healthy, body)
            }
        };
        let mut body = body;
        if !self.open.is_empty() {
            let open = serde_json::to_string(self.open.as_slice()).unwrap_or_default();
            body.push_str(&format!(",\"open\":{open}"));
        }
        body.push_str("}\n");
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

/// The private listener's routes: `/health`, `/ready`, `/live` and `/metrics`.
pub fn ops_router(health: Health) -> Router {
    let ready = health.clone();
    let metrics = health.clone();
    Router::new()
        .route("/health", get(move || async move { health.response() }))
        .route("/ready", get(move || async move { ready.ready_response() }))
        .route(
            "/live",
            get(|| async { ([(header::CACHE_CONTROL, NO_CACHE)], "ok\n") }),
        )
        .route(
            "/metrics",
            get(move || async move { metrics.metrics_response() }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(health: &Health) -> (StatusCode, String) {
        text(health.response()).await
    }

    async fn text(res: Response) -> (StatusCode, String) {
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn picsums_bodies_with_a_newline_and_what_is_open() {
        let health = Health::default();
        assert_eq!(
            body(&health).await,
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "{\"healthy\":false}\n".into()
            )
        );
        health.record(vec![
            ("storage", Component::Healthy),
            ("cache", Component::Healthy),
        ]);
        assert_eq!(
            body(&health).await,
            (
                StatusCode::OK,
                "{\"healthy\":true,\"cache\":\"healthy\",\"storage\":\"healthy\"}\n".into()
            )
        );
        let open = health.clone().with_open(vec!["unsigned picfit".into()]);
        assert_eq!(
            body(&open).await.1,
            "{\"healthy\":true,\"cache\":\"healthy\",\"storage\":\"healthy\",\"open\":[\"unsigned picfit\"]}\n"
        );
    }

    async fn ready(health: &Health) -> (StatusCode, String) {
        text(health.ready_response()).await
    }

    #[tokio::test]
    async fn ready_unless_a_required_component_fails() {
        const NEEDS: &[(&str, Need)] = &[("storage", Need::Required), ("cache", Need::Optional)];
        let health = Health {
            needs: NEEDS,
            ..Health::default()
        };
        let not_checked = ready(&health).await;
        assert_eq!(not_checked.0, StatusCode::SERVICE_UNAVAILABLE);
        let set = |storage, cache| {
            health.record(vec![("storage", storage), ("cache", cache)]);
        };
        set(Component::Healthy, Component::Unhealthy);
        assert_eq!(
            ready(&health).await,
            (
                StatusCode::OK,
                "{\"degraded\":[\"cache\"],\"failing\":[],\"ready\":true}\n".into()
            )
        );
        // Picsum's /health still says the cache is down.
        assert_eq!(body(&health).await.0, StatusCode::INTERNAL_SERVER_ERROR);
        set(Component::Unknown, Component::Healthy);
        assert_eq!(
            ready(&health).await,
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "{\"degraded\":[],\"failing\":[\"storage\"],\"ready\":false}\n".into()
            )
        );
    }

    #[tokio::test]
    async fn a_shared_store_gates_readiness_until_first_reached_then_degrades() {
        const NEEDS: &[(&str, Need)] = &[("storage", Need::First)];
        let health = Health {
            needs: NEEDS,
            ..Health::default()
        };
        let answer = |ready: bool, degraded: &str, failing: &str| {
            let status = if ready {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            let body = format!(
                "{{\"degraded\":[{degraded}],\"failing\":[{failing}],\"ready\":{ready}}}\n"
            );
            (status, body)
        };
        health.record(vec![("storage", Component::Unhealthy)]);
        assert_eq!(ready(&health).await, answer(false, "", "\"storage\""));
        health.record(vec![("storage", Component::Healthy)]);
        assert_eq!(ready(&health).await, answer(true, "", ""));
        health.record(vec![("storage", Component::Unknown)]);
        assert_eq!(ready(&health).await, answer(true, "\"storage\"", ""));
    }

    #[tokio::test(start_paused = true)]
    async fn a_shutdown_is_announced_by_readiness_for_the_delay() {
        let health = Health::default();
        health.record(vec![("storage", Component::Healthy)]);
        assert_eq!(ready(&health).await.0, StatusCode::OK);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let drained = tokio::spawn(health.drain_after(
            async move {
                let _ = rx.await;
            },
            Duration::from_secs(5),
        ));
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(
            ready(&health).await.0,
            StatusCode::OK,
            "not before the signal"
        );
        tx.send(()).unwrap();
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert_eq!(
            ready(&health).await,
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "{\"degraded\":[],\"failing\":[\"shutdown\"],\"ready\":false}\n".into()
            )
        );
        assert!(!drained.is_finished(), "still answering during the delay");
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(drained.is_finished());
    }
}
