//! Deletes of originals: the original, every stored derivative of it and its cached copies.
//! Who may delete is decided by the guard first; a dialect may claim a path as naming one
//! derivative (picfit's path form) before [`original`] is asked.

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
    let children = core
        .storage
        .delete_prefix(&core.derived.folder(path))
        .await?;
    // Variants of Picsum ids share the photo's cache entries only by key; drop the source.
    for key in [format!("src:{path}"), format!("mtime:{path}")] {
        if let Err(e) = core.sources.remove(&key).await {
            tracing::warn!(error = %e, "cache invalidation failed");
        }
    }
    tracing::info!(path, children, "deleted");
    Ok(())
}
