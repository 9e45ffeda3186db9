//! Answers pixlserv requests with the transformed image.

use std::sync::Arc;

use axum::response::Response;
use http::header::HeaderMap;
use md5::{Digest, Md5};

use super::Route;
use crate::AppState;
use crate::error::ServiceError;
use crate::transform::{self, Derived, Validators};

/// Serves one pixlserv image request.
///
/// # Errors
/// Bad parameters (400), unknown keys or keys without `get` (401), missing sources
/// (404), refused sources (422), overload and storage outages (503).
pub async fn serve(
    state: Arc<AppState>,
    route: Route,
    headers: &HeaderMap,
) -> Result<Response, ServiceError> {
    let req = super::parse(&route, |name| state.presets.get(name))?;
    match &req.api_key {
        Some(key) => {
            crate::keys::require(&state, key, crate::keys::Permission::Get).await?;
        }
        None if state.auth.get => return Err(ServiceError::ApiKeyInvalid),
        None => {}
    }
    let source = match transform::load(&state, &req.path).await {
        Err(ServiceError::ImageNotFound) => {
            return Err(ServiceError::PixlservNotFound(req.path));
        }
        other => other?,
    };
    let format = req
        .pipeline
        .output
        .format
        .unwrap_or(picsum_imaging::transform::Format::Jpeg);
    let v = Validators {
        etag: format!(
            "\"{}\"",
            hex::encode(Md5::digest(format!(
                "{}\n{}",
                req.path,
                req.pipeline.canonical()
            )))
        ),
        modified: transform::modified(&state, &req.path).await,
    };
    if transform::not_modified(headers, &v) {
        return Ok(transform::not_modified_response(&v, false));
    }
    let bytes = transform::render(&state, &req.path, source, req.pipeline).await?;
    Ok(transform::image_response(
        Derived {
            bytes,
            format,
            negotiated: false,
        },
        &v,
    ))
}

/// Renders every eager preset of a freshly uploaded original into the caches, one after
/// the other on the render pool, so that the first requests for them are hits. Failures
/// are logged and counted, never reported to the uploader.
pub fn eager(state: &Arc<AppState>, key: &str, source: bytes::Bytes) {
    let mut names: Vec<String> = state
        .presets
        .iter()
        .filter(|(_, p)| p.eager)
        .map(|(name, _)| name.clone())
        .collect();
    if names.is_empty() {
        return;
    }
    names.sort_unstable();
    let (state, key) = (Arc::clone(state), key.to_owned());
    tokio::spawn(async move {
        for name in names {
            let route = Route {
                api_key: None,
                params: format!("t_{name}"),
                path: key.clone(),
            };
            let result = match super::parse(&route, |n| state.presets.get(n)) {
                Ok(req) => transform::render(&state, &req.path, source.clone(), req.pipeline)
                    .await
                    .map(drop),
                Err(e) => Err(e.into()),
            };
            let outcome = if let Err(e) = result {
                tracing::warn!(preset = %name, key = %key, error = %e, "eager transformation failed");
                "error"
            } else {
                "ok"
            };
            metrics::counter!("picsum_eager_renders_total", "outcome" => outcome).increment(1);
        }
    });
}
