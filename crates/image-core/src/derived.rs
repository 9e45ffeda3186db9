//! The store of derived images (a dialect that stores its renders writes them): each lives
//! at `{prefix}{md5(source)}/{shard(key)}.{ext}` in the storage, so that deleting a source
//! removes its derivatives with one prefix delete. The store has a byte quota: its usage is
//! counted from the storage at the first write and again whenever a write would pass the
//! quota (at most every [`RECOUNT`], so replicas and deletes are caught up with); past it,
//! writes are refused with 507 and nothing is stored. Requests may fill the quota only up to
//! its reserve: the rest is kept for the service's own work (ladders), so that clients
//! filling the store never stop it. A write that fits is then charged to its client's
//! write quota ([`crate::write_quota`]: 429 past it).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::StatusCode;
use md5::{Digest, Md5};
use picsum_imaging::model::Format;
use picsum_storage::Storage;

use crate::client::ClientId;
use crate::error::ServiceError;
use crate::write_quota::WriteQuota;

/// The shortest time between two counts of the store's usage.
pub const RECOUNT: Duration = Duration::from_secs(10);

/// Where derived images are stored and how they are named.
#[derive(Debug, Clone, Default)]
pub struct DerivedStore {
    prefix: String,
    shard: Shard,
    base_url: Option<String>,
    quota: u64,
    reserve: u64,
    usage: Arc<tokio::sync::Mutex<Usage>>,
}

/// The store's usage as last counted, plus what was written since.
#[derive(Debug, Default)]
struct Usage {
    bytes: u64,
    counted: Option<Instant>,
}

impl DerivedStore {
    /// A store under `prefix`, its files split by `shard`, published at `base_url`, holding
    /// at most `quota` bytes.
    #[must_use]
    pub fn new(prefix: String, shard: Shard, base_url: Option<String>, quota: u64) -> Self {
        Self {
            prefix,
            shard,
            base_url: base_url.filter(|u| !u.is_empty()),
            quota,
            reserve: 0,
            usage: Arc::default(),
        }
    }

    /// The same store with `reserve` bytes of its quota kept for the service's own work
    /// ([`ClientId::Background`]): requests may fill it only up to the quota less that.
    #[must_use]
    pub fn with_reserve(self, reserve: u64) -> Self {
        Self { reserve, ..self }
    }

    /// The bytes `client` may fill the store up to.
    #[must_use]
    pub fn limit_for(&self, client: &ClientId) -> u64 {
        match client {
            ClientId::Background => self.quota,
            _ => self.quota.saturating_sub(self.reserve),
        }
    }

    /// The storage prefix every derived image lives under.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The folder of a source's derivatives: `{prefix}{md5(source)}`.
    #[must_use]
    pub fn folder(&self, source_key: &str) -> String {
        format!(
            "{}{}",
            self.prefix,
            hex::encode(Md5::digest(source_key.as_bytes()))
        )
    }

    /// Where the derivative `key` of `source_key` is stored in `format`.
    #[must_use]
    pub fn path(&self, source_key: &str, key: &str, format: Format) -> String {
        format!(
            "{}/{}.{}",
            self.folder(source_key),
            self.shard.apply(key),
            format.extension()
        )
    }

    /// The public URL of a stored path, when a base URL is configured.
    #[must_use]
    pub fn url(&self, path: &str) -> Option<String> {
        self.base_url
            .as_ref()
            .map(|base| format!("{}/{path}", base.trim_end_matches('/')))
    }

    /// Writes `bytes` at `path` unless something is stored there already (or `overwrite`),
    /// charged to the current request's client.
    ///
    /// # Errors
    /// 507 when the store is full (for requests: up to its reserve); 429 when the client's
    /// write quota cannot take them; storage failures.
    pub async fn store(
        &self,
        storage: &Storage,
        writes: &WriteQuota,
        path: &str,
        bytes: Bytes,
        overwrite: bool,
    ) -> Result<(), ServiceError> {
        if overwrite || !storage.exists(path).await? {
            let len = bytes.len() as u64;
            // A full store is everyone's 507; only then the client's own share (429).
            self.admit(storage, len).await?;
            if let Err(e) = writes.charge_current(len) {
                self.release(len).await;
                return Err(e);
            }
            if let Err(e) = storage.put(path, bytes).await {
                writes.refund_current(len);
                return Err(e.into());
            }
        }
        Ok(())
    }

    /// Counts `bytes` about to be written against the quota (the current client's part of
    /// it, [`Self::limit_for`]).
    async fn admit(&self, storage: &Storage, bytes: u64) -> Result<(), ServiceError> {
        let client = crate::client::current();
        let mut usage = self.usage.lock().await;
        let fits = |u: &Usage| self.fits(u.bytes, bytes, &client).is_ok();
        let stale = usage.counted.is_none_or(|at| at.elapsed() >= RECOUNT);
        if usage.counted.is_none() || (!fits(&usage) && stale) {
            let folder = self.prefix.trim_end_matches('/');
            usage.bytes = storage.usage(folder).await?;
            usage.counted = Some(Instant::now());
            metrics::gauge!("picsum_derived_bytes").set(usage.bytes as f64);
        }
        if let Err(refused) = self.fits(usage.bytes, bytes, &client) {
            metrics::counter!("picsum_derived_refusals_total").increment(1);
            return Err(refused);
        }
        usage.bytes += bytes;
        metrics::gauge!("picsum_derived_bytes").set(usage.bytes as f64);
        Ok(())
    }

    /// Takes back `bytes` admitted but not written.
    async fn release(&self, bytes: u64) {
        let mut usage = self.usage.lock().await;
        usage.bytes = usage.bytes.saturating_sub(bytes);
    }

    /// Whether `bytes` more fit a store holding `used`, written for `client`.
    ///
    /// # Errors
    /// 507, naming the setting that limits it.
    fn fits(&self, used: u64, bytes: u64, client: &ClientId) -> Result<(), ServiceError> {
        let limit = self.limit_for(client);
        if used.saturating_add(bytes) <= limit {
            return Ok(());
        }
        let setting = if limit < self.quota {
            "IMAGE_DERIVED_MAX_BYTES less IMAGE_LADDER_RESERVE_BYTES, kept for ladders"
        } else {
            "IMAGE_DERIVED_MAX_BYTES"
        };
        Err(ServiceError::Refused {
            status: StatusCode::INSUFFICIENT_STORAGE,
            message: format!(
                "the derived-image store is full ({used} of {limit} bytes, {setting})"
            ),
        })
    }

    /// Forgets the counted usage (after deletes): the next write counts it again.
    pub async fn recount(&self) {
        self.usage.lock().await.counted = None;
    }

    /// Removes the derivative `key` of `source_key` in whichever formats it was stored;
    /// returns how many files went.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn delete(
        &self,
        storage: &Storage,
        source_key: &str,
        key: &str,
    ) -> Result<usize, ServiceError> {
        let mut deleted = 0;
        for format in Format::ALL {
            let path = self.path(source_key, key, format);
            if storage.exists(&path).await? {
                storage.delete(&path).await?;
                deleted += 1;
            }
        }
        self.recount().await;
        Ok(deleted)
    }
}

/// How derived file names are split into folders (the `shard` settings): a derived file's
/// name is its key split into `depth` folders of `width` characters, then the rest of the
/// key (or all of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shard {
    width: usize,
    depth: usize,
    rest_only: bool,
}

impl Shard {
    /// Checked settings: the folders must leave part of the 32-character key.
    ///
    /// # Errors
    /// `width × depth` of 32 or more.
    pub fn new(width: u8, depth: u8, rest_only: bool) -> anyhow::Result<Self> {
        let (width, depth) = (usize::from(width), usize::from(depth));
        anyhow::ensure!(
            width * depth < 32,
            "shard width x depth must be below 32 (the key's length), not {width} x {depth}"
        );
        Ok(Self {
            width,
            depth,
            rest_only,
        })
    }

    /// The path of `key` (ASCII hex), without extension: `Shard("1234567890", 1, 2)` is
    /// `1/2/34567890`, or `1/2/1234567890` when not rest-only.
    #[must_use]
    pub fn apply(&self, key: &str) -> String {
        let split = (self.width * self.depth).min(key.len());
        let mut parts: Vec<&str> = (0..self.depth)
            .filter_map(|i| key.get(i * self.width..(i + 1) * self.width))
            .filter(|p| !p.is_empty())
            .collect();
        parts.push(if self.rest_only {
            key.get(split..).unwrap_or_default()
        } else {
            key
        });
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_key_into_folders() {
        let key = "895b545d9dca01413aec42d6ae3c6197";
        let cases = [
            ((0, 0, true), key.to_owned()),
            ((1, 2, true), format!("8/9/{}", &key[2..])),
            ((2, 3, true), format!("89/5b/54/{}", &key[6..])),
            ((1, 2, false), format!("8/9/{key}")),
        ];
        for ((w, d, rest), want) in cases {
            assert_eq!(
                Shard::new(w, d, rest).unwrap().apply(key),
                want,
                "{w} {d} {rest}"
            );
        }
        assert_eq!(
            Shard::new(1, 2, true).unwrap().apply("1234567890"),
            "1/2/34567890"
        );
        assert!(Shard::new(4, 8, true).is_err());
        assert!(Shard::new(31, 1, true).is_ok());
    }

    #[test]
    fn requests_fill_the_store_up_to_its_reserve_and_ladders_use_the_rest() {
        let store =
            DerivedStore::new("derived/".into(), Shard::default(), None, 1000).with_reserve(100);
        let client = ClientId::addr(std::net::IpAddr::from([192, 0, 2, 1]));
        let key = ClientId::key("k");
        assert_eq!(store.limit_for(&client), 900);
        assert_eq!(store.limit_for(&key), 900);
        assert_eq!(store.limit_for(&ClientId::Background), 1000);
        assert!(store.fits(800, 100, &client).is_ok());
        let refused = store.fits(800, 101, &client).unwrap_err();
        assert_eq!(refused.status(), StatusCode::INSUFFICIENT_STORAGE);
        assert!(
            refused.to_string().contains("IMAGE_LADDER_RESERVE_BYTES"),
            "{refused}"
        );
        assert!(store.fits(900, 100, &ClientId::Background).is_ok());
        let full = store.fits(900, 101, &ClientId::Background).unwrap_err();
        assert!(!full.to_string().contains("RESERVE"), "{full}");
        // Without a reserve, requests may fill it all; a reserve past the quota leaves
        // them nothing.
        let plain = DerivedStore::new("d/".into(), Shard::default(), None, 1000);
        assert!(plain.fits(0, 1000, &client).is_ok());
        assert_eq!(plain.clone().with_reserve(5000).limit_for(&client), 0);
    }
}
