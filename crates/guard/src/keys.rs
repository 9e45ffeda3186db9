//! API keys with `get` and `upload` permissions, stored in Redis in pixlserv's layout, so
//! keys made by pixlserv's CLI keep working: set `api-keys`, hash `key:{k}` with field
//! `secret`, set `key:{k}:permissions` ⊆ {get, upload}. Looked up per request (no stale
//! copies after `picsum api-key modify`).

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
}

impl ApiKeys {
    /// Keys in this Redis.
    #[must_use]
    pub const fn new(redis: Arc<RedisTier>) -> Self {
        Self { redis }
    }

    /// A new key with both permissions: `(key, secret)`, 32 lowercase hex digits each.
    ///
    /// # Errors
    /// Redis unavailable, or no randomness from the OS.
    pub async fn add(&self) -> Result<(String, String), KeyError> {
        let key = random_hex()?;
        self.redis
            .query::<i64>(cmd("SADD").arg("api-keys").arg(&key))
            .await?;
        let secret = self.new_secret(&key).await?;
        self.redis
            .query::<i64>(
                cmd("SADD")
                    .arg(format!("key:{key}:permissions"))
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
        let mut keys: Vec<String> = self.redis.query(cmd("SMEMBERS").arg("api-keys")).await?;
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
        member.arg("api-keys").arg(key);
        hget.arg(format!("key:{key}")).arg("secret");
        smembers.arg(format!("key:{key}:permissions"));
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
                    .arg(format!("key:{key}:permissions"))
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
                    .arg(format!("key:{key}"))
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
            .query(cmd("SREM").arg("api-keys").arg(key))
            .await?;
        self.redis
            .query::<i64>(
                cmd("DEL")
                    .arg(format!("key:{key}"))
                    .arg(format!("key:{key}:permissions")),
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
