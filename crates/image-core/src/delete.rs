//! Deletes of originals: the original, every stored derivative of it and its cached copies.
//! Who may delete is decided by the guard first; a dialect may claim a path as naming one
//! derivative (a path form of its own) before [`original`] is asked.

use crate::Core;
use crate::error::{ServiceError, UploadError};

/// Whether deletes are switched on.
///
/// # Errors
/// 403 when they are off.
pub fn enabled(core: &Core) -> Result<(), ServiceError> {
    if core.uploads.deletes {
        Ok(())
    } else {
        Err(UploadError::Disabled("deletes").into())
    }
}

/// Removes the original at `path`, its stored derivatives and its cached copies.
///
/// # Errors
/// 400 for the empty path or one inside the derived store, 404 when nothing is stored
/// there, 503 when storage fails.
pub async fn original(core: &Core, path: &str) -> Result<(), ServiceError> {
    let bad = || ServiceError::Upload(UploadError::BadPath(path.to_owned()));
    if path.is_empty() || path.starts_with(core.derived.prefix()) {
        return Err(bad());
    }
    if !core.storage.exists(path).await.map_err(|_| bad())? {
        return Err(ServiceError::ImageNotFound);
    }
    core.storage.delete(path).await?;
    forget(core, path).await;
    let mut children = core
        .storage
        .delete_prefix(&core.derived.folder(path))
        .await?;
    core.derived.recount().await;
    for key in core.companions.iter().flat_map(|c| c.of(path)) {
        if core.storage.exists(&key).await? {
            core.storage.delete(&key).await?;
            forget(core, &key).await;
            children += 1;
        }
    }
    tracing::info!(path, children, "deleted");
    Ok(())
}

/// Drops the cached copy and the version of a deleted object on every replica (renders
/// are keyed by the version, so none of them is found again).
async fn forget(core: &Core, key: &str) {
    for cached in [format!("src:{key}"), crate::source::stat_key(key)] {
        if let Err(e) = core.sources.remove(&cached).await {
            tracing::warn!(error = %e, "cache invalidation failed");
        }
    }
}
