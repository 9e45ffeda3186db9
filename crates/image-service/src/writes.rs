//! The write routes: uploads (`POST /upload`, `POST /{KEY}/upload`) and deletes
//! (`DELETE /{path}`). Each asks the guard first (address allowlist, API key); the core
//! reads an upload's form and the dialect whose form it is names, stores and answers it;
//! picfit's `DELETE /{method}/{op}/{W}x{H}/{path}` is handed to its dialect, which removes
//! the one derivative it names.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::multipart::Multipart;
use axum::extract::{FromRequest, Path, Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::HeaderMap;
use picsum_dialect_picfit::upload as picfit;
use picsum_dialect_pixlserv::upload as pixlserv;
use picsum_guard::peer::Peer;
use picsum_image_core::error::UploadError;
use picsum_image_core::upload::{self, FormSpec};
use picsum_image_core::{ServiceError, delete as deletes};

use crate::AppState;

/// `POST /upload`: picfit's form (image in `data`) or pixlserv's without a key (in
/// `image`); the field the image comes in picks the dialect that stores and answers it.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    peer: Peer,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    const FORM: FormSpec = FormSpec {
        images: &[picfit::IMAGE_FIELD, pixlserv::IMAGE_FIELD],
        short: pixlserv::FORM.short,
    };
    if let Err(e) = state.guard.admit_write(&headers, peer.0) {
        return ServiceError::from(e).into_response(false);
    }
    let admitted = async {
        upload::enabled(&state.core)?;
        state.guard.admit_upload(None).await?;
        Ok::<_, ServiceError>(())
    };
    if let Err(e) = admitted.await {
        return picfit::refused(e);
    }
    match upload::read(&state.core, form, FORM).await {
        Ok(form) if form.field == pixlserv::IMAGE_FIELD => {
            pixlserv::handle(&state.core, None, form).await
        }
        Ok(form) => picfit::handle(&state.core, form).await,
        Err((Some(pixlserv::IMAGE_FIELD), e)) => pixlserv::refused(e),
        Err((_, e)) => picfit::refused(e),
    }
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
    // pixlserv's order: permission, then the image field, then the signature.
    let admitted = async {
        upload::enabled(&state.core)?;
        Ok::<_, ServiceError>(state.guard.admit_upload(Some(key)).await?)
    };
    let secret = match admitted.await {
        Ok(secret) => secret,
        Err(e) => return pixlserv::refused(e),
    };
    let form = match Multipart::from_request(req, &state).await {
        Ok(form) => form,
        Err(rejection) => return rejection.into_response(),
    };
    match upload::read(&state.core, form, pixlserv::FORM).await {
        Ok(form) => pixlserv::handle(&state.core, secret.as_deref(), form).await,
        Err((_, e)) => pixlserv::refused(e),
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
    if let Some(route) = picsum_dialect_picfit::Route::parse_delete(path) {
        return picsum_dialect_picfit::serve::delete_derived(
            &state.core,
            &state.dialects.picfit,
            &route,
        )
        .await;
    }
    deletes::original(&state.core, path).await
}

/// `DELETE /` (picfit would try to remove the storage root).
pub async fn delete_root() -> Response {
    ServiceError::Upload(UploadError::BadPath(String::new())).into_response(false)
}
