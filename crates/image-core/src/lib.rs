//! The image service's core, shared by every URL dialect: where sources come from and how
//! they are loaded ([`source`], [`remote`], from public [`address`]es only), libvips work
//! on a bounded pool of threads ([`pool`]) shared fairly between the request's [`client`]s
//! ([`queue`], [`shares`]) at the [`cost`] each render is estimated at, rendering a
//! pipeline once per key ([`render`]), the one response policy for every route: format
//! negotiation, validators, ETag, 304 ([`respond`]), uploads with their hooks and deletes
//! ([`upload`], [`delete`]), the store of derived images ([`derived`]), pre-sized copies of
//! originals that have none ([`ladder`]), each client's share of the bytes written for it
//! ([`write_quota`]), and the one error enum with its one mapping to HTTP ([`error`]).
//!
//! The core knows no dialect: dialects parse their URLs into the imaging crate's model and
//! call in here. Who may ask is the guard's business, not the core's.

pub mod address;
pub mod client;
pub mod cost;
pub mod credits;
pub mod delete;
pub mod derived;
pub mod error;
pub mod ladder;
pub mod ladders;
pub mod memory;
pub mod pool;
pub mod queue;
pub mod remote;
pub mod render;
pub mod respond;
pub mod shares;
pub mod shed;
pub mod source;
pub mod upload;
pub mod upload_settings;
pub mod write_quota;

use std::sync::Arc;

use bytes::Bytes;
use picsum_cache::Cache;
use picsum_imaging::Limits;
use picsum_storage::Storage;

pub use error::ServiceError;

/// What every request shares, whatever its dialect.
pub struct Core {
    /// Where originals, uploads and derived images live.
    pub storage: Storage,
    /// Source photos: memory, then Redis when configured.
    pub sources: Cache,
    /// Rendered images: memory, then Redis when configured.
    pub renders: Cache,
    /// libvips workers.
    pub pool: pool::RenderPool,
    /// Number of libvips workers.
    pub workers: u16,
    /// Limits applied to sources.
    pub limits: Limits,
    /// What one render may cost.
    pub budget: cost::RequestBudget,
    /// Fetches `url=` sources.
    pub remote: remote::Fetcher,
    /// Upload and delete settings.
    pub uploads: upload_settings::UploadSettings,
    /// Where derived images are stored.
    pub derived: derived::DerivedStore,
    /// Bytes each client may have written per hour (derivatives and uploads).
    pub writes: write_quota::WriteQuota,
    /// Called after every stored upload (e.g. eager presets).
    pub hooks: Vec<Arc<dyn UploadHook>>,
    /// Bytes held outside renders: answers on slow connections, bodies in transit.
    pub memory: memory::MemoryBudget,
    /// Name what is stored with an original and goes when it goes (e.g. Picsum's
    /// pre-sized variants).
    pub companions: Vec<Arc<dyn Companions>>,
    /// Pre-sized copies of large originals, made after their first render.
    pub ladders: ladders::Ladders,
}

/// Names the objects stored with an original (a dialect's pre-sized variants, say) that a
/// delete of the original removes too, so nothing of a deleted photo is served again.
pub trait Companions: Send + Sync {
    /// Storage keys that go with the original at `key` (missing ones are skipped).
    fn of(&self, key: &str) -> Vec<String>;
}

/// Something to do after an upload was stored: registered by whoever needs it (a dialect's
/// eager presets), so the core never calls a dialect by name.
pub trait UploadHook: Send + Sync {
    /// Called once the original at `key` is stored; must not block (spawn instead).
    fn uploaded(&self, core: &Arc<Core>, key: &str, source: Bytes);
}
