//! Where a request's pixels come from: originals in storage (opened once per request by
//! [`open`], the one preamble of every dialect) and remote `url=` sources, each through
//! the source cache (memory, Redis, single-flight), the originals' modification times, and
//! the overlay images a pipeline draws.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use md5::{Digest, Md5};
use picsum_imaging::model::Layers;
use picsum_imaging::model::{Fit, Op, Output, Pipeline, Rounding, Size};
use tracing::Instrument;

use crate::Core;
use crate::error::ServiceError;
use crate::ladders::Original;

/// An original in storage, opened: which version of it there is and when it was written.
/// Render keys and entity tags carry the version, so a source replaced under the same name
/// is rendered again and never revalidates as unchanged. The bytes are loaded on demand
/// ([`Opened::load`]): a render-cache hit never reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// Its key and version.
    pub original: Original,
    /// When it was written, to the second, when known.
    pub modified: Option<SystemTime>,
}

impl Opened {
    /// Names this version of the original in render keys: `{key}@{version}`.
    #[must_use]
    pub fn render_key(&self) -> String {
        format!("{}@{}", self.original.key, self.original.version)
    }

    /// The entity tag of `what` (a dialect's name for the derivative) made from this
    /// version: hex MD5 of `{what}\n{version}`.
    #[must_use]
    pub fn tag(&self, what: &str) -> String {
        hex::encode(Md5::digest(format!("{what}\n{}", self.original.version)))
    }

    /// The original's bytes, through the source cache.
    ///
    /// # Errors
    /// Missing (404) or unreadable (503) originals.
    pub async fn load(&self, core: &Core) -> Result<Bytes, ServiceError> {
        load(core, &self.original.key).await
    }
}

/// Opens the original at `key`: its version and modification time ([`stat`]).
///
/// # Errors
/// Missing (404) or unreadable (503) originals.
pub async fn open(core: &Core, key: &str) -> Result<Opened, ServiceError> {
    let stat = stat(core, key).await?;
    Ok(Opened {
        original: Original {
            key: key.to_owned(),
            version: stat.version,
        },
        modified: stat.modified,
    })
}

/// Loads a source from storage through the source cache.
///
/// # Errors
/// Missing (404) or unreadable (503) sources.
pub async fn load(core: &Core, key: &str) -> Result<Bytes, ServiceError> {
    let load = || {
        let span = tracing::info_span!("source.fetch", "picsum.source" = key);
        async { core.storage.get(key).await.map_err(ServiceError::from) }.instrument(span)
    };
    let (bytes, _) = core
        .sources
        .get_or_else(&format!("src:{key}"), load)
        .await?;
    Ok(bytes)
}

/// What the store says of an original: when it was written, and a version that changes
/// with every write (render keys and entity tags carry it, so a source replaced under the
/// same name never serves or revalidates an old render).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// When it was written, to the second, when known.
    pub modified: Option<SystemTime>,
    /// Changes with every write.
    pub version: String,
}

/// The [`Stat`] of the original at `key`, through the source cache (one storage `HEAD`
/// per key and cache lifetime; a delete drops it on every replica).
///
/// # Errors
/// Missing (404) or unreadable (503) originals.
pub async fn stat(core: &Core, key: &str) -> Result<Stat, ServiceError> {
    let head = || async {
        let stat = core.storage.stat(key).await.map_err(ServiceError::from)?;
        let secs = stat
            .modified
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        Ok::<_, ServiceError>(Bytes::from(format!("{secs}\n{}", stat.version)))
    };
    let (bytes, _) = core.sources.get_or_else(&stat_key(key), head).await?;
    let text = std::str::from_utf8(&bytes).unwrap_or_default();
    let (secs, version) = text.split_once('\n').unwrap_or(("0", text));
    let secs = secs.parse::<u64>().unwrap_or(0);
    Ok(Stat {
        modified: (secs > 0).then(|| UNIX_EPOCH + Duration::from_secs(secs)),
        version: version.to_owned(),
    })
}

/// The source-cache key of an original's [`Stat`].
#[must_use]
pub fn stat_key(key: &str) -> String {
    format!("stat:{key}")
}

/// When the original at `key` was last written; `None` when unknown or when storage fails:
/// it only feeds `Last-Modified`, never an error.
pub async fn modified(core: &Core, key: &str) -> Option<SystemTime> {
    stat(core, key).await.ok()?.modified
}

/// Loads the overlay images `pipeline` draws, through the source cache. A missing `flat`
/// image is the request's fault (404); a missing watermark is the configuration's (500);
/// a missing retina variant falls back to the enlarged watermark.
///
/// # Errors
/// As above, and 503 for storage outages.
pub async fn load_layers(core: &Core, pipeline: &Pipeline) -> Result<Layers, ServiceError> {
    let mut layers = Layers::new();
    for op in &pipeline.ops {
        match op {
            Op::Watermark(wm) => {
                if let Some(retina) = &wm.retina {
                    match load(core, retina).await {
                        Ok(bytes) => {
                            layers.insert(retina.clone(), bytes);
                        }
                        Err(ServiceError::ImageNotFound) => {}
                        Err(e) => return Err(e),
                    }
                }
                let bytes = load(core, &wm.source).await.map_err(|e| match e {
                    ServiceError::ImageNotFound => ServiceError::Internal(format!(
                        "watermark {} is not in the storage",
                        wm.source
                    )),
                    e => e,
                })?;
                layers.insert(wm.source.clone(), bytes);
            }
            Op::Flat(flat) => {
                for key in &flat.layers {
                    if !layers.contains_key(key) {
                        layers.insert(key.clone(), load(core, key).await?);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(layers)
}

/// Fetches a remote source (`url=`) through the source cache, once per refresh period
/// (`generation`, from [`crate::remote::Fetcher::generation`]).
///
/// # Errors
/// [`crate::remote::RemoteError`] as a 4xx (or 502/504 for origin failures).
pub async fn load_remote(core: &Core, url: &str, generation: u64) -> Result<Bytes, ServiceError> {
    let fetch = async {
        // The body counts against the process's held bytes until it is in the cache.
        let mut hold = core.memory.reserve(0)?;
        core.remote
            .fetch(url, &mut hold)
            .await
            .map_err(ServiceError::Remote)
    };
    // The host only: a URL's path and query may carry tokens.
    let host = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let fetch = fetch.instrument(tracing::info_span!("source.fetch", "server.address" = host));
    let (bytes, _) = core
        .sources
        .get_or_load(&format!("src:url:{generation}:{url}"), fetch)
        .await?;
    Ok(bytes)
}

/// Decodes the whole image (into a small thumbnail) on the render pool: truncated data,
/// decompression bombs (every frame of an animation counted) and bytes that are no image
/// are refused (422), before anything is stored or relayed.
///
/// # Errors
/// 422 for such sources, 503 when the pool is full.
pub async fn verify(core: &Core, bytes: Bytes) -> Result<(), ServiceError> {
    let limits = core.limits;
    let check = Pipeline {
        ops: vec![Op::Fit(Fit {
            size: Size {
                width: Some(64),
                height: Some(64),
            },
            upscale: false,
            rounding: Rounding::Nearest,
        })],
        // The source's own format: an animation is checked frame by frame.
        output: Output {
            format: None,
            quality: Some(50),
        },
    };
    core.pool
        .run(move || picsum_imaging::process(&bytes, &check, limits))
        .await??;
    Ok(())
}
