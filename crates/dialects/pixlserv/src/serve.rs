//! Answers pixlserv requests with the transformed image, through the core's one response
//! policy (pixlserv never negotiates: PNG sources stay PNG, the rest become JPEG).

use std::sync::Arc;

use axum::response::Response;
use http::header::HeaderMap;
use md5::{Digest, Md5};
use picsum_guard::Guard;
use picsum_image_core::ladder::Original;
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
    // The original's version names its renders and its tag (a source replaced under the
    // same name is rendered again and never revalidates as unchanged).
    let stat = match source::stat(core, &req.path).await {
        Err(ServiceError::ImageNotFound) => {
            return Err(PixlservError::NotFound(req.path).into());
        }
        other => other?,
    };
    let bytes = source::load(core, &req.path).await?;
    let tag = hex::encode(Md5::digest(format!(
        "{}\n{}\n{}",
        req.path,
        req.pipeline.canonical(),
        stat.version
    )));
    let transform = Transform {
        modified: stat.modified,
        source_key: format!("{}@{}", req.path, stat.version),
        source: bytes,
        original: Some(Original {
            key: req.path,
            version: stat.version,
        }),
        pipeline: req.pipeline,
        tag,
        negotiate: false,
        fallback: Format::Jpeg,
        conditional: true,
    };
    render::answer(core, headers, transform).await
}
