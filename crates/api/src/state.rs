//! [`AppState`]: what every request shares (the catalog snapshot, the URL signer, the
//! rendered site and the request-shaping settings), built from [`ApiConfig`].

use picsum_catalog::select::SeedMode;
use picsum_db::live::LiveCatalog;
use picsum_signing::Signer;

use crate::config::ApiConfig;
use crate::web;

/// Shared state of every request.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The catalog snapshot.
    pub catalog: LiveCatalog,
    /// Signs image-service URLs.
    pub signer: Signer,
    /// Public base URL of the API (no trailing slash).
    pub root_url: String,
    /// Base URL of the image service (no trailing slash).
    pub image_service_url: String,
    /// The web site, rendered for `root_url`.
    pub site: web::Site,
    /// How `/seed/` picks when the URL does not say (`?seed_mode=`).
    pub seed_mode: SeedMode,
    /// Pick format and size from `Accept` and client hints for URLs without an extension.
    pub client_hints: bool,
}

impl AppState {
    /// Loads the catalog and builds the state.
    ///
    /// # Errors
    /// An empty signing key (anyone could sign image URLs), or the catalog cannot be loaded.
    pub async fn from_config(config: &ApiConfig) -> anyhow::Result<Self> {
        anyhow::ensure!(
            !config.hmac_key.is_empty(),
            "PICSUM_HMAC_KEY is empty: anyone could sign image URLs; set a long random key \
             (the same as the image service's IMAGE_HMAC_KEY)"
        );
        let root_url = config.root_url.trim_end_matches('/').to_owned();
        Ok(Self {
            catalog: picsum_db::live::load(&config.catalog()).await?,
            signer: Signer::new(config.hmac_key.as_bytes()),
            site: web::Site::new(&root_url),
            root_url,
            image_service_url: config.image_service_url.trim_end_matches('/').to_owned(),
            seed_mode: config.seed_mode,
            client_hints: config.client_hints,
        })
    }
}
