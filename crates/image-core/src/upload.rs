//! Uploads of originals: a multipart form with the image in field `data` (picfit) or
//! `image` (pixlserv); the answer follows the dialect of the field. The body is bounded as
//! it streams (413), the bytes must sniff as an image (415) and decode within the pixel
//! limit (422) before anything is written; storage writes are atomic (a temporary file
//! renamed, or one S3 PUT), and an existing original is never overwritten (409). After a
//! write, every registered [`crate::UploadHook`] runs.
//!
//! Who may upload (addresses, API keys) is decided by the guard before [`receive`] runs.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::multipart::{Field, Multipart};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use http::StatusCode;
use http::header::{self, HeaderValue};
use picsum_imaging::model::{Fit, Format, Op, Output, Pipeline, Rounding, Size};
use picsum_signing::dialects::PixlservRefusal;

use crate::Core;
use crate::error::ServiceError;

/// Upload and delete settings, from configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct UploadSettings {
    /// `POST /upload` accepted.
    pub enabled: bool,
    /// `DELETE /{path}` accepted.
    pub deletes: bool,
    /// Largest upload, in bytes.
    pub max_bytes: u64,
}

impl UploadSettings {
    /// The request body limit: twice the upload limit plus room for the form's own
    /// headers. An upload over the limit is refused as its image field passes the limit,
    /// and the rest of the body is read and thrown away up to this bound so that the
    /// client reads the 413.
    #[must_use]
    pub fn body_limit(&self) -> usize {
        usize::try_from(self.max_bytes)
            .unwrap_or(usize::MAX)
            .saturating_mul(2)
            .saturating_add(64 << 10)
    }
}

/// Why an upload or a delete is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// Uploads or deletes are switched off.
    #[error("{0} are disabled on this server")]
    Disabled(&'static str),
    /// No `data` or `image` field.
    #[error("missing image field")]
    MissingField,
    /// Not a multipart form, or a broken one.
    #[error("invalid multipart form: {0}")]
    BadForm(String),
    /// Over the byte limit.
    #[error("image is larger than {0} bytes")]
    TooLarge(u64),
    /// Not JPEG, PNG, GIF or WebP.
    #[error("not a supported image (JPEG, PNG, GIF or WebP)")]
    NotAnImage,
    /// A file name that cannot be a storage key.
    #[error("invalid file name {0:?}")]
    BadName(String),
    /// The name is taken.
    #[error("{0} already exists")]
    Exists(String),
    /// A signed upload's timestamp is not a number, too old, or in the future.
    #[error("invalid timestamp")]
    InvalidTimestamp,
    /// A signed upload's signature does not match.
    #[error("invalid signature")]
    InvalidSignature,
    /// `DELETE /` or a bad path.
    #[error("invalid path {0:?}")]
    BadPath(String),
}

impl UploadError {
    /// The status it answers with.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        match self {
            Self::Disabled(_) => StatusCode::FORBIDDEN,
            Self::MissingField
            | Self::BadForm(_)
            | Self::BadName(_)
            | Self::BadPath(_)
            | Self::InvalidTimestamp
            | Self::InvalidSignature => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotAnImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Exists(_) => StatusCode::CONFLICT,
        }
    }
}

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

/// Reads the form, checks the signature when the uploader's key has a `secret` (pixlserv's
/// order: the key was checked before, then the image field, then the signature), checks
/// the image and stores it under a new name.
pub async fn receive(
    core: &Arc<Core>,
    mut dialect: Dialect,
    secret: Option<String>,
    mut form: Multipart,
) -> Outcome {
    let fail = |d: Dialect| move |e: ServiceError| (d, e);
    let (mut image, mut timestamp, mut signature) = (None, None, None);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| (dialect, UploadError::BadForm(e.body_text()).into()))?
    {
        match field.name() {
            Some(name @ ("data" | "image")) if image.is_none() => {
                dialect = if name == "data" {
                    Dialect::Picfit
                } else {
                    Dialect::Pixlserv
                };
                let file_name = field.file_name().map(str::to_owned);
                let bytes = match read_capped(field, core.uploads.max_bytes).await {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        drain(form).await;
                        return Err((dialect, e));
                    }
                };
                image = Some((bytes, file_name));
            }
            Some("timestamp") => {
                timestamp = Some(read_capped(field, 64).await.map_err(fail(dialect))?)
            }
            Some("signature") => {
                signature = Some(read_capped(field, 256).await.map_err(fail(dialect))?)
            }
            _ => {}
        }
    }
    let (bytes, file_name) = image.ok_or((dialect, UploadError::MissingField.into()))?;
    if let Some(secret) = secret {
        let text = |b: Option<Bytes>| {
            String::from_utf8(b.unwrap_or_default().to_vec()).unwrap_or_default()
        };
        let timestamp: i64 = text(timestamp)
            .trim()
            .parse()
            .map_err(|_| (dialect, UploadError::InvalidTimestamp.into()))?;
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
            let e = match refusal {
                PixlservRefusal::InvalidTimestamp => UploadError::InvalidTimestamp,
                PixlservRefusal::InvalidSignature => UploadError::InvalidSignature,
            };
            (dialect, e.into())
        })?;
    }
    let format = Format::sniff(&bytes)
        .filter(|f| matches!(f, Format::Jpeg | Format::Png | Format::Gif | Format::Webp))
        .ok_or((dialect, UploadError::NotAnImage.into()))?;
    verify(core, bytes.clone()).await.map_err(fail(dialect))?;
    let key = match dialect {
        // picfit stores under the client's file name (its base name).
        Dialect::Picfit => {
            let name = file_name.unwrap_or_default();
            let base = name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or_default()
                .to_owned();
            if base.is_empty() || base.starts_with('.') || base.chars().any(char::is_control) {
                return Err((dialect, UploadError::BadName(name).into()));
            }
            base
        }
        // pixlserv names uploads `{unix}-{0..999}.{jpg|png}`.
        Dialect::Pixlserv => {
            let unix = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let ext = if format == Format::Png {
                "png"
            } else {
                format.extension()
            };
            format!("{unix}-{}.{ext}", fastrand::u16(0..1000))
        }
    };
    if core
        .storage
        .exists(&key)
        .await
        .map_err(|e| (dialect, e.into()))?
    {
        return Err((dialect, UploadError::Exists(key).into()));
    }
    core.storage
        .put(&key, bytes.clone())
        .await
        .map_err(|e| (dialect, e.into()))?;
    metrics::counter!("picsum_uploads_total").increment(1);
    for hook in &core.hooks {
        hook.uploaded(core, &key, bytes.clone());
    }
    Ok((dialect, key))
}

/// The field's bytes, refused as soon as they pass `max`.
async fn read_capped(mut field: Field<'_>, max: u64) -> Result<Bytes, ServiceError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| UploadError::BadForm(e.body_text()))?
    {
        if (body.len() + chunk.len()) as u64 > max {
            return Err(UploadError::TooLarge(max).into());
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

/// Decodes the whole image (into a small thumbnail) on the render pool: truncated data,
/// decompression bombs (every frame of an animation counted) are refused before anything
/// is stored.
async fn verify(core: &Core, bytes: Bytes) -> Result<(), ServiceError> {
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

/// The answer to an upload, in its dialect's shape.
#[must_use]
pub fn reply(outcome: Outcome) -> Response {
    match outcome {
        Ok((Dialect::Picfit, key)) => json(
            StatusCode::OK,
            &serde_json::json!({ "filename": key, "path": key, "url": "" }),
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

fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut res = Response::new(Body::from(value.to_string()));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    res
}
