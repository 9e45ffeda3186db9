//! [`Guard`], everything the guard decides with, and its admission questions: may this
//! client write, may this API key read or upload, does this transformation fit its budget.
//! [`Auth`] says which requests need an API key.

use std::net::SocketAddr;

use http::header::HeaderMap;
use picsum_imaging::model::Pipeline;

use crate::access::Access;
use crate::budget;
use crate::error::GuardError;
use crate::keys::{ApiKeys, Permission};

/// Everything the guard decides with.
#[derive(Debug, Default)]
pub struct Guard {
    /// Client addresses, write allowlist, rate limit.
    pub access: Access,
    /// API keys (in the Redis of `IMAGE_CACHE_URL`), when configured.
    pub keys: Option<ApiKeys>,
    /// Whether requests without an API key are refused.
    pub auth: Auth,
    /// `IMAGE_ALLOW_ANONYMOUS_WRITES`: without an address allowlist, anyone may write.
    pub anonymous_writes: bool,
    /// What one transformation may ask for.
    pub budget: budget::Budget,
}

/// pixlserv's `authorisation`: whether requests without an API key are refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct Auth {
    /// Image requests that can carry a key (pixlserv's dialect) need one with `get`.
    pub get: bool,
    /// Uploads need a key with `upload` (and a signature).
    pub upload: bool,
}

impl Guard {
    /// Whether the client of a request from `peer` may write without an API key (uploads,
    /// deletes, picfit's `/get` and `/redirect`, which store) or read operator figures:
    /// only addresses on `IMAGE_ALLOWED_IPS`; with no list, no one unless anonymous writes
    /// were opted into.
    ///
    /// # Errors
    /// [`GuardError::Restricted`] otherwise.
    pub fn admit_write(
        &self,
        headers: &HeaderMap,
        peer: Option<SocketAddr>,
    ) -> Result<(), GuardError> {
        let allowed = if self.access.allowed_ips.is_empty() {
            self.anonymous_writes
        } else {
            self.access.allows_writes(headers, peer)
        };
        if allowed {
            Ok(())
        } else {
            Err(GuardError::Restricted)
        }
    }

    /// Whether the client may try a write that carries an API key (the key is checked
    /// next, by [`Guard::admit_upload`]): an address allowlist, when there is one, applies
    /// to every write.
    ///
    /// # Errors
    /// [`GuardError::Restricted`] outside a configured `IMAGE_ALLOWED_IPS`.
    pub fn admit_keyed_write(
        &self,
        headers: &HeaderMap,
        peer: Option<SocketAddr>,
    ) -> Result<(), GuardError> {
        if self.access.allowed_ips.is_empty() || self.access.allows_writes(headers, peer) {
            Ok(())
        } else {
            Err(GuardError::Restricted)
        }
    }

    /// What a transformation will cost, before any work: operations and overlay images.
    ///
    /// # Errors
    /// [`GuardError::OverBudget`], naming what is over.
    pub fn admit_cost(&self, pipeline: &Pipeline) -> Result<(), GuardError> {
        self.budget
            .refusal(pipeline)
            .map_or(Ok(()), |why| Err(GuardError::OverBudget(why)))
    }

    /// An image request that may carry an API key: the key must have `get`; without one,
    /// only when `IMAGE_AUTH_GET` is off.
    ///
    /// # Errors
    /// 401 for a missing or insufficient key, 503 when the key store is down.
    pub async fn admit_image(&self, api_key: Option<&str>) -> Result<(), GuardError> {
        match api_key {
            Some(key) => self.require(key, Permission::Get).await.map(drop),
            None if self.auth.get => Err(GuardError::ApiKeyInvalid),
            None => Ok(()),
        }
    }

    /// An upload that may carry an API key: the key must have `upload`, and its secret
    /// (returned) signs the upload; without one, only when `IMAGE_AUTH_UPLOAD` is off.
    ///
    /// # Errors
    /// 401 for a missing or insufficient key, 503 when the key store is down.
    pub async fn admit_upload(&self, api_key: Option<&str>) -> Result<Option<String>, GuardError> {
        match api_key {
            Some(key) => self.require(key, Permission::Upload).await.map(Some),
            None if self.auth.upload => Err(GuardError::ApiKeyInvalid),
            None => Ok(None),
        }
    }

    /// The secret of `key` when the store knows it and it has `permission`.
    async fn require(&self, key: &str, permission: Permission) -> Result<String, GuardError> {
        let keys = self.keys.as_ref().ok_or(GuardError::ApiKeyInvalid)?;
        match keys.lookup(key).await {
            Ok(Some(info)) if info.permissions.contains(&permission) => {
                picsum_image_core::client::admitted_key(key);
                Ok(info.secret)
            }
            Ok(_) => Err(GuardError::ApiKeyInvalid),
            Err(e) => Err(GuardError::KeyStoreUnavailable(e.to_string())),
        }
    }
}
