//! The image service: verifies Picsum-signed URLs, loads originals through a byte-bounded
//! single-flight cache, and renders them with libvips on a bounded pool of worker threads.
//!
//! It also answers the general transformation API: picfit's ([`picfit`]) and pixlserv's
//! ([`pixlserv`]) dialects, parsed
//! into the imaging crate's one pipeline model and rendered through [`transform`].
//!
//! Layout: [`config`] (flags and `IMAGE_*` environment), [`render`] (Picsum's route),
//! [`pool`] (off-runtime libvips workers), [`error`] (the one error → HTTP mapping).
//! [`serve`] is the entry point for `main`, `picsum dev` and the tests alike.

pub mod access;
pub mod config;
pub mod error;
pub mod keys;
pub mod picfit;
pub mod pixlserv;
pub mod pool;
pub mod presets;
pub mod remote;
pub mod render;
pub mod stats;
pub mod transform;
pub mod upload;

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

/// The routes of the public listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Picsum's signed `/id/{id}/{w}/{h}{ext}`.
    Picsum(ImageRoute),
    /// picfit's `/{display|redirect|get}[/…]`.
    Picfit(picfit::Method, String),
    /// pixlserv's `/[{KEY}/]image/{params}/{path}`.
    Pixlserv(pixlserv::Route),
}

impl picsum_common::http::RouteTable for Route {
    fn parse(path: &str) -> Option<Self> {
        if let Some(route) = ImageRoute::parse(path) {
            return Some(Self::Picsum(route));
        }
        if let Some(route) = pixlserv::Route::parse(path) {
            return Some(Self::Pixlserv(route));
        }
        let rest = path.strip_prefix('/')?;
        let (segment, tail) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
        picfit::Method::from_segment(segment).map(|m| Self::Picfit(m, tail.to_owned()))
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Picsum(route) => route.name(),
            Self::Picfit(picfit::Method::Display, _) => "picfit.display",
            Self::Picfit(picfit::Method::Get, _) => "picfit.get",
            Self::Picfit(picfit::Method::Redirect, _) => "picfit.redirect",
            Self::Pixlserv(_) => "pixlserv.image",
        }
    }

    fn allows(&self, method: &Method) -> bool {
        method == Method::GET
    }
}

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
    /// Settings of the picfit dialect.
    pub picfit: PicfitSettings,
    /// Upload and delete settings.
    pub uploads: UploadSettings,
    /// Client addresses, write allowlist, rate limit.
    pub access: access::Access,
    /// API keys (in the Redis of `IMAGE_CACHE_URL`), when configured.
    pub keys: Option<keys::ApiKeys>,
    /// Whether anonymous requests need a key.
    pub auth: Auth,
    /// Request counters for `/sys/stats`, when enabled.
    pub stats: Option<stats::Stats>,
    /// Whether `/sys/health` answers.
    pub health_endpoint: bool,
    /// When the service started.
    pub started: std::time::Instant,
    /// Number of libvips workers.
    pub workers: u16,
    /// Fetches `url=` sources.
    pub remote: remote::Fetcher,
    /// Named transformations (pixlserv's `t_NAME`).
    pub presets: std::collections::HashMap<String, presets::Preset>,
}

/// pixlserv's `authorisation`: whether requests without an API key are refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct Auth {
    /// Image requests (pixlserv's dialect) need a key with `get`.
    pub get: bool,
    /// Uploads need a key with `upload` (and a signature).
    pub upload: bool,
}

/// Upload and delete settings, from configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct UploadSettings {
    /// `POST /upload` accepted.
    pub enabled: bool,
    /// `DELETE /{path}` accepted.
    pub deletes: bool,
    /// Largest upload, in bytes.
    pub max_bytes: u64,
}

/// Settings of the picfit dialect, from configuration.
#[derive(Debug, Clone, Default)]
pub struct PicfitSettings {
    /// `secret_key`; `None` accepts unsigned requests.
    pub secret: Option<Vec<u8>>,
    /// Quality when `q` is absent.
    pub quality: u8,
    /// `allowed_sizes`; empty allows any.
    pub allowed_sizes: Vec<(u32, u32)>,
    /// Where derived images are stored.
    pub derived_prefix: String,
    /// Their public base URL.
    pub base_url: Option<String>,
    /// How their file names are split into folders.
    pub shard: picfit::Shard,
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
        let mut keys = None;
        if let Some(redis) = config.redis()? {
            let redis = Arc::new(redis);
            sources = sources.with_redis(Arc::clone(&redis));
            renders = renders.with_redis(Arc::clone(&redis));
            keys = Some(keys::ApiKeys::new(redis));
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
            picfit: PicfitSettings {
                secret: Some(config.picfit_secret_key.as_bytes().to_vec())
                    .filter(|k| !k.is_empty()),
                quality: config.transform_quality,
                allowed_sizes: config.allowed_sizes.0.clone(),
                derived_prefix: config.derived_prefix.clone(),
                base_url: config.derived_base_url.clone().filter(|u| !u.is_empty()),
                shard: picfit::Shard::new(
                    config.derived_shard_width,
                    config.derived_shard_depth,
                    config.derived_shard_rest_only,
                )?,
            },
            presets: config.presets()?,
            access: config.access()?,
            stats: config.stats.then(stats::Stats::default),
            health_endpoint: config.health,
            started: std::time::Instant::now(),
            workers: config.workers,
            keys,
            auth: Auth {
                get: config.auth_get,
                upload: config.auth_upload,
            },
            uploads: UploadSettings {
                enabled: config.uploads,
                deletes: config.deletes,
                max_bytes: config.upload_max_bytes,
            },
            remote: remote::Fetcher::new(config.remote())?,
        })
    }
}

const CORS: Cors = Cors {
    methods: &[Method::GET, Method::POST, Method::DELETE],
    expose: Some("Content-Type, Picsum-Id"),
};

/// The public router: uploads and deletes, then everything else through [`dispatch`].
pub fn router(state: Arc<AppState>) -> Router {
    use axum::routing::{delete, post};
    // Twice the upload limit, plus room for the form's own headers: an upload over the
    // limit is refused as its image field passes the limit, and the rest of the body is
    // read and thrown away up to this bound so that the client reads the 413.
    let body_limit = usize::try_from(state.uploads.max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_mul(2)
        .saturating_add(64 << 10);
    use axum::routing::get;
    let mut router = Router::new()
        .route("/healthcheck", get(stats::healthcheck).fallback(dispatch))
        .route("/sys/stats", get(stats::sys_stats).fallback(dispatch))
        .route("/sys/health", get(stats::sys_health).fallback(dispatch))
        .route("/upload", post(upload::upload).fallback(dispatch))
        .route("/", delete(upload::delete_root).fallback(dispatch))
        .route(
            "/{*path}",
            post(upload::upload_with_key)
                .delete(upload::delete)
                .fallback(dispatch),
        )
        .fallback(dispatch)
        .layer(axum::extract::DefaultBodyLimit::max(body_limit));
    // Middleware that is switched off costs nothing: it is not layered at all.
    if state.access.limiter.is_some() {
        router = router.layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            access::rate_limit,
        ));
    }
    if state.stats.is_some() {
        router = router.layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            stats::count,
        ));
    }
    router
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            CORS,
            picsum_common::http::cors,
        ))
}

pub(crate) async fn dispatch(State(state): State<Arc<AppState>>, req: Request) -> Response {
    picsum_common::http::dispatch(
        req,
        |json| ServiceError::PageNotFound.into_response(json),
        |route: Route, info| async move {
            let answer = match route {
                Route::Picsum(route) => {
                    render::serve_image(state, route, &info.path, &info.query).await
                }
                Route::Picfit(method, tail) => {
                    picfit::serve::serve(state, method, &tail, &info.query, &info.headers).await
                }
                Route::Pixlserv(route) => pixlserv::serve::serve(state, route, &info.headers).await,
            };
            answer.unwrap_or_else(|e| e.into_response(info.json))
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
    // Sources deleted through another replica leave this one's memory tier too.
    let listening = Arc::clone(&state);
    let removals = tokio::spawn(async move { listening.sources.listen_for_removals().await });
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
    let served = picsum_common::server::serve_with_ops(
        listener,
        router(state),
        ops,
        ops_router(health),
        shutdown,
    )
    .await;
    removals.abort();
    served?;
    Ok(())
}
