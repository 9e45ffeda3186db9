//! The image service: verifies Picsum-signed URLs, loads originals through a byte-bounded
//! single-flight cache, and renders them with libvips on a bounded pool of worker threads.
//!
//! Layout: [`config`] (flags and `IMAGE_*` environment), [`render`] (the one public route),
//! [`pool`] (off-runtime libvips workers), [`error`] (the one error → HTTP mapping).
//! [`serve`] is the entry point for `main`, `picsum dev` and the tests alike.

pub mod config;
pub mod error;
pub mod pool;
pub mod render;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use http::Method;
use picsum_cache::Cache;
use picsum_common::http::Cors;
use picsum_common::server::{Component, Health, ops_router};
use picsum_imaging::Limits;
use picsum_signing::Signer;
use picsum_storage::Storage;
use tokio::net::TcpListener;

pub use config::ImageConfig;
use error::ServiceError;
use pool::RenderPool;
use render::ImageRoute;

/// Shared state of every request.
pub struct AppState {
    /// Verifies URL signatures.
    pub signer: Signer,
    /// Where originals live.
    pub storage: Storage,
    /// Source photos: memory, then Redis when configured.
    pub sources: Cache,
    /// Rendered images: memory, then Redis when configured.
    pub renders: Cache,
    /// libvips workers.
    pub pool: RenderPool,
    /// Limits applied to sources.
    pub limits: Limits,
}

impl AppState {
    /// Builds the state from configuration (initialises libvips once).
    ///
    /// # Errors
    /// libvips cannot start, the storage folder is missing, or threads cannot be spawned.
    pub fn from_config(config: &ImageConfig) -> anyhow::Result<Self> {
        picsum_imaging::init()?;
        if config.hmac_key.is_empty() {
            tracing::warn!("IMAGE_HMAC_KEY is empty: anyone can sign image URLs");
        }
        let mut sources = Cache::memory("source", config.source_cache_bytes);
        let mut renders = Cache::memory("render", config.render_cache_bytes);
        if let Some(redis) = config.redis()? {
            let redis = Arc::new(redis);
            sources = sources.with_redis(Arc::clone(&redis));
            renders = renders.with_redis(redis);
        }
        Ok(Self {
            signer: Signer::new(config.hmac_key.as_bytes()),
            storage: config.storage()?,
            sources,
            renders,
            pool: RenderPool::new(usize::from(config.workers), config.queue_size)?,
            limits: Limits {
                max_source_pixels: config.max_source_pixels,
            },
        })
    }
}

const CORS: Cors = Cors {
    methods: &[Method::GET],
    expose: Some("Content-Type, Picsum-Id"),
};

/// The public router.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .fallback(dispatch)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            CORS,
            picsum_common::http::cors,
        ))
}

async fn dispatch(State(state): State<Arc<AppState>>, req: Request) -> Response {
    picsum_common::http::dispatch(
        req,
        |json| ServiceError::PageNotFound.into_response(json),
        |route: ImageRoute, info| async move {
            render::serve_image(state, route, &info.path, &info.query)
                .await
                .unwrap_or_else(|e| e.into_response(info.json))
        },
    )
    .await
}

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
    let state = Arc::new(AppState::from_config(&config)?);
    let ops = TcpListener::bind(config.metrics_listen).await?;
    picsum_common::server::prometheus();
    let checked = Arc::clone(&state);
    let health = Health::spawn(&["cache", "storage"], move || {
        let state = Arc::clone(&checked);
        async move {
            let storage_ok = state.storage.exists("healthcheck.jpg").await.is_ok();
            let cache_ok = state.sources.redis_healthy().await.unwrap_or(true);
            vec![
                ("cache", Component::from_ok(cache_ok)),
                ("storage", Component::from_ok(storage_ok)),
            ]
        }
    });
    tracing::info!(listen = %listener.local_addr()?, metrics = %ops.local_addr()?, vips = %picsum_imaging::version(), "image service started");
    picsum_common::server::serve_with_ops(
        listener,
        router(state),
        ops,
        ops_router(health),
        shutdown,
    )
    .await?;
    Ok(())
}
