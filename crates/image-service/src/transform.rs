//! What every dialect of the transformation API shares once its request is parsed:
//! loading the source, choosing the output format from `Accept`, rendering a pipeline
//! once per canonical key (memory, Redis, single-flight) with the overlay images it draws,
//! and conditional answers.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use http::header::{self, HeaderMap, HeaderValue};
use picsum_imaging::overlay::Layers;
use picsum_imaging::transform::{Format, Op, Pipeline};

use crate::AppState;
use crate::error::ServiceError;

/// `Cache-Control` of transformed images: a day, then revalidate with the `ETag`.
pub const TRANSFORM_CACHE_CONTROL: &str = "public, max-age=86400, stale-while-revalidate=60";

/// A rendered result, ready to send.
#[derive(Debug, Clone)]
pub struct Derived {
    /// Encoded bytes.
    pub bytes: Bytes,
    /// Their format.
    pub format: Format,
    /// Whether the format was chosen from `Accept` (the answer then varies by it).
    pub negotiated: bool,
}

/// Loads a source from storage through the source cache.
///
/// # Errors
/// Missing (404) or unreadable (503) sources.
pub async fn load(state: &AppState, key: &str) -> Result<Bytes, ServiceError> {
    let load = async { state.storage.get(key).await.map_err(ServiceError::from) };
    let (bytes, _) = state
        .sources
        .get_or_load(&format!("src:{key}"), load)
        .await?;
    Ok(bytes)
}

/// When the original at `key` was last written, through the source cache (one storage
/// `HEAD` per key and cache lifetime). `None` when unknown or when storage fails: it only
/// feeds `Last-Modified`, never an error.
pub async fn modified(state: &AppState, key: &str) -> Option<SystemTime> {
    let head = async {
        let time = state
            .storage
            .modified(key)
            .await
            .map_err(ServiceError::from)?;
        let secs = time
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        Ok::<_, ServiceError>(Bytes::copy_from_slice(&secs.to_be_bytes()))
    };
    let (bytes, _) = state
        .sources
        .get_or_load(&format!("mtime:{key}"), head)
        .await
        .ok()?;
    let secs = u64::from_be_bytes(bytes.as_ref().try_into().ok()?);
    (secs > 0).then(|| UNIX_EPOCH + Duration::from_secs(secs))
}

/// Loads the overlay images `pipeline` draws, through the source cache. A missing `flat`
/// image is the request's fault (404); a missing watermark is the configuration's (500);
/// a missing retina variant falls back to the enlarged watermark.
///
/// # Errors
/// As above, and 503 for storage outages.
pub async fn load_layers(state: &AppState, pipeline: &Pipeline) -> Result<Layers, ServiceError> {
    let mut layers = Layers::new();
    for op in &pipeline.ops {
        match op {
            Op::Watermark(wm) => {
                if let Some(retina) = &wm.retina {
                    match load(state, retina).await {
                        Ok(bytes) => {
                            layers.insert(retina.clone(), bytes);
                        }
                        Err(ServiceError::ImageNotFound) => {}
                        Err(e) => return Err(e),
                    }
                }
                let bytes = load(state, &wm.source).await.map_err(|e| match e {
                    ServiceError::ImageNotFound => ServiceError::Internal(format!(
                        "watermark {} is not in the storage",
                        wm.source
                    )),
                    e => e,
                })?;
                layers.insert(wm.source.clone(), bytes);
            }
            Op::Flat(flat) => {
                for key in &flat.layers {
                    if !layers.contains_key(key) {
                        layers.insert(key.clone(), load(state, key).await?);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(layers)
}

/// Fetches a remote source (`url=`) through the source cache, once per refresh period
/// (`generation`, from [`crate::remote::Fetcher::generation`]).
///
/// # Errors
/// [`crate::remote::RemoteError`] as a 4xx (or 502/504 for origin failures).
pub async fn load_remote(
    state: &AppState,
    url: &str,
    generation: u64,
) -> Result<Bytes, ServiceError> {
    let fetch = async { state.remote.fetch(url).await.map_err(ServiceError::Remote) };
    let (bytes, _) = state
        .sources
        .get_or_load(&format!("src:url:{generation}:{url}"), fetch)
        .await?;
    Ok(bytes)
}

/// The format to encode when the request names none: AVIF (not for GIF sources, which may
/// be animated) or WebP when `Accept` lists them, else the source's own format when it can
/// be written, else JPEG.
#[must_use]
pub fn negotiate(headers: &HeaderMap, source: Option<Format>) -> Format {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let accepts = |mime: &str| {
        accept.split(',').any(|part| {
            let mut fields = part.split(';').map(str::trim);
            fields.next() == Some(mime) && !fields.any(|f| f.replace(' ', "") == "q=0")
        })
    };
    if accepts("image/avif") && source != Some(Format::Gif) {
        Format::Avif
    } else if accepts("image/webp") {
        Format::Webp
    } else {
        source.unwrap_or(Format::Jpeg)
    }
}

/// Renders `pipeline` (its format already chosen) on `source`, once per canonical key.
///
/// # Errors
/// Refused sources (422), overload (503), libvips faults (500).
pub async fn render(
    state: &Arc<AppState>,
    source_key: &str,
    source: Bytes,
    pipeline: Pipeline,
) -> Result<Bytes, ServiceError> {
    let key = format!("tx:v1/{source_key}/{}", pipeline.canonical());
    for op in &pipeline.ops {
        metrics::counter!("picsum_transform_operations_total", "op" => op.name()).increment(1);
    }
    let format = pipeline.output.format.map_or("source", Format::extension);
    metrics::counter!("picsum_transform_requests_total", "format" => format).increment(1);
    let limits = state.limits;
    let started = std::time::Instant::now();
    let work = async {
        let layers = load_layers(state, &pipeline).await?;
        let rendered = state
            .pool
            .run(move || picsum_imaging::process_layered(&source, &pipeline, limits, &layers))
            .await??;
        metrics::histogram!("picsum_transform_duration_seconds", "format" => format)
            .record(started.elapsed().as_secs_f64());
        Ok::<_, ServiceError>(Bytes::from(rendered.bytes))
    };
    let (bytes, _) = state.renders.get_or_load(&key, work).await?;
    Ok(bytes)
}

/// What a client may revalidate with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validators {
    /// Quoted entity tag.
    pub etag: String,
    /// The original's modification time, when known.
    pub modified: Option<SystemTime>,
}

/// Whether the client's copy is current: `If-None-Match` names the tag (weak or strong, or
/// `*`), or, without `If-None-Match`, `If-Modified-Since` is not older than the original.
#[must_use]
pub fn not_modified(headers: &HeaderMap, v: &Validators) -> bool {
    let mut tags = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .peekable();
    if tags.peek().is_some() {
        let etag = v.etag.as_str();
        return tags
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag || t.trim_matches('"') == etag.trim_matches('"'));
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    matches!((since, v.modified), (Some(since), Some(modified)) if modified <= since)
}

/// `304 Not Modified` with the validators.
#[must_use]
pub fn not_modified_response(v: &Validators, negotiated: bool) -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::NOT_MODIFIED;
    common_headers(res.headers_mut(), v, negotiated);
    res
}

/// `200` with the image.
#[must_use]
pub fn image_response(derived: Derived, v: &Validators) -> Response {
    let mut res = Response::new(Body::from(derived.bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(derived.format.content_type()),
    );
    common_headers(h, v, derived.negotiated);
    res
}

fn common_headers(h: &mut HeaderMap, v: &Validators, negotiated: bool) {
    if let Ok(value) = HeaderValue::from_str(&v.etag) {
        h.insert(header::ETAG, value);
    }
    if let Some(value) = v
        .modified
        .and_then(|t| HeaderValue::from_str(&httpdate::fmt_http_date(t)).ok())
    {
        h.insert(header::LAST_MODIFIED, value);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(TRANSFORM_CACHE_CONTROL),
    );
    if negotiated {
        h.insert(header::VARY, HeaderValue::from_static("Accept"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn negotiates_from_accept() {
        let cases = [
            ("image/avif,image/webp,*/*", Some(Format::Png), Format::Avif),
            ("image/webp,*/*;q=0.8", Some(Format::Png), Format::Webp),
            ("image/avif;q=0, image/webp", None, Format::Webp),
            ("*/*", Some(Format::Png), Format::Png),
            ("*/*", None, Format::Jpeg),
            ("text/html", Some(Format::Gif), Format::Gif),
            ("image/avif,image/webp,*/*", Some(Format::Gif), Format::Webp),
            ("image/avif,*/*", Some(Format::Gif), Format::Gif),
        ];
        for (accept, source, want) in cases {
            assert_eq!(
                negotiate(&headers(header::ACCEPT, accept), source),
                want,
                "{accept}"
            );
        }
        assert_eq!(
            negotiate(&HeaderMap::new(), Some(Format::Webp)),
            Format::Webp
        );
    }

    #[test]
    fn conditional_matching() {
        let modified = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let v = Validators {
            etag: "\"abc\"".into(),
            modified: Some(modified),
        };
        for (value, want) in [
            ("\"abc\"", true),
            ("W/\"abc\"", true),
            ("abc", true),
            ("\"x\", \"abc\"", true),
            ("*", true),
            ("\"abd\"", false),
        ] {
            assert_eq!(
                not_modified(&headers(header::IF_NONE_MATCH, value), &v),
                want,
                "{value}"
            );
        }
        assert!(!not_modified(&HeaderMap::new(), &v));
        let since = |t: SystemTime| headers(header::IF_MODIFIED_SINCE, &httpdate::fmt_http_date(t));
        assert!(not_modified(&since(modified), &v));
        assert!(not_modified(&since(modified + Duration::from_secs(60)), &v));
        assert!(!not_modified(&since(modified - Duration::from_secs(1)), &v));
        assert!(!not_modified(
            &headers(header::IF_MODIFIED_SINCE, "yesterday"),
            &v
        ));
        let unknown = Validators {
            modified: None,
            ..v.clone()
        };
        assert!(!not_modified(&since(modified), &unknown));
        // If-None-Match wins over If-Modified-Since.
        let mut both = since(modified);
        both.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert!(!not_modified(&both, &v));
    }
}
