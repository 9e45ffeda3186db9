//! API configuration: defaults, then `PICSUM_*` environment, then flags. Names mirror
//! Lorem Picsum's own flags.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Every setting of the API service.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "picsum-api",
    version = concat!(env!("CARGO_PKG_VERSION"), " (git ", env!("PICSUM_GIT_SHA"), ")"),
    about = "The Lorem Picsum API: redirects to signed image URLs",
    after_help = "Settings may also come from a file of KEY=value lines named like the variables above:\n--config FILE or PICSUM_CONFIG_FILE. Flags override the environment, which overrides the file.\nAny setting NAME may also be given as NAME_FILE=path: the value is that file's contents (mounted secrets)."
)]
pub struct ApiConfig {
    /// Public listener (host:port).
    #[arg(long, env = "PICSUM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Health and metrics listener (host:port); keep it private.
    #[arg(long, env = "PICSUM_METRICS_LISTEN", default_value = "127.0.0.1:8082")]
    pub metrics_listen: SocketAddr,
    /// On SIGTERM, how long to keep answering while `/ready` says 503, so load balancers and
    /// Kubernetes' endpoints stop sending here before the listener closes (then in-flight
    /// requests finish, up to 60 s).
    #[arg(long, env = "PICSUM_SHUTDOWN_DELAY_MS", default_value_t = 5000)]
    pub shutdown_delay_ms: u64,
    /// Public base URL of this API, used in `download_url` and `Link`.
    #[arg(long, env = "PICSUM_ROOT_URL", default_value = "http://127.0.0.1:8080")]
    pub root_url: String,
    /// Base URL of the image service that redirects point to.
    #[arg(
        long,
        env = "PICSUM_IMAGE_SERVICE_URL",
        default_value = "http://127.0.0.1:8081"
    )]
    pub image_service_url: String,
    /// Key shared with the image service to sign URLs.
    #[arg(
        long,
        env = "PICSUM_HMAC_KEY",
        default_value = "",
        hide_env_values = true
    )]
    pub hmac_key: String,
    /// Picsum JSON manifest: the catalog (`[{id, author, width, height, url}, …]`).
    #[arg(
        long,
        env = "PICSUM_DATABASE_FILE_PATH",
        default_value = "gallery/manifest.json"
    )]
    pub database_file_path: PathBuf,
    /// Catalog database instead of the manifest: `postgres://user:pass@host/db` or
    /// `sqlite:///path/catalog.db`. Unset or empty: the manifest.
    #[arg(long, env = "PICSUM_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The database itself when `PICSUM_DATABASE_URL` is a transaction-mode pooler (PgBouncer,
    /// a managed pool): migrations run here (they hold a session-level lock).
    #[arg(long, env = "PICSUM_DATABASE_DIRECT_URL", hide_env_values = true)]
    pub database_direct_url: Option<String>,
    /// Apply pending migrations at start-up (otherwise run `picsum migrate`).
    #[arg(long, env = "PICSUM_DATABASE_MIGRATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub database_migrate: bool,
    /// How often to check the database for catalog changes, in milliseconds.
    #[arg(long, env = "PICSUM_DATABASE_REFRESH_MS", default_value_t = 2000)]
    pub database_refresh_ms: u64,
    /// How `/seed/{seed}/…` picks: `picsum` (identical to picsum.photos; adding an image moves
    /// nearly every seed) or `stable` (rendezvous hashing over ids; adding 1% of images moves
    /// about 1% of seeds). A URL may choose with `?seed_mode=`.
    #[arg(long, env = "PICSUM_SEED_MODE", default_value = "picsum")]
    pub seed_mode: picsum_catalog::select::SeedMode,
    /// For image URLs without an extension, pick AVIF, WebP or JPEG from `Accept` and scale
    /// by the `Sec-CH-Width`/`Width` or `Sec-CH-DPR`/`DPR` client hints, written into the
    /// signed URL (image answers need no `Vary`); answers advertise `Accept-CH`.
    #[arg(long, env = "PICSUM_CLIENT_HINTS", default_value_t = false, action = clap::ArgAction::Set)]
    pub client_hints: bool,
    /// Log filter: `debug`, `info`, `warn`, `error`, or a `tracing` directive list.
    #[arg(long, env = "PICSUM_LOG_LEVEL", default_value = "info")]
    pub log_level: String,
    /// Proxies whose `X-Forwarded-For` is believed (IPs or CIDRs), for the client the access
    /// log names; from anyone else it is ignored. Empty: none.
    #[arg(long, env = "PICSUM_TRUSTED_PROXIES", default_value = "", value_parser = parse_proxies)]
    pub trusted_proxies: Proxies,
}

/// A parsed `PICSUM_TRUSTED_PROXIES`.
#[derive(Debug, Clone, Default)]
pub struct Proxies(pub Vec<ipnet::IpNet>);

fn parse_proxies(list: &str) -> Result<Proxies, String> {
    picsum_web::client::parse_nets(list).map(Proxies)
}

impl ApiConfig {
    /// Where the catalog comes from.
    pub fn catalog(&self) -> picsum_db::live::CatalogConfig {
        picsum_db::live::CatalogConfig {
            manifest: self.database_file_path.clone(),
            database_url: self.database_url.clone(),
            direct_url: self.database_direct_url.clone(),
            migrate: self.database_migrate,
            refresh: std::time::Duration::from_millis(self.database_refresh_ms),
            placeholders: true,
        }
    }

    /// Defaults and environment only (no command line), as `picsum dev` uses it.
    ///
    /// # Errors
    /// An environment value that does not parse.
    pub fn from_env() -> Result<Self, clap::Error> {
        <Self as clap::Parser>::try_parse_from(["picsum-api"])
    }
}
