//! The shared tier: Redis or Redis Cluster, used strictly as a cache.
//!
//! Every command has a short time limit and every failure is reported to the caller as an
//! error to log and count, never to fail a request on. The connection is made lazily (the
//! service starts while Redis is down), at most one attempt per second while it is down, and
//! is kept by redis-rs' reconnecting managers afterwards.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use redis::aio::ConnectionManager;
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;

/// Errors of the Redis tier.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The cache URL is not one we understand.
    #[error(
        "invalid cache URL {0:?}: expected redis://, rediss://, redis+cluster:// or rediss+cluster://"
    )]
    InvalidUrl(String),
    /// Redis refused the settings.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// No connection right now (Redis down; retried later).
    #[error("redis unavailable")]
    Unavailable,
    /// A command ran past its time limit.
    #[error("redis command timed out")]
    Timeout,
    /// The CA file for `rediss://` cannot be read.
    #[error("cannot read the Redis CA file {0}")]
    CaFile(String),
}

/// Reads the PEM of the CA that signs the Redis servers' certificates, when one is named.
///
/// # Errors
/// [`CacheError::CaFile`] when the file cannot be read.
pub fn read_ca(path: Option<&std::path::Path>) -> Result<Option<Vec<u8>>, CacheError> {
    path.filter(|p| !p.as_os_str().is_empty())
        .map(|p| std::fs::read(p).map_err(|e| CacheError::CaFile(format!("{}: {e}", p.display()))))
        .transpose()
}

enum Target {
    Single(redis::Client),
    Cluster(ClusterClient),
}

#[derive(Clone)]
enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

/// Settings of the Redis tier.
#[derive(Debug, Clone, Default)]
pub struct RedisSettings {
    /// `redis://host:port[/db]`, `rediss://…`, or `redis+cluster://h1:p1,h2:p2,…`.
    pub url: String,
    /// Prefix of every key (e.g. `picsum:`), so several deployments can share a server.
    pub prefix: String,
    /// Time to live of every entry.
    pub ttl: Duration,
    /// Entries larger than this are not written to Redis.
    pub max_entry_bytes: usize,
    /// Time limit of one command.
    pub timeout: Duration,
    /// PEM of the CA that signed the server's certificate, for `rediss://` (a provider's
    /// own CA); `None`: the system's roots. The name and chain are always checked.
    pub ca: Option<Vec<u8>>,
}

/// Makes ring the process's rustls provider unless one was chosen (the binaries choose it
/// at start, `picsum_web::server::install_crypto_provider`); for other users of the tier.
fn ensure_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client of `url`, trusting `ca` for `rediss://` when given.
fn client(url: &str, ca: Option<&[u8]>) -> Result<redis::Client, redis::RedisError> {
    if url.starts_with("rediss://") {
        ensure_crypto_provider();
    }
    match ca {
        Some(ca) if url.starts_with("rediss://") => {
            redis::Client::build_with_tls(url, certificates(ca))
        }
        _ => redis::Client::open(url),
    }
}

fn certificates(ca: &[u8]) -> redis::TlsCertificates {
    redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(ca.to_vec()),
    }
}

/// A connection to Redis or a Redis Cluster.
pub struct RedisTier {
    target: Target,
    /// Where subscriptions go: the server, or the cluster's first node (a cluster delivers
    /// `PUBLISH` to subscribers on every node).
    subscriber: redis::Client,
    settings: RedisSettings,
    conn: tokio::sync::Mutex<Option<Conn>>,
    last_attempt: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RedisTier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTier")
            .field("prefix", &self.settings.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisTier {
    /// Parses the URL; connects on first use.
    ///
    /// # Errors
    /// [`CacheError::InvalidUrl`] or a URL redis-rs refuses.
    pub fn open(settings: RedisSettings) -> Result<Self, CacheError> {
        let url = settings.url.as_str();
        let (target, subscriber) = if let Some((scheme, nodes)) = url.split_once("+cluster://") {
            if scheme != "redis" && scheme != "rediss" {
                return Err(CacheError::InvalidUrl(url.to_owned()));
            }
            let nodes: Vec<String> = nodes
                .split(',')
                .filter(|n| !n.is_empty())
                .map(|n| format!("{scheme}://{n}"))
                .collect();
            if nodes.is_empty() {
                return Err(CacheError::InvalidUrl(url.to_owned()));
            }
            let first = client(
                nodes.first().map_or("", String::as_str),
                settings.ca.as_deref(),
            )?;
            let mut builder = ClusterClient::builder(nodes)
                .connection_timeout(settings.timeout.max(Duration::from_millis(500)))
                .response_timeout(settings.timeout)
                .retries(1);
            if let Some(ca) = &settings.ca {
                builder = builder.certs(certificates(ca));
            }
            (Target::Cluster(builder.build()?), first)
        } else if url.starts_with("redis://") || url.starts_with("rediss://") {
            let client = client(url, settings.ca.as_deref())?;
            (Target::Single(client.clone()), client)
        } else {
            return Err(CacheError::InvalidUrl(url.to_owned()));
        };
        Ok(Self {
            target,
            subscriber,
            settings,
            conn: tokio::sync::Mutex::new(None),
            last_attempt: Mutex::new(None),
        })
    }

    /// The full key of `key`.
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.settings.prefix)
    }

    async fn connection(&self) -> Result<Conn, CacheError> {
        let mut slot = self.conn.lock().await;
        if let Some(conn) = slot.as_ref() {
            return Ok(conn.clone());
        }
        {
            let mut last = self
                .last_attempt
                .lock()
                .map_err(|_| CacheError::Unavailable)?;
            if last.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
                return Err(CacheError::Unavailable);
            }
            *last = Some(Instant::now());
        }
        let connect_limit = self.settings.timeout.max(Duration::from_millis(500));
        let conn = match &self.target {
            Target::Single(client) => {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(connect_limit)
                    .set_response_timeout(self.settings.timeout)
                    .set_number_of_retries(1);
                let manager = tokio::time::timeout(
                    connect_limit,
                    ConnectionManager::new_with_config(client.clone(), config),
                )
                .await
                .map_err(|_| CacheError::Timeout)??;
                Conn::Single(manager)
            }
            Target::Cluster(client) => Conn::Cluster(
                tokio::time::timeout(connect_limit, client.get_async_connection())
                    .await
                    .map_err(|_| CacheError::Timeout)??,
            ),
        };
        *slot = Some(conn.clone());
        Ok(conn)
    }

    /// Runs one command as given (keys are not prefixed), under the command time limit.
    ///
    /// # Errors
    /// Unavailable, timeout or a Redis error.
    pub async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, CacheError> {
        self.run(cmd).await
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, CacheError> {
        let mut conn = self.connection().await?;
        let call = async {
            match &mut conn {
                Conn::Single(c) => cmd.query_async(c).await,
                Conn::Cluster(c) => cmd.query_async(c).await,
            }
        };
        Ok(tokio::time::timeout(self.settings.timeout, call)
            .await
            .map_err(|_| CacheError::Timeout)??)
    }

    /// `GET`.
    ///
    /// # Errors
    /// Unavailable, timeout or a Redis error.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, CacheError> {
        let value: Option<Vec<u8>> = self.run(redis::cmd("GET").arg(self.key(key))).await?;
        Ok(value.map(Bytes::from))
    }

    /// `SET … EX ttl`, skipped for entries over the size bound.
    ///
    /// # Errors
    /// Unavailable, timeout or a Redis error.
    pub async fn set(&self, key: &str, value: &[u8]) -> Result<(), CacheError> {
        if value.len() > self.settings.max_entry_bytes {
            return Ok(());
        }
        let ttl = self.settings.ttl.as_secs().max(1);
        self.run::<()>(
            redis::cmd("SET")
                .arg(self.key(key))
                .arg(value)
                .arg("EX")
                .arg(ttl),
        )
        .await
    }

    /// `DEL`.
    ///
    /// # Errors
    /// Unavailable, timeout or a Redis error.
    pub async fn del(&self, key: &str) -> Result<(), CacheError> {
        self.run::<i64>(redis::cmd("DEL").arg(self.key(key)))
            .await
            .map(|_| ())
    }

    /// `PUBLISH` on the prefixed `channel`.
    ///
    /// # Errors
    /// Unavailable, timeout or a Redis error.
    pub async fn publish(&self, channel: &str, message: &str) -> Result<(), CacheError> {
        self.run::<i64>(redis::cmd("PUBLISH").arg(self.key(channel)).arg(message))
            .await
            .map(|_| ())
    }

    /// Subscribes to the prefixed `channel` and calls `on_message` with every message, for
    /// ever: a lost connection is re-made after a second (messages published meanwhile are
    /// missed). Meant to be spawned.
    pub async fn listen(self: std::sync::Arc<Self>, channel: &str, on_message: impl Fn(&str)) {
        use futures::StreamExt as _;
        let channel = self.key(channel);
        let client = self.subscriber.clone();
        loop {
            let connect = tokio::time::timeout(
                self.settings.timeout.max(Duration::from_millis(500)),
                client.get_async_pubsub(),
            );
            match connect.await {
                Ok(Ok(mut pubsub)) => match pubsub.subscribe(&channel).await {
                    Ok(()) => {
                        tracing::debug!(channel, "listening for invalidations");
                        let mut messages = pubsub.on_message();
                        while let Some(message) = messages.next().await {
                            if let Ok(text) = message.get_payload::<String>() {
                                on_message(&text);
                            }
                        }
                        tracing::warn!(channel, "subscription lost; re-subscribing");
                    }
                    Err(e) => tracing::warn!(channel, error = %e, "subscribe failed"),
                },
                Ok(Err(e)) => tracing::debug!(channel, error = %e, "pub/sub connection failed"),
                Err(_) => tracing::debug!(channel, "pub/sub connection timed out"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// `PING`, for health checks.
    ///
    /// # Errors
    /// Unavailable, timeout or a Redis error.
    pub async fn ping(&self) -> Result<(), CacheError> {
        self.run::<String>(&redis::cmd("PING")).await.map(|_| ())
    }
}
