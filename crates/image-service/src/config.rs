//! Image service configuration: defaults, then `IMAGE_*` environment, then flags.
//! Names mirror Lorem Picsum's image-service flags.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Every setting of the image service.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "picsum-image-service",
    version = crate::version_line(),
    about = "Renders signed picsum image URLs with libvips",
    after_help = "Settings may also come from a file of KEY=value lines named like the variables above:\n--config FILE or IMAGE_CONFIG_FILE. Flags override the environment, which overrides the file.\nAny setting NAME may also be given as NAME_FILE=path: the value is that file's contents (mounted secrets)."
)]
pub struct ImageConfig {
    /// Public listener (host:port).
    #[arg(long, env = "IMAGE_LISTEN", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    /// Health and metrics listener (host:port); keep it private.
    #[arg(long, env = "IMAGE_METRICS_LISTEN", default_value = "127.0.0.1:8083")]
    pub metrics_listen: SocketAddr,
    /// On SIGTERM, how long to keep answering while `/ready` says 503, so load balancers and
    /// Kubernetes' endpoints stop sending here before the listener closes (then in-flight
    /// requests finish, up to 60 s).
    #[arg(long, env = "IMAGE_SHUTDOWN_DELAY_MS", default_value_t = 5000)]
    pub shutdown_delay_ms: u64,
    /// Folder holding `{id}.jpg` and optional `{id}_{500..4500}.jpg`.
    #[arg(long, env = "IMAGE_STORAGE_PATH", default_value = "gallery/photos")]
    pub storage_path: PathBuf,
    /// Object store instead of a folder: `s3://bucket/prefix` (S3, Spaces, MinIO; `AWS_*`
    /// variables), `gs://bucket/prefix` (`GOOGLE_*` variables) or `file:///path`. Empty: the folder.
    #[arg(long, env = "IMAGE_STORAGE_URL")]
    pub storage_url: Option<String>,
    /// Picsum manifest for the photo credits on Picsum answers (`Picsum-Author`, `Link`).
    #[arg(long, env = "IMAGE_CATALOG_FILE_PATH")]
    pub catalog_file_path: Option<PathBuf>,
    /// The catalog database instead (the API's `PICSUM_DATABASE_URL`, only read). Neither set:
    /// no credit headers.
    #[arg(long, env = "IMAGE_CATALOG_DATABASE_URL", hide_env_values = true)]
    pub catalog_database_url: Option<String>,
    /// How often the credits' catalog polls the database for changes, in milliseconds.
    #[arg(long, env = "IMAGE_CATALOG_REFRESH_MS", default_value_t = 2000)]
    pub catalog_refresh_ms: u64,
    /// libvips worker threads (one render each at a time).
    #[arg(long, env = "IMAGE_WORKERS", default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: u16,
    /// Renders that may wait for a worker; beyond that requests get 503 with Retry-After.
    #[arg(long, env = "IMAGE_QUEUE_SIZE", default_value_t = 64)]
    pub queue_size: usize,
    /// Memory for cached source photos, in bytes.
    #[arg(long, env = "IMAGE_SOURCE_CACHE_BYTES", default_value_t = 256 << 20)]
    pub source_cache_bytes: u64,
    /// Memory for cached rendered images, in bytes.
    #[arg(long, env = "IMAGE_RENDER_CACHE_BYTES", default_value_t = 64 << 20)]
    pub render_cache_bytes: u64,
    /// Shared cache behind the memory tier: `redis://host:port[/db]`, `rediss://…`, or a
    /// Redis Cluster as `redis+cluster://host1:port1,host2:port2,…`. Unset or empty: memory only.
    #[arg(long, env = "IMAGE_CACHE_URL", hide_env_values = true)]
    pub cache_url: Option<String>,
    /// Where API keys live (pixlserv's keys, `get` and `upload`): a Redis of their own,
    /// configured not to evict (`maxmemory-policy noeviction`); never the cache's. Keys are
    /// under `picsum:keys:`. Unset: no keys (key routes answer 401).
    #[arg(long, env = "IMAGE_KEYS_URL", hide_env_values = true)]
    pub keys_url: Option<String>,
    /// PEM file of the CA that signed the Redis servers' certificates (`rediss://` for the
    /// cache and the keys), e.g. a managed provider's; unset: the system's roots.
    #[arg(long, env = "IMAGE_REDIS_CA_FILE")]
    pub redis_ca_file: Option<std::path::PathBuf>,
    /// Prefix of every Redis key.
    #[arg(long, env = "IMAGE_CACHE_PREFIX", default_value = "picsum:")]
    pub cache_prefix: String,
    /// Time to live of Redis entries, in seconds.
    #[arg(long, env = "IMAGE_CACHE_TTL_SECONDS", default_value_t = 7 * 24 * 3600)]
    pub cache_ttl_seconds: u64,
    /// Entries larger than this many bytes are not written to Redis.
    #[arg(long, env = "IMAGE_CACHE_MAX_ENTRY_BYTES", default_value_t = 16 << 20)]
    pub cache_max_entry_bytes: usize,
    /// Time limit of one Redis command, in milliseconds; past it the request goes on without Redis.
    #[arg(long, env = "IMAGE_CACHE_TIMEOUT_MS", default_value_t = 150)]
    pub cache_timeout_ms: u64,
    /// Largest source accepted, in width × height × pages (checked from the header).
    #[arg(long, env = "IMAGE_MAX_SOURCE_PIXELS", default_value_t = 100_000_000)]
    pub max_source_pixels: u64,
    /// Largest image a transformation may produce, in pixels (all frames counted).
    #[arg(long, env = "IMAGE_MAX_OUTPUT_PIXELS", default_value_t = 25_000_000)]
    pub max_output_pixels: u64,
    /// Pixel budget of one transformation: decoded sources and overlays and every step's
    /// image, summed (400 past it). About 4 bytes of memory each, for as long as the render
    /// runs.
    #[arg(long, env = "IMAGE_MAX_WORK_PIXELS", default_value_t = 40_000_000)]
    pub max_work_pixels: u64,
    /// Pixel budget of every transformation in flight together (503 with `Retry-After`
    /// past it): with the caches, what bounds the process's memory.
    #[arg(long, env = "IMAGE_MAX_INFLIGHT_PIXELS", default_value_t = 100_000_000)]
    pub max_inflight_pixels: u64,
    /// Bytes held outside renders, together: answers of 256 KiB and more waiting on their
    /// clients (a buffer shared by many answers counts once), upload bodies and remote
    /// sources being received. Past it, 503 with `Retry-After`.
    #[arg(long, env = "IMAGE_MAX_HELD_BYTES", default_value_t = 128 << 20)]
    pub max_held_bytes: u64,
    /// Most operations one transformation request may ask for (sub-operations counted).
    #[arg(long, env = "IMAGE_MAX_OPERATIONS", default_value_t = 10)]
    pub max_operations: usize,
    /// Most overlay images one transformation request may draw (watermarks, text, and each
    /// image of every `flat`, repeats counted).
    #[arg(long, env = "IMAGE_MAX_LAYERS", default_value_t = 16)]
    pub max_layers: usize,
    /// Largest source file read from storage, in bytes.
    #[arg(long, env = "IMAGE_MAX_SOURCE_BYTES", default_value_t = 64 << 20)]
    pub max_source_bytes: u64,
    /// Storage prefix under which `/get` and `/redirect` store derived images.
    #[arg(long, env = "IMAGE_DERIVED_PREFIX", default_value = "derived/")]
    pub derived_prefix: String,
    /// Most bytes the derived-image store may hold (`/get` and `/redirect` answer 507 past it).
    #[arg(long, env = "IMAGE_DERIVED_MAX_BYTES", default_value_t = 10 << 30)]
    pub derived_max_bytes: u64,
    /// Make pre-sized copies of large JPEG originals that have none (uploads, stores
    /// filled without `picsum import`) after their first render, in the derived store
    /// under its quota, so later renders decode a copy near their size.
    #[arg(long, env = "IMAGE_LADDERS", default_value_t = true, action = clap::ArgAction::Set)]
    pub ladders: bool,
    /// Public base URL of the derived images (`/redirect` targets `{base}/{prefix}{key}.{ext}`).
    #[arg(long, env = "IMAGE_DERIVED_BASE_URL")]
    pub derived_base_url: Option<String>,
    /// picfit's `shard.width`: derived file names are split into `depth` folders of this
    /// many characters of their key (0: not sharded).
    #[arg(long, env = "IMAGE_DERIVED_SHARD_WIDTH", default_value_t = 0)]
    pub derived_shard_width: u8,
    /// picfit's `shard.depth`: how many such folders.
    #[arg(long, env = "IMAGE_DERIVED_SHARD_DEPTH", default_value_t = 0)]
    pub derived_shard_depth: u8,
    /// picfit's `shard.restonly`: the file is named by the rest of the key (true) or the
    /// whole key (false).
    #[arg(long, env = "IMAGE_DERIVED_SHARD_RESTONLY", default_value_t = true, action = clap::ArgAction::Set)]
    pub derived_shard_rest_only: bool,
    /// Accept `POST /upload` (in the form of each dialect that takes uploads).
    #[arg(long, env = "IMAGE_UPLOADS", default_value_t = false, action = clap::ArgAction::Set)]
    pub uploads: bool,
    /// Accept `DELETE /{path}` (the original, its stored derivatives and cached copy).
    #[arg(long, env = "IMAGE_DELETES", default_value_t = false, action = clap::ArgAction::Set)]
    pub deletes: bool,
    /// How long a client may take to send an upload, in milliseconds (408 past it).
    #[arg(long, env = "IMAGE_UPLOAD_TIMEOUT_MS", default_value_t = 30_000)]
    pub upload_timeout_ms: u64,
    /// Largest upload, in bytes (413 above).
    #[arg(long, env = "IMAGE_UPLOAD_MAX_BYTES", default_value_t = 16 << 20)]
    pub upload_max_bytes: u64,
    /// Clients allowed to write (upload, delete, picfit's `/get` and `/redirect`) and read
    /// `/sys/health`: IPs or CIDRs, comma-separated. Empty: no one, unless
    /// `IMAGE_ALLOW_ANONYMOUS_WRITES`.
    #[arg(long, env = "IMAGE_ALLOWED_IPS", default_value = "")]
    pub allowed_ips: String,
    /// Proxies whose `X-Forwarded-For` is believed (IPs or CIDRs); from anyone else it is
    /// ignored. Empty: none.
    #[arg(long, env = "IMAGE_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Requests per minute per client address (429 above). 0: unlimited.
    #[arg(long, env = "IMAGE_RATE_LIMIT_PER_MINUTE", default_value_t = 0)]
    pub rate_limit_per_minute: u32,
    /// Serve `url=` sources (fetched with SSRF protection).
    #[arg(long, env = "IMAGE_REMOTE_SOURCES", default_value_t = true, action = clap::ArgAction::Set)]
    pub remote_sources: bool,
    /// Hosts `url=` may name, comma-separated (`example.com`, `*.example.com`). Empty: any
    /// public host.
    #[arg(long, env = "IMAGE_REMOTE_ALLOWED_HOSTS", default_value = "")]
    pub remote_allowed_hosts: String,
    /// Hosts (`host` or `host:port`) that `url=` may reach on non-public addresses, such as
    /// an internal origin. Empty: none.
    #[arg(long, env = "IMAGE_REMOTE_PRIVATE_HOSTS", default_value = "")]
    pub remote_private_hosts: String,
    /// Largest remote source, in bytes.
    #[arg(long, env = "IMAGE_REMOTE_MAX_BYTES", default_value_t = 32 << 20)]
    pub remote_max_bytes: u64,
    /// Time limit of one remote fetch (redirects included), in milliseconds.
    #[arg(long, env = "IMAGE_REMOTE_TIMEOUT_MS", default_value_t = 10_000)]
    pub remote_timeout_ms: u64,
    /// How long a fetched `url=` source (and what is rendered from it) is reused before it
    /// is fetched again, in seconds; 0 keeps it for the cache's lifetime.
    #[arg(long, env = "IMAGE_REMOTE_REFRESH_SECONDS", default_value_t = 3600)]
    pub remote_refresh_seconds: u64,
    /// URL dialects to serve, comma-separated: `picsum` (the signed `/id/…` route), `picfit`
    /// (`/display`, `/get`, `/redirect`), `pixlserv` (`/image/…`). A dialect left out
    /// answers 404.
    #[arg(long, env = "IMAGE_DIALECTS", default_value = "picsum", value_parser = crate::dialects::Enabled::parse)]
    pub dialects: crate::dialects::Enabled,
    /// Start even though an enabled dialect renders without protection (picfit without
    /// `IMAGE_PICFIT_SECRET_KEY`, pixlserv without `IMAGE_AUTH_GET`): logged as a warning at
    /// start and listed under `"open"` in `/health`.
    #[arg(long, env = "IMAGE_ALLOW_UNSIGNED", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_unsigned: bool,
    /// With no `IMAGE_ALLOWED_IPS`, let anyone write (uploads, deletes, picfit's `/get` and
    /// `/redirect`, which store): logged as a warning and listed in `/health`.
    #[arg(long, env = "IMAGE_ALLOW_ANONYMOUS_WRITES", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_anonymous_writes: bool,
    /// Each dialect's settings (`crate::dialects`).
    #[command(flatten)]
    pub dialect: crate::dialects::Settings,
    /// Each client's fair share (`IMAGE_CLIENT_*`, `crate::fairness`).
    #[command(flatten)]
    pub fair: crate::fairness::FairConfig,
    /// Log filter: `debug`, `info`, `warn`, `error`, or a `tracing` directive list.
    #[arg(long, env = "IMAGE_LOG_LEVEL", default_value = "info")]
    pub log_level: String,
}

impl ImageConfig {
    /// The shared Redis tier these settings name, if any.
    ///
    /// # Errors
    /// An invalid cache URL.
    pub fn redis(&self) -> Result<Option<picsum_cache::RedisTier>, picsum_cache::CacheError> {
        self.cache_url
            .as_ref()
            .filter(|url| !url.is_empty())
            .map(|url| {
                picsum_cache::RedisTier::open(picsum_cache::RedisSettings {
                    url: url.clone(),
                    prefix: self.cache_prefix.clone(),
                    ttl: std::time::Duration::from_secs(self.cache_ttl_seconds),
                    max_entry_bytes: self.cache_max_entry_bytes,
                    timeout: std::time::Duration::from_millis(self.cache_timeout_ms),
                    ca: picsum_cache::read_ca(self.redis_ca_file.as_deref())?,
                })
            })
            .transpose()
    }

    /// The storage these settings name: the URL when given, else the folder.
    ///
    /// # Errors
    /// A bad URL or a missing folder.
    pub fn storage(&self) -> Result<picsum_storage::Storage, picsum_storage::StorageError> {
        match self.storage_url.as_ref().filter(|url| !url.is_empty()) {
            Some(url) => picsum_storage::Storage::from_url(url, self.max_source_bytes),
            None => picsum_storage::Storage::local(&self.storage_path, self.max_source_bytes),
        }
    }

    /// The API key store these settings name, if any.
    ///
    /// # Errors
    /// An invalid keys URL.
    pub fn keys(&self) -> Result<Option<picsum_guard::keys::ApiKeys>, picsum_cache::CacheError> {
        let Some(url) = self.keys_url.as_ref().filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let tier = picsum_cache::RedisTier::open(picsum_cache::RedisSettings {
            url: url.clone(),
            prefix: String::new(),
            ttl: std::time::Duration::from_secs(1),
            max_entry_bytes: 1 << 20,
            timeout: std::time::Duration::from_millis(self.cache_timeout_ms.max(500)),
            ca: picsum_cache::read_ca(self.redis_ca_file.as_deref())?,
        })?;
        Ok(Some(picsum_guard::keys::ApiKeys::new(
            std::sync::Arc::new(tier),
            picsum_guard::keys::KEYS_PREFIX,
        )))
    }

    /// Access settings.
    ///
    /// # Errors
    /// An entry of an address list that does not parse.
    pub fn access(&self) -> anyhow::Result<picsum_guard::access::Access> {
        use picsum_guard::access::{Access, parse_nets};
        use picsum_guard::ratelimit::RateLimiter;
        Ok(Access {
            trusted_proxies: parse_nets(&self.trusted_proxies).map_err(anyhow::Error::msg)?,
            allowed_ips: parse_nets(&self.allowed_ips).map_err(anyhow::Error::msg)?,
            limiter: (self.rate_limit_per_minute > 0)
                .then(|| RateLimiter::new(self.rate_limit_per_minute)),
        })
    }

    /// Remote-source settings.
    #[must_use]
    pub fn remote(&self) -> picsum_image_core::remote::RemoteSettings {
        let list = |s: &str| {
            s.split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect()
        };
        picsum_image_core::remote::RemoteSettings {
            enabled: self.remote_sources,
            allowed_hosts: list(&self.remote_allowed_hosts),
            private_hosts: list(&self.remote_private_hosts),
            max_bytes: self.remote_max_bytes,
            timeout: std::time::Duration::from_millis(self.remote_timeout_ms),
            refresh: std::time::Duration::from_secs(self.remote_refresh_seconds),
        }
    }

    /// Defaults and environment only (no command line), as `picsum dev` uses it.
    pub fn from_env() -> Result<Self, clap::Error> {
        <Self as clap::Parser>::try_parse_from(["picsum-image-service"])
    }
}
