//! The catalog a service answers from: an in-memory snapshot, swapped whole when the
//! database changes. No request ever waits on the database, and a service keeps answering
//! from the last snapshot while the database is down. The API picks images from it; the image
//! service reads photo credits from it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use picsum_catalog::{Catalog, Image, Placeholder};

use crate::{Database, DbError};

/// Where a live catalog comes from.
#[derive(Debug, Clone)]
pub struct CatalogConfig {
    /// The Picsum JSON manifest, used when `database_url` is unset or empty.
    pub manifest: PathBuf,
    /// `postgres://…` or `sqlite:…`.
    pub database_url: Option<String>,
    /// Where migrations run when `database_url` is a transaction-mode pooler.
    pub direct_url: Option<String>,
    /// Apply pending migrations first.
    pub migrate: bool,
    /// How often to poll the change counter.
    pub refresh: Duration,
    /// Compute missing ThumbHashes and colours of a manifest's photos at start-up (the API
    /// serves them; the image service, which only reads credits, does not need them).
    pub placeholders: bool,
}

/// The current snapshot. Cheap to clone; readers get a consistent catalog.
#[derive(Debug, Clone)]
pub struct LiveCatalog {
    current: Arc<RwLock<Catalog>>,
}

impl LiveCatalog {
    /// A live catalog starting at `catalog`.
    pub fn new(catalog: Catalog) -> Self {
        set_gauge(&catalog);
        Self {
            current: Arc::new(RwLock::new(catalog)),
        }
    }

    /// The current snapshot.
    pub fn current(&self) -> Catalog {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, catalog: Catalog) {
        set_gauge(&catalog);
        match self.current.write() {
            Ok(mut c) => *c = catalog,
            Err(poisoned) => *poisoned.into_inner() = catalog,
        }
    }
}

fn set_gauge(catalog: &Catalog) {
    #[expect(
        clippy::cast_precision_loss,
        reason = "a gauge; catalogs are far below 2^52 images"
    )]
    metrics::gauge!("picsum_catalog_images").set(catalog.len() as f64);
}

/// Loads the configured catalog: the database when `database_url` is set (migrated first
/// when `migrate`), else the JSON manifest. With a database, a background task (on the
/// current tokio runtime) polls its change counter and swaps in a new snapshot on change.
///
/// # Errors
/// The manifest or the database cannot be read at start-up.
pub async fn load(config: &CatalogConfig) -> Result<LiveCatalog, DbError> {
    let Some(url) = config.database_url.as_deref().filter(|u| !u.is_empty()) else {
        let mut images = picsum_catalog::read_manifest(&config.manifest)?;
        if config.placeholders {
            add_placeholders(&mut images, &config.manifest).await;
        }
        let catalog = Catalog::from_images(images)?;
        tracing::info!(
            images = catalog.len(),
            source = "manifest",
            "catalog loaded"
        );
        return Ok(LiveCatalog::new(catalog));
    };
    let db = Database::connect(url)?;
    if config.migrate {
        match config.direct_url.as_deref().filter(|u| !u.is_empty()) {
            Some(direct) => Database::connect(direct)?.migrate().await?,
            None => db.migrate().await?,
        }
    }
    let version = db.version().await?;
    let catalog = Catalog::from_images(db.images().await?)?;
    tracing::info!(
        images = catalog.len(),
        source = "database",
        "catalog loaded"
    );
    let live = LiveCatalog::new(catalog);
    tokio::spawn(refresh(db, live.clone(), version, config.refresh));
    Ok(live)
}

/// Computes the ThumbHash and colour of a manifest's photos that have none in the manifest,
/// from the photo files beside it (`{id}.jpg` or `photos/{id}.jpg`, the 500 px variant when
/// there is one). A photo that cannot be read keeps no placeholder.
async fn add_placeholders(images: &mut [Image], manifest: &Path) {
    let dir = manifest.parent().unwrap_or(Path::new(".")).to_owned();
    let missing: Vec<(usize, String)> = images
        .iter()
        .enumerate()
        .filter(|(_, img)| img.placeholder.is_none())
        .map(|(i, img)| (i, img.id.clone()))
        .collect();
    let computed = tokio::task::spawn_blocking(move || {
        missing
            .into_iter()
            .filter_map(|(i, id)| Some((i, placeholder_beside(&dir, &id)?)))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    tracing::info!(
        computed = computed.len(),
        "placeholders computed for the manifest's photos"
    );
    for (i, placeholder) in computed {
        if let Some(img) = images.get_mut(i) {
            img.placeholder = Some(placeholder);
        }
    }
}

fn placeholder_beside(dir: &Path, id: &str) -> Option<Placeholder> {
    let names = [format!("{id}_500.jpg"), format!("{id}.jpg")];
    let files = names
        .iter()
        .flat_map(|n| [dir.join("photos").join(n), dir.join(n)]);
    files
        .filter_map(|f| std::fs::read(f).ok())
        .find_map(|bytes| picsum_placeholder::Placeholder::from_jpeg(&bytes).ok())
        .map(|p| Placeholder::from(&p))
}

/// Polls the change counter every `every`; reloads on change. Failures are logged and
/// counted, and the previous snapshot keeps serving.
async fn refresh(db: Database, live: LiveCatalog, mut version: i64, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let result = async {
            let now = db.version().await?;
            if now != version {
                let catalog = Catalog::from_images(db.images().await?)?;
                tracing::info!(images = catalog.len(), version = now, "catalog refreshed");
                live.replace(catalog);
                version = now;
            }
            Ok::<(), DbError>(())
        }
        .await;
        if let Err(e) = result {
            metrics::counter!("picsum_catalog_refresh_errors_total").increment(1);
            tracing::warn!(error = %e, "catalog refresh failed; serving the previous snapshot");
        }
    }
}
