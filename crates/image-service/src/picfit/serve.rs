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
    let settings = Settings {
        secret: state.picfit.secret.as_deref(),
        quality: state.picfit.quality,
        allowed_sizes: &state.picfit.allowed_sizes,
    };
    let mut req = super::parse(method, tail, raw_query, settings)?;
    let (source_key, source, modified) = match &req.source {
        Source::Path(path) => (
            path.clone(),
            transform::load(&state, path).await?,
            transform::modified(&state, path).await,
        ),
        Source::Url(url) => (
            format!("url:{url}"),
            transform::load_remote(&state, url).await?,
            None,
        ),
    };
    let source_format = Format::sniff(&source);
    if req.passthrough && method == Method::Display {
        let format = source_format.unwrap_or(Format::Jpeg);
        let v = Validators {
            etag: format!("\"{}\"", req.key),
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
        format!("\"{}.{}\"", req.key, format.extension())
    } else {
        format!("\"{}\"", req.key)
    };
    let v = Validators { etag, modified };
    if method == Method::Display && !req.force && transform::not_modified(headers, &v) {
        return Ok(transform::not_modified_response(&v, negotiated));
    }
    let bytes = transform::render(&state, &source_key, source, req.pipeline).await?;
    let derived = Derived {
        bytes,
        format,
        negotiated,
    };
    match method {
        Method::Display => Ok(transform::image_response(derived, &v)),
        Method::Get | Method::Redirect => {
            let filename = format!("{}.{}", req.key, format.extension());
            let folder = crate::upload::derived_folder(&state.picfit.derived_prefix, &source_key);
            let path = format!("{folder}/{filename}");
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

fn json(value: &serde_json::Value) -> Response {
    let mut res = Response::new(Body::from(value.to_string()));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    res
}
