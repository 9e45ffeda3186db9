//! Answers pixlserv requests with the transformed image, through the core's one response
//! policy (pixlserv never negotiates: PNG sources stay PNG, the rest become JPEG).

use std::sync::Arc;

use axum::response::Response;
use http::header::HeaderMap;
use picsum_guard::Guard;
use picsum_image_core::render::{self, Transform};
use picsum_image_core::{Core, ServiceError, source};
use picsum_imaging::model::Format;

use crate::error::PixlservError;
use crate::{Pixlserv, Route};

/// Serves one pixlserv image request.
///
/// # Errors
/// Bad parameters (400), unknown keys or keys without `get` (401), missing sources
/// (404), refused sources (422), overload and storage outages (503).
pub async fn handle(
    core: &Arc<Core>,
    guard: &Guard,
    pixlserv: &Pixlserv,
    route: &Route,
    headers: &HeaderMap,
) -> Result<Response, ServiceError> {
    let req = crate::parse::parse(route, |name| pixlserv.presets.get(name))?;
    guard.admit_image(req.api_key.as_deref()).await?;
    guard.admit_cost(&req.pipeline)?;
    let opened = match source::open(core, &req.path).await {
        Err(ServiceError::ImageNotFound) => {
            return Err(PixlservError::NotFound(req.path).into());
        }
        other => other?,
    };
    let transform = Transform {
        modified: opened.modified,
        source_key: opened.render_key(),
        source: opened.load(core).await?,
        tag: opened.tag(&format!("{}\n{}", req.path, req.pipeline.canonical())),
        original: Some(opened.original),
        pipeline: req.pipeline,
        negotiate: false,
        fallback: Format::Jpeg,
        conditional: true,
    };
    render::answer(core, headers, transform).await
}
