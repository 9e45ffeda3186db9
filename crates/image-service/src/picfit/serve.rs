//! Answers picfit requests: `display` (the image), `get` (JSON of the stored derivative)
//! and `redirect` (301 to it). Derivatives are stored as `{key}.{ext}` under the
//! configured prefix of the storage, as picfit stores them in `dst` (or `src`).

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use http::header::{self, HeaderMap, HeaderValue};
use picsum_imaging::transform::Format;

use super::{Method, Settings, Source};
use crate::AppState;
use crate::error::ServiceError;
use crate::transform::{self, Derived, Validators};

/// Serves one picfit request; `tail` is the path after the method segment.
///
/// # Errors
/// Parse errors (400/401/403), missing sources (404), refused sources (422), overload and
/// storage outages (503).
pub async fn serve(
    state: Arc<AppState>,
    method: Method,
    tail: &str,
    raw_query: &str,
    headers: &HeaderMap,
) -> Result<Response, ServiceError> {
    let mut req = super::parse(method, tail, raw_query, settings(&state))?;
    // A `url=` source is fetched again in every refresh period (always 0 for `path=`).
    let generation = match &req.source {
        Source::Url(url) => state.remote.generation(url),
        Source::Path(_) => 0,
    };
    // `render_key` names the source in render-cache keys: for `url=` it changes with every
    // refresh period, so renders follow the re-fetched source.
    let (source_key, render_key, source, modified) = match &req.source {
        Source::Path(path) => (
            path.clone(),
            path.clone(),
            transform::load(&state, path).await?,
            transform::modified(&state, path).await,
        ),
        Source::Url(url) => (
            format!("url:{url}"),
            format!("url:{generation}:{url}"),
            transform::load_remote(&state, url, generation).await?,
            None,
        ),
    };
    // The entity tag is picfit's key; a `url=` source may change with every refresh
    // period, so its tag names the period too.
    let tag = match &req.source {
        Source::Path(_) => req.key.clone(),
        Source::Url(_) => format!("{}-{generation}", req.key),
    };
    let source_format = Format::sniff(&source);
    if req.passthrough && method == Method::Display {
        let format = source_format.unwrap_or(Format::Jpeg);
        let v = Validators {
            etag: format!("\"{tag}\""),
            modified,
        };
        if !req.force && transform::not_modified(headers, &v) {
            return Ok(transform::not_modified_response(&v, false));
        }
        let derived = Derived {
            bytes: source,
            format,
            negotiated: false,
        };
        return Ok(transform::image_response(derived, &v));
    }
    let negotiated = req.pipeline.output.format.is_none() && method == Method::Display;
    let format = match req.pipeline.output.format {
        Some(f) => f,
        None if negotiated => transform::negotiate(headers, source_format),
        None => source_format.unwrap_or(Format::Png),
    };
    req.pipeline.output.format = Some(format);
    let etag = if negotiated {
        format!("\"{tag}.{}\"", format.extension())
    } else {
        format!("\"{tag}\"")
    };
    let v = Validators { etag, modified };
    if method == Method::Display && !req.force && transform::not_modified(headers, &v) {
        return Ok(transform::not_modified_response(&v, negotiated));
    }
    let bytes = transform::render(&state, &render_key, source, req.pipeline).await?;
    let derived = Derived {
        bytes,
        format,
        negotiated,
    };
    match method {
        Method::Display => Ok(transform::image_response(derived, &v)),
        Method::Get | Method::Redirect => {
            let filename = format!("{}.{}", req.key, format.extension());
            let path = derived_path(&state, &source_key, &req.key, format);
            if req.force || !state.storage.exists(&path).await? {
                state.storage.put(&path, derived.bytes).await?;
            }
            let url = state
                .picfit
                .base_url
                .as_ref()
                .map(|base| format!("{}/{path}", base.trim_end_matches('/')))
                .unwrap_or_default();
            if method == Method::Get {
                Ok(json(&serde_json::json!({
                    "filename": filename,
                    "path": path,
                    "url": url,
                    "key": req.key,
                })))
            } else if url.is_empty() {
                Err(ServiceError::NoDerivedBaseUrl)
            } else {
                let mut res = Response::new(Body::empty());
                *res.status_mut() = StatusCode::MOVED_PERMANENTLY;
                if let Ok(v) = HeaderValue::from_str(&url) {
                    res.headers_mut().insert(header::LOCATION, v);
                }
                Ok(res)
            }
        }
    }
}

/// Where a derivative is stored: `{prefix}{md5(source)}/{shard(key)}.{ext}`.
fn derived_path(state: &AppState, source_key: &str, key: &str, format: Format) -> String {
    let folder = crate::upload::derived_folder(&state.picfit.derived_prefix, source_key);
    format!(
        "{folder}/{}.{}",
        state.picfit.shard.apply(key),
        format.extension()
    )
}

/// picfit's `DELETE /{method}/{op}/{W}x{H}/{path}`: removes the one stored derivative
/// that URL names (in whichever format it was stored), leaving the original and its other
/// derivatives.
///
/// # Errors
/// Parse errors as for a request (400/401/403), 404 when nothing was stored for it.
pub async fn delete_derived(
    state: &AppState,
    method: Method,
    tail: &str,
) -> Result<(), ServiceError> {
    let req = super::parse(method, tail, "", settings(state))?;
    let Source::Path(source_key) = &req.source else {
        return Err(ServiceError::ImageNotFound);
    };
    let mut deleted = 0;
    for format in Format::ALL {
        let path = derived_path(state, source_key, &req.key, format);
        if state.storage.exists(&path).await? {
            state.storage.delete(&path).await?;
            deleted += 1;
        }
    }
    if deleted == 0 {
        return Err(ServiceError::ImageNotFound);
    }
    tracing::info!(source = %source_key, key = %req.key, "deleted one derivative");
    Ok(())
}

/// The parser's view of the picfit settings.
fn settings(state: &AppState) -> Settings<'_> {
    Settings {
        secret: state.picfit.secret.as_deref(),
        quality: state.picfit.quality,
        allowed_sizes: &state.picfit.allowed_sizes,
    }
}

fn json(value: &serde_json::Value) -> Response {
    let mut res = Response::new(Body::from(value.to_string()));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    res
}
