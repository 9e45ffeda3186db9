//! Uploads (`POST /upload`, `POST /{KEY}/upload`) and deletes (`DELETE /{path}`) of
//! originals in the image storage.
//!
//! An upload is a multipart form with the image in field `data` (picfit) or `image`
//! (pixlserv); the answer follows the dialect of the field. The body is bounded as it
//! streams (413), the bytes must sniff as an image (415) and decode within the pixel limit
//! (422) before anything is written; storage writes are atomic (a temporary file renamed,
//! or one S3 PUT), and an existing original is never overwritten (409). A delete removes
//! the original, every stored derivative of it and its cached copy; picfit's
//! `DELETE /{method}/{op}/{W}x{H}/{path}` removes the one derivative it names.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::multipart::{Field, Multipart};
use axum::extract::{FromRequest, Path, Request, State};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use http::StatusCode;
use http::header::{self, HeaderMap, HeaderValue};
use md5::{Digest, Md5};
use picsum_imaging::transform::{Format, Op, Output, Pipeline, Rounding, Size};

use picsum_signing::dialects::PixlservRefusal;

use crate::AppState;
use crate::access::Peer;
use crate::error::ServiceError;

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
    /// The client is not on `IMAGE_ALLOWED_IPS`.
    #[error("Endpoint restricted")]
    Restricted,
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
            Self::Restricted => StatusCode::UNAUTHORIZED,
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

/// `POST /upload`.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    peer: Peer,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    if !state.access.allows_writes(&headers, peer.0) {
        return restricted();
    }
    answer(handle_upload(&state, None, multipart).await)
}

/// `POST /{KEY}/upload` (pixlserv with an API key); other POSTs route as usual (404/405).
pub async fn upload_with_key(
    State(state): State<Arc<AppState>>,
    Path(path): Path<String>,
    peer: Peer,
    req: Request,
) -> Response {
    let key = path
        .strip_suffix("/upload")
        .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric()));
    // Only uploads are restricted; other POSTs route as usual below.
    let refused = key.is_some() && !state.access.allows_writes(req.headers(), peer.0);
    match key {
        Some(_) if refused => restricted(),
        Some(key) => match Multipart::from_request(req, &state).await {
            Ok(form) => answer(handle_upload(&state, Some(key.to_owned()), form).await),
            Err(rejection) => rejection.into_response(),
        },
        None => crate::dispatch(State(state), req).await,
    }
}

/// `DELETE /{path}`.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path(path): Path<String>,
    peer: Peer,
    headers: HeaderMap,
) -> Response {
    if !state.access.allows_writes(&headers, peer.0) {
        return restricted();
    }
    match handle_delete(&state, &path).await {
        Ok(()) => text(StatusCode::OK, "Ok"),
        Err(e) => e.into_response(false),
    }
}

/// 401 `Endpoint restricted` for clients outside `IMAGE_ALLOWED_IPS`.
fn restricted() -> Response {
    ServiceError::Upload(UploadError::Restricted).into_response(false)
}

/// `DELETE /` (picfit would try to remove the storage root).
pub async fn delete_root() -> Response {
    ServiceError::Upload(UploadError::BadPath(String::new())).into_response(false)
}

/// Which dialect's answer to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Picfit,
    Pixlserv,
}

/// A successful upload, or the error with the dialect it should be reported in.
type Outcome = Result<(Dialect, String), (Dialect, ServiceError)>;

async fn handle_upload(
    state: &Arc<AppState>,
    api_key: Option<String>,
    mut form: Multipart,
) -> Outcome {
    let mut dialect = if api_key.is_some() {
        Dialect::Pixlserv
    } else {
        Dialect::Picfit
    };
    let fail = |d: Dialect| move |e: ServiceError| (d, e);
    if !state.uploads.enabled {
        return Err((dialect, UploadError::Disabled("uploads").into()));
    }
    // pixlserv's order: permission, then the image field, then the signature.
    let secret = match &api_key {
        Some(key) => Some(
            crate::keys::require(state, key, crate::keys::Permission::Upload)
                .await
                .map_err(fail(dialect))?,
        ),
        None if state.auth.upload => return Err((dialect, ServiceError::ApiKeyInvalid)),
        None => None,
    };
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
                let bytes = match read_capped(field, state.uploads.max_bytes).await {
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
    verify(state, bytes.clone()).await.map_err(fail(dialect))?;
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
    if state
        .storage
        .exists(&key)
        .await
        .map_err(|e| (dialect, e.into()))?
    {
        return Err((dialect, UploadError::Exists(key).into()));
    }
    state
        .storage
        .put(&key, bytes.clone())
        .await
        .map_err(|e| (dialect, e.into()))?;
    metrics::counter!("picsum_uploads_total").increment(1);
    crate::pixlserv::serve::eager(state, &key, bytes);
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
async fn verify(state: &AppState, bytes: Bytes) -> Result<(), ServiceError> {
    let limits = state.limits;
    let check = Pipeline {
        ops: vec![Op::Fit {
            size: Size {
                width: Some(64),
                height: Some(64),
            },
            upscale: false,
            rounding: Rounding::Nearest,
        }],
        // The source's own format: an animation is checked frame by frame.
        output: Output {
            format: None,
            quality: Some(50),
        },
    };
    state
        .pool
        .run(move || picsum_imaging::process(&bytes, &check, limits))
        .await??;
    Ok(())
}

async fn handle_delete(state: &AppState, path: &str) -> Result<(), ServiceError> {
    if !state.uploads.deletes {
        return Err(UploadError::Disabled("deletes").into());
    }
    // picfit's `DELETE /{method}/{op}/{W}x{H}/{path}`: one derivative.
    if let Some((first, rest)) = path.split_once('/')
        && let Some(method) = crate::picfit::Method::from_segment(first)
        && crate::picfit::is_path_form(&format!("/{rest}"))
    {
        return crate::picfit::serve::delete_derived(state, method, &format!("/{rest}")).await;
    }
    let bad = || ServiceError::Upload(UploadError::BadPath(path.to_owned()));
    if path.is_empty() || path.starts_with(&state.picfit.derived_prefix) {
        return Err(bad());
    }
    if !state.storage.exists(path).await.map_err(|_| bad())? {
        return Err(ServiceError::ImageNotFound);
    }
    state.storage.delete(path).await?;
    let derived = derived_folder(&state.picfit.derived_prefix, path);
    let children = state.storage.delete_prefix(&derived).await?;
    // Variants of Picsum ids share the photo's cache entries only by key; drop the source.
    for key in [format!("src:{path}"), format!("mtime:{path}")] {
        if let Err(e) = state.sources.remove(&key).await {
            tracing::warn!(error = %e, "cache invalidation failed");
        }
    }
    tracing::info!(path, children, "deleted");
    Ok(())
}

/// The storage folder of a source's stored derivatives: `{prefix}{md5(source)}`.
#[must_use]
pub fn derived_folder(prefix: &str, source_key: &str) -> String {
    format!(
        "{prefix}{}",
        hex::encode(Md5::digest(source_key.as_bytes()))
    )
}

fn answer(outcome: Outcome) -> Response {
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

fn text(status: StatusCode, body: &'static str) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    res
}
