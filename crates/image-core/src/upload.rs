//! The one store capability for uploaded originals, and the mechanics every dialect's
//! upload form shares. A dialect names its form's fields, its storage names and its reply;
//! the core reads the form ([`read`]: the body bounded as it streams (413) and counted
//! against the process's held bytes, the whole form within the upload time limit (408))
//! and stores the image ([`store`]): it must sniff as an image (415) and decode within the
//! pixel limit (422) before anything is written; the write is atomic (a temporary file
//! renamed, or one S3 PUT) under [`UPLOAD_PREFIX`], apart from the catalog, and an existing
//! upload is never overwritten (409). The bytes are charged to the uploader's write quota
//! before they are written (429 past it, [`crate::write_quota`]). After a write, every
//! registered [`crate::UploadHook`] runs.
//!
//! Who may upload (addresses, API keys) is decided by the guard before the form is read.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::multipart::{Field, Multipart};
use bytes::{Bytes, BytesMut};
use picsum_imaging::model::Format;

use crate::Core;
use crate::error::{ServiceError, UploadError};
use crate::memory::Hold;

/// Where uploads are stored: apart from the catalog's originals and pre-sized variants and
/// from the derived store, so that no upload can shadow or replace them.
pub const UPLOAD_PREFIX: &str = "uploads/";

/// What a form is read for: the fields that may carry the image (the first one present
/// wins) and the short fields kept beside it, each with its byte limit.
#[derive(Debug, Clone, Copy)]
pub struct FormSpec<'a> {
    /// Names of the image field, one per dialect that takes this form.
    pub images: &'a [&'static str],
    /// Short fields (a timestamp, a signature) and their limits.
    pub short: &'a [(&'static str, u64)],
}

/// A form read: the image with the field it came in, and the short fields. The image's
/// bytes stay counted against the process's held bytes until it is dropped.
#[derive(Debug)]
pub struct Received {
    /// The field the image came in (one of [`FormSpec::images`]).
    pub field: &'static str,
    /// The image's bytes.
    pub bytes: Bytes,
    /// The client's file name for it.
    pub file_name: Option<String>,
    /// The short fields present.
    pub short: BTreeMap<&'static str, Bytes>,
    _hold: Hold,
}

/// A form refused, with the image field seen before it was (whose dialect answers).
pub type Refused = (Option<&'static str>, ServiceError);

/// Whether uploads are switched on.
///
/// # Errors
/// 403 when uploads are off.
pub fn enabled(core: &Core) -> Result<(), ServiceError> {
    if core.uploads.enabled {
        Ok(())
    } else {
        Err(UploadError::Disabled("uploads").into())
    }
}

/// Reads the form as `spec` says; the rest of a form whose image is too large is drained.
///
/// # Errors
/// 400 for a broken form or no image field, 413 past the upload limit, 408 past the time
/// limit, 503 when the process holds too much.
pub async fn read(core: &Core, form: Multipart, spec: FormSpec<'_>) -> Result<Received, Refused> {
    // The body counts against the process's held bytes while it is received and stored.
    let hold = core.memory.reserve(0).map_err(|e| (None, e.into()))?;
    let mut seen = None;
    let reading = read_fields(core, form, spec, hold, &mut seen);
    match tokio::time::timeout(core.uploads.time_limit, reading).await {
        Ok(Ok(received)) => Ok(received),
        Ok(Err(e)) => Err((seen, e)),
        Err(_) => Err((seen, UploadError::TooSlow.into())),
    }
}

async fn read_fields(
    core: &Core,
    mut form: Multipart,
    spec: FormSpec<'_>,
    mut hold: Hold,
    seen: &mut Option<&'static str>,
) -> Result<Received, ServiceError> {
    let mut image = None;
    let mut short = BTreeMap::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| UploadError::BadForm(e.body_text()))?
    {
        let name = field.name().unwrap_or_default();
        if let Some(&wanted) = spec.images.iter().find(|n| **n == name)
            && image.is_none()
        {
            *seen = Some(wanted);
            let file_name = field.file_name().map(str::to_owned);
            match read_capped(field, core.uploads.max_bytes, Some(&mut hold)).await {
                Ok(bytes) => image = Some((wanted, bytes, file_name)),
                Err(e) => {
                    drain(form).await;
                    return Err(e);
                }
            }
        } else if let Some(&(wanted, max)) = spec.short.iter().find(|(n, _)| *n == name) {
            short.insert(wanted, read_capped(field, max, None).await?);
        }
    }
    let (field, bytes, file_name) = image.ok_or(UploadError::MissingField)?;
    Ok(Received {
        field,
        bytes,
        file_name,
        short,
        _hold: hold,
    })
}

/// The format of an upload: JPEG, PNG, GIF or WebP by their magic bytes.
///
/// # Errors
/// 415 for anything else.
pub fn image_format(bytes: &[u8]) -> Result<Format, ServiceError> {
    Format::sniff(bytes)
        .filter(|f| matches!(f, Format::Jpeg | Format::Png | Format::Gif | Format::Webp))
        .ok_or_else(|| UploadError::NotAnImage.into())
}

/// Stores the image of `received` as `name` under [`UPLOAD_PREFIX`] and runs the upload
/// hooks; returns its storage key.
///
/// # Errors
/// 400 for a name that cannot be a key, 415/422 for what is no image, 409 when the name
/// is taken, 429 past the client's write quota, 503 for storage outages.
pub async fn store(
    core: &Arc<Core>,
    name: &str,
    received: Received,
) -> Result<String, ServiceError> {
    if !storable(name) {
        return Err(UploadError::BadName(name.to_owned()).into());
    }
    let bytes = received.bytes;
    image_format(&bytes)?;
    crate::source::verify(core, bytes.clone()).await?;
    let key = format!("{UPLOAD_PREFIX}{name}");
    if core.storage.exists(&key).await? {
        return Err(UploadError::Exists(key).into());
    }
    let len = bytes.len() as u64;
    core.writes.charge_current(len)?;
    if let Err(e) = core.storage.put(&key, bytes.clone()).await {
        core.writes.refund_current(len);
        return Err(e.into());
    }
    metrics::counter!("picsum_uploads_total").increment(1);
    for hook in &core.hooks {
        hook.uploaded(core, &key, bytes.clone());
    }
    Ok(key)
}

/// Longest name an upload may be stored under, in bytes (file systems' limit of a name).
const MAX_NAME: usize = 255;

/// Whether `name` can be a storage key under [`UPLOAD_PREFIX`]: one path segment, not
/// hidden, printable, at most [`MAX_NAME`] bytes.
fn storable(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
}

/// The field's bytes, refused as soon as they pass `max` (or no longer fit the process's
/// held bytes, when counted by `hold`).
async fn read_capped(
    mut field: Field<'_>,
    max: u64,
    mut hold: Option<&mut Hold>,
) -> Result<Bytes, ServiceError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| UploadError::BadForm(e.body_text()))?
    {
        if (body.len() + chunk.len()) as u64 > max {
            return Err(UploadError::TooLarge(max).into());
        }
        if let Some(hold) = hold.as_deref_mut() {
            hold.grow(chunk.len() as u64)?;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Reads and discards what is left of a refused form (bounded by the router's body limit
/// and by time), so that the client, still sending, gets to read the answer instead of a
/// broken pipe when the connection closes under it.
async fn drain(mut form: Multipart) {
    let discard = async {
        while let Some(mut field) = form.next_field().await.ok().flatten() {
            while let Ok(Some(_)) = field.chunk().await {}
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), discard).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_printable_visible_segment_of_bounded_length_is_stored() {
        assert!(storable("photo.jpg"));
        assert!(storable(&"a".repeat(MAX_NAME)));
        let long = "a".repeat(MAX_NAME + 1);
        for bad in ["", ".hidden", "a/b", "a\\b", "tab\there", long.as_str()] {
            assert!(!storable(bad), "{bad:?}");
        }
    }
}
