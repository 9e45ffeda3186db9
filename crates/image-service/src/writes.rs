//! The write routes: uploads (`POST /upload`, `POST /{KEY}/upload`) and deletes
//! (`DELETE /{path}`). Each asks the guard first (address allowlist, API key); the core
//! reads an upload's form and the dialect whose form it is names, stores and answers it; a
//! `DELETE` of a path a dialect claims (picfit's `/{method}/{op}/{W}x{H}/{path}`, one
//! derivative) is handed to it, any other removes an original.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::multipart::Multipart;
use axum::extract::{FromRequest, Path, Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::HeaderMap;
use picsum_guard::peer::Peer;
use picsum_image_core::error::UploadError;
use picsum_image_core::upload;
use picsum_image_core::{ServiceError, delete as deletes};

use crate::AppState;
use crate::dialects::Built;

/// `POST /upload`: the form of every dialect that takes uploads there; the field the image
/// comes in picks the dialect that names, stores and answers it.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    peer: Peer,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    if let Err(e) = state.guard.admit_write(&headers, peer.0) {
        return ServiceError::from(e).into_response(false);
    }
    let admitted = async {
        upload::enabled(&state.core)?;
        state.guard.admit_upload(None).await?;
        Ok::<_, ServiceError>(())
    };
    if let Err(e) = admitted.await {
        return e.into_response(false);
    }
    match upload::read(&state.core, form, state.uploads.spec()).await {
        Ok(form) => state.dialects.upload(&state.core, None, form).await,
        Err((field, e)) => Built::upload_refused(field, e),
    }
}

/// `POST /{KEY}/upload`, for the dialect that takes uploads with an API key in the path;
/// other POSTs route as usual (404/405).
pub async fn upload_with_key(
    State(state): State<Arc<AppState>>,
    Path(path): Path<String>,
    peer: Peer,
    req: Request,
) -> Response {
    let key = path
        .strip_suffix("/upload")
        .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric()));
    let (Some(key), Some(spec)) = (key, Built::keyed_form()) else {
        return crate::dispatch::dispatch(State(state), req).await;
    };
    if let Err(e) = state.guard.admit_keyed_write(req.headers(), peer.0) {
        return ServiceError::from(e).into_response(false);
    }
    // The key's permission, then the image field, then the signature.
    let admitted = async {
        upload::enabled(&state.core)?;
        Ok::<_, ServiceError>(state.guard.admit_upload(Some(key)).await?)
    };
    let secret = match admitted.await {
        Ok(secret) => secret,
        Err(e) => return Built::keyed_refused(e),
    };
    let form = match Multipart::from_request(req, &state).await {
        Ok(form) => form,
        Err(rejection) => return rejection.into_response(),
    };
    match upload::read(&state.core, form, spec).await {
        Ok(form) => {
            let secret = secret.as_deref();
            state.dialects.keyed_upload(&state.core, secret, form).await
        }
        Err((_, e)) => Built::keyed_refused(e),
    }
}

/// `DELETE /{path}`.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path(path): Path<String>,
    peer: Peer,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = state.guard.admit_write(&headers, peer.0) {
        return ServiceError::from(e).into_response(false);
    }
    match remove(&state, &path).await {
        Ok(()) => {
            let mut res = Response::new(Body::from("Ok"));
            *res.status_mut() = StatusCode::OK;
            res
        }
        Err(e) => e.into_response(false),
    }
}

async fn remove(state: &AppState, path: &str) -> Result<(), ServiceError> {
    deletes::enabled(&state.core)?;
    if let Some(removal) = state.dialects.delete(&state.core, path) {
        return removal.await;
    }
    deletes::original(&state.core, path).await
}

/// `DELETE /` (an empty path would name the storage root).
pub async fn delete_root() -> Response {
    ServiceError::Upload(UploadError::BadPath(String::new())).into_response(false)
}
