//! The catalog the API answers from: an in-memory snapshot, swapped whole when the database
//! changes. No request ever waits on the database, and the API keeps answering from the last
//! snapshot while the database is down.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use picsum_catalog::{Catalog, CatalogSource};
use picsum_db::Database;

use crate::ApiConfig;

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

/// Loads the configured catalog: the database when `PICSUM_DATABASE_URL` is set (migrated
/// first with `PICSUM_DATABASE_MIGRATE`), else the JSON manifest. With a database, a
/// background task polls its change counter and swaps in a new snapshot on change.
///
/// # Errors
/// The manifest or the database cannot be read at start-up.
pub async fn load(config: &ApiConfig) -> anyhow::Result<LiveCatalog> {
    let Some(url) = config.database_url.as_deref().filter(|u| !u.is_empty()) else {
        let catalog = Catalog::load(&CatalogSource::Manifest(config.database_file_path.clone()))?;
        tracing::info!(
            images = catalog.len(),
            source = "manifest",
            "catalog loaded"
        );
        return Ok(LiveCatalog::new(catalog));
    };
    let db = Database::connect(url)?;
    if config.database_migrate {
        match config
            .database_direct_url
            .as_deref()
            .filter(|u| !u.is_empty())
        {
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
    tokio::spawn(refresh(
        db,
        live.clone(),
        version,
        Duration::from_millis(config.database_refresh_ms),
    ));
    Ok(live)
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
            anyhow::Ok(())
        }
        .await;
        if let Err(e) = result {
            metrics::counter!("picsum_catalog_refresh_errors_total").increment(1);
            tracing::warn!(error = %e, "catalog refresh failed; serving the previous snapshot");
        }
    }
}
