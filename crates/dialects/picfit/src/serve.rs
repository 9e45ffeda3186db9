//! Answers picfit requests: `display` (the image), `get` (JSON of the stored derivative)
//! and `redirect` (301 to it), through the core's one response policy and derived store;
//! and picfit's `DELETE` of one derivative.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use http::header::{self, HeaderMap, HeaderValue};
use picsum_guard::Guard;
use picsum_image_core::ladder::Original;
use picsum_image_core::render::{self, Transform};
use picsum_image_core::respond::{choose_format, json};
use picsum_image_core::{Core, ServiceError, source};
use picsum_imaging::model::Format;

use crate::error::PicfitError;
use crate::parse::{Method, Request, Source};
use crate::{Picfit, Route};

/// A loaded source: how render keys and the entity tag name it, its bytes, and when the
/// original was written.
struct Loaded {
    /// The storage key, or `url:{url}`: names the source in the derived store.
    source_key: String,
    /// The stored original the source is (`None` for `url=`).
    original: Option<Original>,
    /// Names the source in render keys: for `url=` it changes with every refresh period.
    render_key: String,
    /// picfit's key, with the refresh period for `url=` sources.
    tag: String,
    bytes: Bytes,
    modified: Option<std::time::SystemTime>,
}

/// Serves one picfit request.
///
/// # Errors
/// Parse errors (400/401/403), `get`/`redirect` from a client that may not write (401),
/// missing sources (404), refused sources (422), overload and storage outages (503).
pub async fn handle(
    core: &Arc<Core>,
    (guard, peer): (&Guard, Option<SocketAddr>),
    picfit: &Picfit,
    route: &Route,
    raw_query: &str,
    headers: &HeaderMap,
) -> Result<Response, ServiceError> {
    let req = crate::parse::parse(route.method, &route.tail, raw_query, picfit.settings())?;
    guard.admit_cost(&req.pipeline)?;
    if req.method != Method::Display {
        // `get` and `redirect` write into the store: only for writers.
        guard.admit_write(headers, peer)?;
    }
    let loaded = load(core, &req).await?;
    if req.method == Method::Display {
        if req.passthrough {
            return render::untouched(
                core,
                headers,
                &loaded.render_key,
                loaded.bytes,
                &loaded.tag,
                loaded.modified,
                !req.force,
            )
            .await;
        }
        let transform = Transform {
            source_key: loaded.render_key,
            source: loaded.bytes,
            original: loaded.original,
            pipeline: req.pipeline,
            tag: loaded.tag,
            modified: loaded.modified,
            negotiate: true,
            fallback: Format::Jpeg,
            conditional: !req.force,
        };
        return render::answer(core, headers, transform).await;
    }
    store(core, req, loaded).await
}

/// Loads the request's source: from storage, or fetched (once per refresh period).
async fn load(core: &Core, req: &Request) -> Result<Loaded, ServiceError> {
    Ok(match &req.source {
        Source::Path(path) => {
            let opened = source::open(core, path).await?;
            Loaded {
                source_key: path.clone(),
                render_key: opened.render_key(),
                tag: opened.tag(&req.key),
                bytes: opened.load(core).await?,
                modified: opened.modified,
                original: Some(opened.original),
            }
        }
        Source::Url(url) => {
            let generation = core.remote.generation(url);
            Loaded {
                source_key: format!("url:{url}"),
                original: None,
                render_key: format!("url:{generation}:{url}"),
                tag: format!("{}-{generation}", req.key),
                bytes: source::load_remote(core, url, generation).await?,
                modified: None,
            }
        }
    })
}

/// `get` and `redirect`: render, store the derivative (once, or again with `force`), then
/// describe it or redirect to it.
async fn store(
    core: &Arc<Core>,
    mut req: Request,
    loaded: Loaded,
) -> Result<Response, ServiceError> {
    let (format, _) = choose_format(
        req.pipeline.output.format,
        false,
        &HeaderMap::new(),
        Format::sniff(&loaded.bytes),
        Format::Png,
    );
    req.pipeline.output.format = Some(format);
    let bytes = render::render(
        core,
        &loaded.render_key,
        loaded.bytes,
        loaded.original.as_ref(),
        req.pipeline,
    )
    .await?;
    let path = core.derived.path(&loaded.source_key, &req.key, format);
    core.derived
        .store(&core.storage, &core.writes, &path, bytes, req.force)
        .await?;
    let url = core.derived.url(&path).unwrap_or_default();
    if req.method == Method::Get {
        let filename = format!("{}.{}", req.key, format.extension());
        return Ok(json(
            StatusCode::OK,
            &serde_json::json!({
            "filename": filename,
            "path": path,
            "url": url,
                "key": req.key,
            }),
        ));
    }
    if url.is_empty() {
        return Err(PicfitError::NoDerivedBaseUrl.into());
    }
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::MOVED_PERMANENTLY;
    if let Ok(v) = HeaderValue::from_str(&url) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// picfit's `DELETE /{method}/{op}/{W}x{H}/{path}`: removes the one stored derivative
/// that URL names (in whichever format it was stored), leaving the original and its other
/// derivatives.
///
/// # Errors
/// Parse errors as for a request (400/401/403), 404 when nothing was stored for it.
pub async fn delete_derived(
    core: &Core,
    picfit: &Picfit,
    route: &Route,
) -> Result<(), ServiceError> {
    let req = crate::parse::parse(route.method, &route.tail, "", picfit.settings())?;
    let Source::Path(source_key) = &req.source else {
        return Err(ServiceError::ImageNotFound);
    };
    if core
        .derived
        .delete(&core.storage, source_key, &req.key)
        .await?
        == 0
    {
        return Err(ServiceError::ImageNotFound);
    }
    tracing::info!(source = %source_key, key = %req.key, "deleted one derivative");
    Ok(())
}
