//! The write routes: uploads (`POST /upload`, `POST /{KEY}/upload`) and deletes
//! (`DELETE /{path}`). Each asks the guard first (address allowlist, API key), then the
//! core does the work; picfit's `DELETE /{method}/{op}/{W}x{H}/{path}` is handed to its
//! dialect, which removes the one derivative it names.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::multipart::Multipart;
use axum::extract::{FromRequest, Path, Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::HeaderMap;
use picsum_guard::peer::Peer;
use picsum_image_core::error::UploadError;
use picsum_image_core::upload::{self, Dialect};
use picsum_image_core::{ServiceError, delete as deletes};

use crate::AppState;

/// `POST /upload`.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    peer: Peer,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    if let Err(e) = state.guard.admit_write(&headers, peer.0) {
        return ServiceError::from(e).into_response(false);
    }
    upload::reply(receive(&state, None, form).await)
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
    let Some(key) = key else {
        return crate::dispatch::dispatch(State(state), req).await;
    };
    if let Err(e) = state.guard.admit_keyed_write(req.headers(), peer.0) {
        return ServiceError::from(e).into_response(false);
    }
    match Multipart::from_request(req, &state).await {
        Ok(form) => upload::reply(receive(&state, Some(key), form).await),
        Err(rejection) => rejection.into_response(),
    }
}

/// Uploads on, then the key (pixlserv's order: permission, image field, signature), then
/// the core reads, checks and stores the image.
async fn receive(state: &AppState, api_key: Option<&str>, form: Multipart) -> upload::Outcome {
    let dialect = if api_key.is_some() {
        Dialect::Pixlserv
    } else {
        Dialect::Picfit
    };
    upload::enabled(&state.core, dialect)?;
    let secret = state
        .guard
        .admit_upload(api_key)
        .await
        .map_err(|e| (dialect, e.into()))?;
    upload::receive(&state.core, dialect, secret, form).await
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
    if let Some(route) = picsum_dialect_picfit::Route::parse_delete(path) {
        return picsum_dialect_picfit::serve::delete_derived(&state.core, &state.picfit, &route)
            .await;
    }
    deletes::original(&state.core, path).await
}

/// `DELETE /` (picfit would try to remove the storage root).
pub async fn delete_root() -> Response {
    ServiceError::Upload(UploadError::BadPath(String::new())).into_response(false)
}
