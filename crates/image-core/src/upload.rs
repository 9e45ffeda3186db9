//! Uploads of originals: a multipart form with the image in field `data` (picfit) or
//! `image` (pixlserv); the answer follows the dialect of the field. The body is bounded as
//! it streams (413), the bytes must sniff as an image (415) and decode within the pixel
//! limit (422) before anything is written; storage writes are atomic (a temporary file
//! renamed, or one S3 PUT) under [`UPLOAD_PREFIX`], apart from the catalog, and an existing
//! upload is never overwritten (409). The bytes are charged to the uploader's write quota
//! before they are written (429 past it, [`crate::write_quota`]). After a write, every
//! registered [`crate::UploadHook`] runs.
//!
//! Who may upload (addresses, API keys) is decided by the guard before [`receive`] runs.

use std::sync::Arc;

use axum::extract::multipart::{Field, Multipart};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use http::StatusCode;
use picsum_imaging::model::Format;
use picsum_signing::dialects::PixlservRefusal;

use crate::Core;
use crate::error::{ServiceError, UploadError};
use crate::memory::Hold;
use crate::respond::json;

/// The shape of an upload's answer: picfit's JSON or pixlserv's (`status`, `errorMessage`,
/// `imagePath`), as the uploader's client expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `{"filename", "path", "url"}`; errors as the service's error body.
    Picfit,
    /// `{"status", "errorMessage", "imagePath"}`, errors included.
    Pixlserv,
}

/// A successful upload, or the error with the dialect it should be reported in.
pub type Outcome = Result<(Dialect, String), (Dialect, ServiceError)>;

/// Whether uploads are switched on; the refusal in `dialect`'s shape otherwise.
///
/// # Errors
/// 403 when uploads are off.
pub fn enabled(core: &Core, dialect: Dialect) -> Result<(), (Dialect, ServiceError)> {
    if core.uploads.enabled {
        Ok(())
    } else {
        Err((dialect, UploadError::Disabled("uploads").into()))
    }
}

/// The fields of an upload form that matter.
struct Form {
    /// The image's bytes and the client's file name.
    image: Option<(Bytes, Option<String>)>,
    timestamp: Option<Bytes>,
    signature: Option<Bytes>,
}

/// Reads the form, checks the signature when the uploader's key has a `secret` (pixlserv's
/// order: the key was checked before, then the image field, then the signature), checks
/// the image and stores it under a new name.
pub async fn receive(
    core: &Arc<Core>,
    mut dialect: Dialect,
    secret: Option<String>,
    form: Multipart,
) -> Outcome {
    // The body counts against the process's held bytes while it is received and stored.
    let mut hold = core.memory.reserve(0).map_err(|e| (dialect, e.into()))?;
    let reading = read_form(core, &mut dialect, form, &mut hold);
    let fields = match tokio::time::timeout(core.uploads.time_limit, reading).await {
        Ok(fields) => fields?,
        Err(_) => return Err((dialect, UploadError::TooSlow.into())),
    };
    let fail = move |e: ServiceError| (dialect, e);
    let (bytes, file_name) = fields.image.ok_or(fail(UploadError::MissingField.into()))?;
    if let Some(secret) = secret {
        check_signature(&secret, fields.timestamp, fields.signature).map_err(fail)?;
    }
    let format = Format::sniff(&bytes)
        .filter(|f| matches!(f, Format::Jpeg | Format::Png | Format::Gif | Format::Webp))
        .ok_or(fail(UploadError::NotAnImage.into()))?;
    crate::source::verify(core, bytes.clone())
        .await
        .map_err(fail)?;
    let key = name(dialect, file_name, format).map_err(fail)?;
    if core
        .storage
        .exists(&key)
        .await
        .map_err(|e| fail(e.into()))?
    {
        return Err(fail(UploadError::Exists(key).into()));
    }
    let len = bytes.len() as u64;
    core.writes.charge_current(len).map_err(fail)?;
    if let Err(e) = core.storage.put(&key, bytes.clone()).await {
        core.writes.refund_current(len);
        return Err(fail(e.into()));
    }
    metrics::counter!("picsum_uploads_total").increment(1);
    for hook in &core.hooks {
        hook.uploaded(core, &key, bytes.clone());
    }
    Ok((dialect, key))
}

/// Reads the image field (`data` makes the answer picfit's, `image` pixlserv's), the
/// timestamp and the signature; the rest of a form whose image is too large is drained.
async fn read_form(
    core: &Core,
    dialect: &mut Dialect,
    mut form: Multipart,
    hold: &mut Hold,
) -> Result<Form, (Dialect, ServiceError)> {
    let mut fields = Form {
        image: None,
        timestamp: None,
        signature: None,
    };
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| (*dialect, UploadError::BadForm(e.body_text()).into()))?
    {
        let fail = |e| (*dialect, e);
        match field.name() {
            Some(name @ ("data" | "image")) if fields.image.is_none() => {
                *dialect = if name == "data" {
                    Dialect::Picfit
                } else {
                    Dialect::Pixlserv
                };
                let file_name = field.file_name().map(str::to_owned);
                let bytes = match read_capped(field, core.uploads.max_bytes, Some(&mut *hold)).await
                {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        drain(form).await;
                        return Err((*dialect, e));
                    }
                };
                fields.image = Some((bytes, file_name));
            }
            Some("timestamp") => {
                fields.timestamp = Some(read_capped(field, 64, None).await.map_err(fail)?)
            }
            Some("signature") => {
                fields.signature = Some(read_capped(field, 256, None).await.map_err(fail)?)
            }
            _ => {}
        }
    }
    Ok(fields)
}

/// pixlserv's upload signature over the timestamp, with the key's secret.
fn check_signature(
    secret: &str,
    timestamp: Option<Bytes>,
    signature: Option<Bytes>,
) -> Result<(), ServiceError> {
    let text =
        |b: Option<Bytes>| String::from_utf8(b.unwrap_or_default().to_vec()).unwrap_or_default();
    let timestamp: i64 = text(timestamp)
        .trim()
        .parse()
        .map_err(|_| UploadError::InvalidTimestamp)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    picsum_signing::dialects::pixlserv_verify(
        secret.as_bytes(),
        timestamp,
        text(signature).trim(),
        now,
    )
    .map_err(|refusal| {
        match refusal {
            PixlservRefusal::InvalidTimestamp => UploadError::InvalidTimestamp,
            PixlservRefusal::InvalidSignature => UploadError::InvalidSignature,
        }
        .into()
    })
}

/// Where uploads are stored: apart from the catalog's originals and pre-sized variants and
/// from the derived store, so that no upload can shadow or replace them.
pub const UPLOAD_PREFIX: &str = "uploads/";

/// The storage key of a new upload, under [`UPLOAD_PREFIX`]: picfit's client file name
/// (its base name), or pixlserv's `{unix}-{0..999}.{jpg|png}`.
fn name(
    dialect: Dialect,
    file_name: Option<String>,
    format: Format,
) -> Result<String, ServiceError> {
    Ok(format!(
        "{UPLOAD_PREFIX}{}",
        base_name(dialect, file_name, format)?
    ))
}

fn base_name(
    dialect: Dialect,
    file_name: Option<String>,
    format: Format,
) -> Result<String, ServiceError> {
    match dialect {
        Dialect::Picfit => {
            let name = file_name.unwrap_or_default();
            let base = name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or_default()
                .to_owned();
            if base.is_empty() || base.starts_with('.') || base.chars().any(char::is_control) {
                return Err(UploadError::BadName(name).into());
            }
            Ok(base)
        }
        Dialect::Pixlserv => {
            let unix = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let ext = if format == Format::Png {
                "png"
            } else {
                format.extension()
            };
            Ok(format!("{unix}-{}.{ext}", fastrand::u16(0..1000)))
        }
    }
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
        while let Ok(Some(mut field)) = form.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), discard).await;
}

/// The answer to an upload, in its dialect's shape.
#[must_use]
pub fn reply(outcome: Outcome) -> Response {
    match outcome {
        Ok((Dialect::Picfit, key)) => json(
            StatusCode::OK,
            &serde_json::json!({
                "filename": key.strip_prefix(UPLOAD_PREFIX).unwrap_or(&key),
                "path": key,
                "url": "",
            }),
        ),
        Ok((Dialect::Pixlserv, key)) => json(
            StatusCode::OK,
            &serde_json::json!({ "status": "ok", "errorMessage": "", "imagePath": key }),
        ),
        Err((Dialect::Pixlserv, e)) => {
            let status = e.status();
            json(
                status,
                &serde_json::json!({ "status": "error", "errorMessage": e.to_string(), "imagePath": "" }),
            )
        }
        Err((Dialect::Picfit, e)) => e.into_response(false),
    }
}
