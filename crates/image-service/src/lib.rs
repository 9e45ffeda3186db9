//! `picsum-image-service`: composes the core, the guard and the URL dialects into one
//! service. It builds them from configuration ([`config`], [`state`]), routes each request
//! to its dialect ([`dispatch`]) or to the write routes ([`routes`], [`writes`]), and runs the listeners
//! ([`serve`], the entry point of `main`, `picsum dev` and the tests alike).
//!
//! Nothing here renders or parses a URL's parameters: that is the dialects' and the core's
//! job. This crate only decides which of them a request goes to.

pub mod config;
pub mod dialects;
pub mod dispatch;
pub mod fairness;
pub mod policy;
pub mod routes;
pub mod state;
pub mod writes;

use std::sync::Arc;

use picsum_web::health::{Component, Health, Need, ops_router};
use tokio::net::TcpListener;

pub use config::ImageConfig;
pub use routes::router;
pub use state::AppState;

/// What `--version` prints: the release, the commit, and the libvips this binary runs on
/// (the version loaded, then how it was built).
pub fn version_line() -> &'static str {
    static LINE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LINE.get_or_init(|| {
        format!(
            "{} (git {}), libvips {} ({})",
            env!("CARGO_PKG_VERSION"),
            env!("PICSUM_GIT_SHA"),
            picsum_imaging::version(),
            picsum_imaging::LIBVIPS_BUILD
        )
    })
}

/// Counters the alerts and the dashboard read, which exist from start-up (at zero) rather
/// than from their first event.
const REFUSAL_COUNTERS: &[&str] = &[
    "picsum_queue_shed_total",
    "picsum_share_refusals_total",
    "picsum_memory_refusals_total",
    "picsum_cost_refusals_total",
    "picsum_rate_limited_total",
];

/// Runs the service on `listener` (and its health/metrics listener) until `shutdown`
/// resolves, then finishes in-flight requests.
///
/// # Errors
/// Start-up failures (storage, libvips, metrics listener) and server errors.
pub async fn serve(
    config: ImageConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // The recorder first: what start-up records (the queue's bound, the budgets) is kept.
    picsum_web::telemetry::prometheus();
    picsum_web::client::trust_for_logs(
        picsum_web::client::parse_nets(&config.trusted_proxies).map_err(anyhow::Error::msg)?,
    );
    let state = Arc::new(AppState::from_config(&config).await?);
    // Sources deleted through another replica leave this one's memory tier too.
    let listening = Arc::clone(&state.core);
    let removals = tokio::spawn(async move { listening.sources.listen_for_removals().await });
    let ops = TcpListener::bind(config.metrics_listen).await?;
    picsum_web::telemetry::publish_build_info(
        "picsum_image_service",
        env!("PICSUM_GIT_SHA"),
        &[
            ("libvips", picsum_imaging::version()),
            ("libvips_build", picsum_imaging::LIBVIPS_BUILD.to_owned()),
        ],
        REFUSAL_COUNTERS,
    );
    let checked = Arc::clone(&state.core);
    let open = state.open.clone();
    // Storage is needed to become ready; later outages of it, shared by every replica,
    // degrade (the memory tier still answers). Redis only makes answers faster.
    const NEEDS: &[(&str, Need)] = &[("cache", Need::Optional), ("storage", Need::First)];
    let health = Health::spawn(NEEDS, move || {
        let core = Arc::clone(&checked);
        async move {
            let storage_ok = core.storage.exists("healthcheck.jpg").await.is_ok();
            // What libvips holds, sampled with the health check (off the render path; a
            // count that only grows is a leak).
            if let Ok(held) = tokio::task::spawn_blocking(picsum_imaging::held).await {
                metrics::gauge!("picsum_vips_objects").set(held.objects as f64);
                metrics::gauge!("picsum_vips_tracked_bytes").set(held.bytes as f64);
            }
            let cache_ok = core.sources.redis_healthy().await.unwrap_or(true);
            vec![
                ("cache", Component::from_ok(cache_ok)),
                ("storage", Component::from_ok(storage_ok)),
            ]
        }
    })
    .with_open(open);
    let shutdown = health.drain_after(
        shutdown,
        std::time::Duration::from_millis(config.shutdown_delay_ms),
    );
    tracing::info!(
        listen = %listener.local_addr()?,
        metrics = %ops.local_addr()?,
        vips = %picsum_imaging::version(),
        version = env!("CARGO_PKG_VERSION"),
        git_sha = env!("PICSUM_GIT_SHA"),
        libvips_build = picsum_imaging::LIBVIPS_BUILD,
        render = picsum_imaging::Flavour::built().output_tag(),
        "image service started"
    );
    let served = picsum_web::server::serve_with_ops(
        listener,
        router(state),
        ops,
        ops_router(health),
        shutdown,
        config.fair.send_floor(),
    )
    .await;
    removals.abort();
    served?;
    Ok(())
}
