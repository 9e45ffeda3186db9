//! The composed state: the core, the guard and every dialect, built once from
//! configuration (libvips is initialised here).

use std::sync::Arc;

use picsum_cache::Cache;
use picsum_db::live::LiveCatalog;
use picsum_guard::budget::Budget;
use picsum_guard::dialect::Registry;
use picsum_guard::keys::ApiKeys;
use picsum_guard::{Auth, Guard};
use picsum_image_core::cost::RequestBudget;
use picsum_image_core::credits::{Credit, Credits};
use picsum_image_core::derived::{DerivedStore, Shard};
use picsum_image_core::ladders::Ladders;
use picsum_image_core::memory::MemoryBudget;
use picsum_image_core::pool::RenderPool;
use picsum_image_core::upload_settings::UploadSettings;
use picsum_image_core::write_quota::{self, WriteQuota};
use picsum_image_core::{Core, remote};
use picsum_imaging::Limits;

use crate::config::ImageConfig;
use crate::dialects::{Built, Enabled, Uploads};

/// Shared state of every request.
pub struct AppState {
    /// Sources, rendering, responses, uploads, the derived store.
    pub core: Arc<Core>,
    /// Who may do what.
    pub guard: Arc<Guard>,
    /// Every dialect, built.
    pub dialects: Built,
    /// The dialects this service speaks (`IMAGE_DIALECTS`).
    pub enabled: Enabled,
    /// The form of `POST /upload`, gathered from the dialects.
    pub uploads: Uploads,
    /// Protections the configuration switched off, for `/health`.
    pub open: Vec<String>,
}

impl AppState {
    /// Builds the state from configuration (initialises libvips once).
    ///
    /// # Errors
    /// libvips cannot start, the storage folder is missing, settings that do not parse,
    /// the credits' catalog cannot be read, or threads cannot be spawned.
    pub async fn from_config(config: &ImageConfig) -> anyhow::Result<Self> {
        let open = crate::policy::check(config)?;
        picsum_imaging::init()?;
        let mut sources = Cache::memory("source", config.source_cache_bytes);
        let mut renders = Cache::memory("render", config.render_cache_bytes);
        if let Some(redis) = config.redis()? {
            let redis = Arc::new(redis);
            sources = sources.with_redis(Arc::clone(&redis));
            renders = renders.with_redis(Arc::clone(&redis));
        }
        let keys = config.keys()?;
        let mut registry = Registry {
            credits: credits(config).await?,
            ..Registry::default()
        };
        let dialects = Built::new(&config.dialect, &mut registry)?;
        let guard = Arc::new(guard(config, keys, registry.auth)?);
        Ok(Self {
            core: Arc::new(core(config, sources, renders, registry)?),
            guard,
            dialects,
            enabled: config.dialects,
            uploads: Built::upload_form(),
            open,
        })
    }
}

/// The core: storage, caches, the pool, limits, uploads, the derived store, and what the
/// dialects registered (upload hooks, companions).
fn core(
    config: &ImageConfig,
    sources: Cache,
    renders: Cache,
    registry: Registry,
) -> anyhow::Result<Core> {
    let writes = config
        .fair
        .write_shares(config.derived_max_bytes, config.ladders);
    Ok(Core {
        storage: config.storage()?,
        sources,
        renders,
        pool: RenderPool::new(config.fair.pool_settings(config.workers, config.queue_size))?,
        workers: config.workers,
        limits: Limits {
            max_source_pixels: config.max_source_pixels,
            max_output_pixels: config.max_output_pixels,
            max_work_pixels: config.max_work_pixels,
            max_inflight_pixels: config.max_inflight_pixels,
        },
        budget: RequestBudget {
            max_cpu: std::time::Duration::from_millis(config.fair.max_request_cpu_ms),
        },
        remote: remote::Fetcher::new(config.remote())?,
        uploads: UploadSettings {
            enabled: config.uploads,
            deletes: config.deletes,
            max_bytes: config.upload_max_bytes,
            time_limit: std::time::Duration::from_millis(config.upload_timeout_ms),
        },
        derived: DerivedStore::new(
            config.derived_prefix.clone(),
            Shard::new(
                config.derived_shard_width,
                config.derived_shard_depth,
                config.derived_shard_rest_only,
            )?,
            config.derived_base_url.clone(),
            config.derived_max_bytes,
        )
        .with_reserve(writes.reserve),
        writes: WriteQuota::new(writes.per_client, write_quota::HOUR),
        hooks: registry.hooks,
        memory: MemoryBudget::new(
            config.max_held_bytes,
            config.fair.client_held_bytes(config.max_held_bytes),
        ),
        companions: registry.companions,
        ladders: Ladders::new(config.ladders),
    })
}

/// Photo credits from the configured catalog (kept fresh like the API's snapshot).
async fn credits(config: &ImageConfig) -> anyhow::Result<Option<Arc<dyn Credits>>> {
    let database_url = config
        .catalog_database_url
        .clone()
        .filter(|u| !u.is_empty());
    let manifest = config
        .catalog_file_path
        .clone()
        .filter(|p| !p.as_os_str().is_empty());
    if database_url.is_none() && manifest.is_none() {
        return Ok(None);
    }
    let live = picsum_db::live::load(&picsum_db::live::CatalogConfig {
        manifest: manifest.unwrap_or_default(),
        database_url,
        direct_url: None,
        migrate: false,
        refresh: std::time::Duration::from_millis(config.catalog_refresh_ms),
        placeholders: false,
    })
    .await?;
    Ok(Some(Arc::new(CatalogCredits(live))))
}

struct CatalogCredits(LiveCatalog);

impl Credits for CatalogCredits {
    fn credit(&self, id: &str) -> Option<Credit> {
        self.0.current().get(id).map(|image| Credit {
            author: image.author.clone(),
            source: image.url.clone(),
        })
    }
}

/// The guard: addresses, keys, the dialects' authorisation, anonymous writes, the budget.
fn guard(config: &ImageConfig, keys: Option<ApiKeys>, auth: Auth) -> anyhow::Result<Guard> {
    Ok(Guard {
        access: config.access()?,
        keys,
        auth,
        anonymous_writes: config.allow_anonymous_writes,
        budget: Budget {
            max_operations: config.max_operations,
            max_layers: config.max_layers,
        },
    })
}
