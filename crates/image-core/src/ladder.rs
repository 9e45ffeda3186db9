//! Pre-sized copies of originals that have none (uploads, stores filled without
//! `picsum import`): after a render had to decode a large JPEG original for a much smaller
//! output, its ladder of copies ([`picsum_imaging::ladder`]) is made on the pool, off the
//! request path (one ladder at a time, and only while the pool's queue is less than half
//! full), and kept in the derived store; later renders start from the smallest copy that
//! covers them ([`pick`]).
//!
//! A ladder lives at `{derived folder of the original}/ladder/{version hash}/`: its rungs as
//! `{w}x{h}.jpg` and, written last, an `index` naming them. The original's version is in the
//! path, so a replaced original never renders from its predecessor's copies, and deleting
//! the original deletes its ladders with the rest of its derivatives. Rungs count against
//! the derived store's quota; a ladder that does not fit is not made. The index goes
//! through the source cache (an empty entry means "none yet"), and a finished ladder drops
//! that entry on every replica.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use bytes::Bytes;
use md5::{Digest, Md5};
use picsum_imaging::ladder::{Ladder, first_scale};
use picsum_imaging::model::Pipeline;
use picsum_storage::StorageError;

use crate::Core;
use crate::error::ServiceError;
pub use crate::ladders::{Index, Original};

/// Where the ladder of `original` lives (ends with `/`): its rungs are `{w}x{h}.jpg` there.
#[must_use]
pub fn folder(core: &Core, original: &Original) -> String {
    let version = hex::encode(Md5::digest(original.version.as_bytes()));
    format!(
        "{}/ladder/{}/",
        core.derived.folder(&original.key),
        &version[..16]
    )
}

fn cache_key(original: &Original) -> String {
    format!("ladder:{}@{}", original.key, original.version)
}

/// The index of `original`'s ladder, `None` when it has none (yet) or it cannot be read.
pub async fn index(core: &Core, original: &Original) -> Option<Index> {
    if !core.ladders.enabled {
        return None;
    }
    let path = format!("{}index", folder(core, original));
    let load = async {
        match core.storage.get(&path).await {
            Ok(bytes) => Ok(bytes),
            Err(StorageError::NotFound(_)) => Ok(Bytes::new()),
            Err(e) => Err(e),
        }
    };
    match core.sources.get_or_load(&cache_key(original), load).await {
        Ok((text, _)) => Index::parse(&text),
        Err(e) => {
            tracing::debug!(key = original.key, error = %e, "ladder index unreadable");
            None
        }
    }
}

/// The smallest rung of `original`'s ladder that `fits` accepts (given its size), loaded
/// through the source cache; `None` when there is no ladder or no rung fits, and when a
/// rung cannot be read (the original serves instead).
pub async fn pick(
    core: &Core,
    original: &Original,
    fits: impl Fn(&Index, (u32, u32)) -> bool,
) -> Option<Bytes> {
    let index = index(core, original).await?;
    let (w, h) = *index.rungs.iter().rev().find(|&&size| fits(&index, size))?;
    let path = format!("{}{w}x{h}.jpg", folder(core, original));
    match crate::source::load(core, &path).await {
        Ok(bytes) => {
            metrics::counter!("picsum_ladder_renders_total").increment(1);
            Some(bytes)
        }
        Err(e) => {
            tracing::warn!(path, error = %e, "ladder rung unreadable; rendering the original");
            None
        }
    }
}

/// The rung to run `pipeline` on instead of the original `source`: the smallest whose
/// first scaling is the same as the original's and needs no enlarging. `None` when the
/// pipeline does not start by scaling well down, or there is no such rung (yet).
pub async fn pick_for(
    core: &Core,
    original: &Original,
    source: &Bytes,
    pipeline: &Pipeline,
) -> Option<Bytes> {
    worth_for(source, pipeline)?;
    let fits = |index: &Index, rung: (u32, u32)| {
        let target = first_scale(pipeline, index.original);
        target.is_some_and(|(w, h)| {
            w <= rung.0 && h <= rung.1 && first_scale(pipeline, rung) == target
        })
    };
    pick(core, original, fits).await
}

/// The longest side `pipeline` first scales `source` to, read from its header without
/// libvips (orientation aside), when a ladder would help.
pub fn worth_for(source: &Bytes, pipeline: &Pipeline) -> Option<u32> {
    let dims = picsum_imaging::jpeg_dimensions(source)?;
    let (w, h) = first_scale(pipeline, dims)?;
    let needed = w.max(h);
    picsum_imaging::ladder::worth(source, needed).then_some(needed)
}

/// Called after a render decoded `source` (the original) for an output whose longest side
/// is `needed`: starts making its ladder when that is worth it and nobody here is at it.
pub fn after_original(core: &Arc<Core>, original: &Original, source: &Bytes, needed: u32) {
    if !core.ladders.enabled || !picsum_imaging::ladder::worth(source, needed) {
        return;
    }
    let key = cache_key(original);
    if !core.ladders.start(&key) {
        return;
    }
    // Busy (another ladder, or a queue half full): a later render of it tries again.
    if !core.pool.has_room() || core.ladders.making.swap(true, Ordering::AcqRel) {
        core.ladders.forget(&key);
        return;
    }
    let (core, original, source) = (Arc::clone(core), original.clone(), source.clone());
    tokio::spawn(async move {
        let made = make(&core, &original, source).await;
        core.ladders.making.store(false, Ordering::Release);
        match made {
            Ok(()) => {}
            // Passing trouble: a later render tries again.
            Err(e @ (ServiceError::Overloaded | ServiceError::StorageUnavailable(_))) => {
                tracing::debug!(key = original.key, error = %e, "ladder postponed");
                core.ladders.forget(&key);
            }
            // A full store or a refused source: not again until the process restarts.
            Err(e) => tracing::warn!(key = original.key, error = %e, "ladder not made"),
        }
    });
}

/// Makes the ladder on the pool, stores its rungs and then its index, and drops the "none
/// yet" entries.
async fn make(core: &Core, original: &Original, source: Bytes) -> Result<(), ServiceError> {
    if index(core, original).await.is_some() {
        return Ok(()); // made before (by this process or another replica)
    }
    let started = Instant::now();
    let limits = core.limits;
    let ladder: Ladder = core
        .pool
        .run(move || picsum_imaging::ladder::build(&source, limits))
        .await??;
    let folder = folder(core, original);
    let index = Index {
        original: (ladder.width, ladder.height),
        rungs: ladder.rungs.iter().map(|r| (r.width, r.height)).collect(),
    };
    let mut bytes = 0;
    for rung in ladder.rungs {
        let path = format!("{folder}{}x{}.jpg", rung.width, rung.height);
        bytes += rung.bytes.len();
        core.derived
            .store(
                &core.storage,
                &core.writes,
                &path,
                Bytes::from(rung.bytes),
                true,
            )
            .await?;
    }
    core.derived
        .store(
            &core.storage,
            &core.writes,
            &format!("{folder}index"),
            index.to_text().into(),
            true,
        )
        .await?;
    if let Err(e) = core.sources.remove(&cache_key(original)).await {
        tracing::warn!(error = %e, "cache invalidation failed");
    }
    metrics::counter!("picsum_ladders_made_total").increment(1);
    tracing::info!(
        key = original.key,
        rungs = index.rungs.len(),
        bytes,
        seconds = started.elapsed().as_secs_f64(),
        "ladder made"
    );
    Ok(())
}
