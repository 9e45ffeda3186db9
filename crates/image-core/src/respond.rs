//! The one response policy of every transformed image, whatever the dialect: the output
//! format (named, negotiated from `Accept`, or the source's), the validators (`ETag` from
//! the dialect's entity tag plus the negotiated format, `Last-Modified` from the original),
//! conditional answers (304) and the headers of the 200.

use std::time::SystemTime;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use http::header::{self, HeaderMap, HeaderValue};
use picsum_imaging::model::Format;

/// `Cache-Control` of transformed images: a day, then revalidate with the `ETag`.
pub const TRANSFORM_CACHE_CONTROL: &str = "public, max-age=86400, stale-while-revalidate=60";

/// A rendered result, ready to send.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Encoded bytes.
    pub bytes: Bytes,
    /// Their format.
    pub format: Format,
    /// Whether the format was chosen from `Accept` (the answer then varies by it).
    pub negotiated: bool,
}

/// The output format of a request and whether it was negotiated: the one it names, else
/// (when the dialect negotiates) the best `Accept` allows, else the source's own, else
/// `fallback`.
#[must_use]
pub fn choose_format(
    named: Option<Format>,
    negotiate_accept: bool,
    headers: &HeaderMap,
    source: Option<Format>,
    fallback: Format,
) -> (Format, bool) {
    match named {
        Some(format) => (format, false),
        None if negotiate_accept => (negotiate(headers, source), true),
        None => (source.unwrap_or(fallback), false),
    }
}

/// The validators of an answer: the dialect's entity tag, quoted, with the format's
/// extension when the format was negotiated (so each variant has its own tag).
#[must_use]
pub fn validators(
    tag: &str,
    format: Format,
    negotiated: bool,
    modified: Option<SystemTime>,
) -> Validators {
    let etag = if negotiated {
        format!("\"{tag}.{}\"", format.extension())
    } else {
        format!("\"{tag}\"")
    };
    Validators { etag, modified }
}

/// The format to encode when the request names none: AVIF (not for GIF sources, which may
/// be animated) or WebP when `Accept` lists them, else the source's own format when it can
/// be written, else JPEG.
#[must_use]
pub fn negotiate(headers: &HeaderMap, source: Option<Format>) -> Format {
    let accept: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    picsum_url::format::preferred(&accept, source)
}

/// What a client may revalidate with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validators {
    /// Quoted entity tag.
    pub etag: String,
    /// The original's modification time, when known.
    pub modified: Option<SystemTime>,
}

/// Whether the client's copy is current: `If-None-Match` names the tag (weak or strong),
/// or is `*` and the answer `exists` (only known once it was rendered: a request that
/// would fail is never a 304), or, without `If-None-Match`, `If-Modified-Since` is not
/// older than the original.
#[must_use]
pub fn not_modified(headers: &HeaderMap, v: &Validators, exists: bool) -> bool {
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
            .any(|t| {
                (t == "*" && exists) || t == etag || t.trim_matches('"') == etag.trim_matches('"')
            });
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
pub fn image_response(rendered: Rendered, v: &Validators) -> Response {
    let mut res = Response::new(Body::from(rendered.bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(rendered.format.content_type()),
    );
    common_headers(h, v, rendered.negotiated);
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

/// A JSON answer (`application/json; charset=utf-8`) with `status`.
#[must_use]
pub fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut res = Response::new(Body::from(value.to_string()));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    res
}

/// Middleware: every answer of [`crate::memory::SMALL_ANSWER`] bytes or more is counted until the client
/// has taken it; one that does not fit is replaced by a 503 with `Retry-After`.
pub async fn hold_answers(
    axum::extract::State(budget): axum::extract::State<crate::memory::MemoryBudget>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use http_body::Body as _;
    let res = next.run(req).await;
    let size = res.body().size_hint().exact().unwrap_or(0);
    if size < crate::memory::SMALL_ANSWER as u64 {
        return res;
    }
    let (parts, body) = res.into_parts();
    // A whole body in memory: taking it out does not copy it.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return crate::error::ServiceError::Internal("answer body failed".into())
            .into_response(false);
    };
    match budget.hold_answer(&bytes) {
        Ok(hold) => axum::response::Response::from_parts(
            parts,
            axum::body::Body::new(crate::memory::HeldBody::new(bytes, hold)),
        ),
        Err(e) => crate::error::ServiceError::from(e).into_response(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

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
            ("\"abd\"", false),
        ] {
            let h = headers(header::IF_NONE_MATCH, value);
            assert_eq!(not_modified(&h, &v, false), want, "{value}");
            assert_eq!(not_modified(&h, &v, true), want, "{value}");
        }
        // `*` matches only an answer that exists.
        let any = headers(header::IF_NONE_MATCH, "*");
        assert!(!not_modified(&any, &v, false));
        assert!(not_modified(&any, &v, true));
        assert!(!not_modified(&HeaderMap::new(), &v, true));
        let since = |t: SystemTime| headers(header::IF_MODIFIED_SINCE, &httpdate::fmt_http_date(t));
        assert!(not_modified(&since(modified), &v, true));
        assert!(not_modified(
            &since(modified + Duration::from_secs(60)),
            &v,
            true
        ));
        assert!(!not_modified(
            &since(modified - Duration::from_secs(1)),
            &v,
            true
        ));
        assert!(!not_modified(
            &headers(header::IF_MODIFIED_SINCE, "yesterday"),
            &v,
            true
        ));
        let unknown = Validators {
            modified: None,
            ..v.clone()
        };
        assert!(!not_modified(&since(modified), &unknown, true));
        // If-None-Match wins over If-Modified-Since.
        let mut both = since(modified);
        both.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert!(!not_modified(&both, &v, true));
    }
}
