//! API keys with `get` and `upload` permissions, in Redis in pixlserv's layout under a
//! prefix: set `{prefix}api-keys`, hash `{prefix}key:{k}` with field `secret`, set
//! `{prefix}key:{k}:permissions` ⊆ {get, upload}. The service keeps them in a Redis of their
//! own (`IMAGE_KEYS_URL`, never the cache's, whose eviction could drop them) under
//! [`KEYS_PREFIX`]; keys made by pixlserv's CLI are brought over by
//! [`ApiKeys::import_from`] (`picsum api-key import --from …`). Looked up per request (no
//! stale copies after `picsum api-key modify`).

use std::sync::Arc;

use picsum_cache::redis::cmd;
use picsum_cache::{CacheError, RedisTier};

/// Why a key could not be made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key store failed.
    #[error(transparent)]
    Store(#[from] CacheError),
    /// The operating system gave no randomness.
    #[error("the operating system's random generator failed: {0}")]
    Random(String),
}

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Fetch images.
    Get,
    /// Upload images.
    Upload,
}

impl Permission {
    /// `get` or `upload`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "get" => Some(Self::Get),
            "upload" => Some(Self::Upload),
            _ => None,
        }
    }

    const fn name(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Upload => "upload",
        }
    }
}

/// A key's secret and permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// Shared secret for upload signatures.
    pub secret: String,
    /// Granted permissions.
    pub permissions: Vec<Permission>,
}

/// The key store.
#[derive(Debug, Clone)]
pub struct ApiKeys {
    redis: Arc<RedisTier>,
    prefix: String,
}

/// The prefix of the service's own keys (pixlserv's layout has none).
pub const KEYS_PREFIX: &str = "picsum:keys:";

impl ApiKeys {
    /// Keys in this Redis, under `prefix` ([`KEYS_PREFIX`] for the service's own; empty for
    /// pixlserv's layout).
    #[must_use]
    pub fn new(redis: Arc<RedisTier>, prefix: &str) -> Self {
        Self {
            redis,
            prefix: prefix.to_owned(),
        }
    }

    fn set_name(&self) -> String {
        format!("{}api-keys", self.prefix)
    }

    fn hash_name(&self, key: &str) -> String {
        format!("{}key:{key}", self.prefix)
    }

    fn permissions_name(&self, key: &str) -> String {
        format!("{}key:{key}:permissions", self.prefix)
    }

    /// Copies every key of `source` (pixlserv's layout, say) with its secret and
    /// permissions; returns how many.
    ///
    /// # Errors
    /// Either Redis unavailable.
    pub async fn import_from(&self, source: &Self) -> Result<usize, CacheError> {
        let keys = source.list().await?;
        for key in &keys {
            let Some(info) = source.lookup(key).await? else {
                continue;
            };
            self.redis
                .query::<i64>(cmd("SADD").arg(self.set_name()).arg(key))
                .await?;
            self.redis
                .query::<i64>(
                    cmd("HSET")
                        .arg(self.hash_name(key))
                        .arg("secret")
                        .arg(&info.secret),
                )
                .await?;
            self.redis
                .query::<i64>(cmd("DEL").arg(self.permissions_name(key)))
                .await?;
            for permission in info.permissions {
                self.redis
                    .query::<i64>(
                        cmd("SADD")
                            .arg(self.permissions_name(key))
                            .arg(permission.name()),
                    )
                    .await?;
            }
        }
        Ok(keys.len())
    }

    /// A new key with both permissions: `(key, secret)`, 32 lowercase hex digits each.
    ///
    /// # Errors
    /// Redis unavailable, or no randomness from the OS.
    pub async fn add(&self) -> Result<(String, String), KeyError> {
        let key = random_hex()?;
        self.redis
            .query::<i64>(cmd("SADD").arg(self.set_name()).arg(&key))
            .await?;
        let secret = self.new_secret(&key).await?;
        self.redis
            .query::<i64>(
                cmd("SADD")
                    .arg(self.permissions_name(&key))
                    .arg("get")
                    .arg("upload"),
            )
            .await?;
        Ok((key, secret))
    }

    /// Every key, sorted.
    ///
    /// # Errors
    /// Redis unavailable.
    pub async fn list(&self) -> Result<Vec<String>, CacheError> {
        let mut keys: Vec<String> = self
            .redis
            .query(cmd("SMEMBERS").arg(self.set_name()))
            .await?;
        keys.sort();
        Ok(keys)
    }

    /// A key's secret and permissions; `None` for an unknown key.
    ///
    /// # Errors
    /// Redis unavailable.
    pub async fn lookup(&self, key: &str) -> Result<Option<KeyInfo>, CacheError> {
        // The three reads go out together on the multiplexed connection: one round trip
        // per request instead of three (pixlserv's keys live in three slots, so no MULTI).
        let (mut member, mut hget, mut smembers) = (cmd("SISMEMBER"), cmd("HGET"), cmd("SMEMBERS"));
        member.arg(self.set_name()).arg(key);
        hget.arg(self.hash_name(key)).arg("secret");
        smembers.arg(self.permissions_name(key));
        let (known, secret, mut names): (bool, Option<String>, Vec<String>) = tokio::try_join!(
            self.redis.query(&member),
            self.redis.query(&hget),
            self.redis.query(&smembers),
        )?;
        if !known {
            return Ok(None);
        }
        names.sort();
        Ok(Some(KeyInfo {
            secret: secret.unwrap_or_default(),
            permissions: names
                .iter()
                .filter_map(|n| Permission::from_name(n))
                .collect(),
        }))
    }

    /// Grants (`add`) or revokes a permission; `false` for an unknown key.
    ///
    /// # Errors
    /// Redis unavailable.
    pub async fn modify(
        &self,
        key: &str,
        add: bool,
        permission: Permission,
    ) -> Result<bool, CacheError> {
        if self.lookup(key).await?.is_none() {
            return Ok(false);
        }
        let op = if add { "SADD" } else { "SREM" };
        self.redis
            .query::<i64>(
                cmd(op)
                    .arg(self.permissions_name(key))
                    .arg(permission.name()),
            )
            .await?;
        Ok(true)
    }

    /// A new secret for a key; `None` for an unknown key.
    ///
    /// # Errors
    /// Redis unavailable, or no randomness from the OS.
    pub async fn generate_secret(&self, key: &str) -> Result<Option<String>, KeyError> {
        if self.lookup(key).await?.is_none() {
            return Ok(None);
        }
        Ok(Some(self.new_secret(key).await?))
    }

    /// Stores and returns a fresh secret for `key`.
    async fn new_secret(&self, key: &str) -> Result<String, KeyError> {
        let secret = random_hex()?;
        self.redis
            .query::<i64>(
                cmd("HSET")
                    .arg(self.hash_name(key))
                    .arg("secret")
                    .arg(&secret),
            )
            .await?;
        Ok(secret)
    }

    /// Removes a key with its secret and permissions (pixlserv leaves the secret behind);
    /// `false` for an unknown key.
    ///
    /// # Errors
    /// Redis unavailable.
    pub async fn remove(&self, key: &str) -> Result<bool, CacheError> {
        let removed: i64 = self
            .redis
            .query(cmd("SREM").arg(self.set_name()).arg(key))
            .await?;
        self.redis
            .query::<i64>(
                cmd("DEL")
                    .arg(self.hash_name(key))
                    .arg(self.permissions_name(key)),
            )
            .await?;
        Ok(removed > 0)
    }
}

/// 128 bits from the operating system's CSPRNG as 32 lowercase hex digits (the shape of
/// pixlserv's keys).
fn random_hex() -> Result<String, KeyError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// Permissions as pixlserv prints them: `[get upload]`.
#[must_use]
pub fn describe(permissions: &[Permission]) -> String {
    let names: Vec<&str> = permissions.iter().map(|p| p.name()).collect();
    format!("[{}]", names.join(" "))
}
