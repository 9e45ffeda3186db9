//! Answers both services share with Lorem Picsum: the text-or-JSON error body, cache
//! headers, the handler-timeout answer and gorilla/mux's redirects and path cleaning.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};

/// `Cache-Control` of every API answer that must never be cached (errors, redirects, JSON).
pub const NO_CACHE: &str = "private, no-cache, no-store, must-revalidate";
/// Body of the answer to a request that ran past the handler timeout.
pub const TIMEOUT_BODY: &str = "Something went wrong. Timed out.";

/// Whether the client asked for JSON errors: `Accept` must be exactly `application/json`.
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .is_some_and(|v| v.as_bytes() == b"application/json")
}

/// Picsum's error body: `{"error":"…"}\n` as JSON when asked for exactly that, otherwise
/// `…\n` as text, always with [`NO_CACHE`].
pub fn error_response(status: StatusCode, message: &str, json: bool) -> Response {
    let mut res = if json {
        let body = format!("{}\n", serde_json::json!({ "error": message }));
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    } else {
        let body = format!("{message}\n");
        (
            status,
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            body,
        )
            .into_response()
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE));
    res
}

/// 503 for a request that exceeded the handler timeout, as Go's `http.TimeoutHandler` words it.
pub fn timeout_response() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        TIMEOUT_BODY,
    )
        .into_response()
}

/// 405 with an empty body, as gorilla/mux answers a known path with the wrong method.
pub fn method_not_allowed() -> Response {
    StatusCode::METHOD_NOT_ALLOWED.into_response()
}

/// 301 to a path whose only fault was a trailing slash: relative `Location`, the query kept,
/// and the small HTML body Go's `http.Redirect` writes for GET and HEAD.
pub fn strict_slash_redirect(method: &Method, location: &str) -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::MOVED_PERMANENTLY;
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    if method == Method::GET || method == Method::HEAD {
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        *res.body_mut() = Body::from(format!(
            "<a href=\"{}\">Moved Permanently</a>.\n\n",
            html_escape(location)
        ));
    }
    res
}

/// 301 to the cleaned form of a non-canonical path, no body.
pub fn clean_path_redirect(location: &str) -> Response {
    let mut res = StatusCode::MOVED_PERMANENTLY.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// gorilla/mux `cleanPath`: Go's `path.Clean`, keeping a trailing slash.
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return "/".to_owned();
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if p.ends_with('/') && out != "/" {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_path_matches_mux() {
        assert_eq!(clean_path("//200"), "/200");
        assert_eq!(clean_path("/a/../200"), "/200");
        assert_eq!(clean_path("/200/300/"), "/200/300/");
        assert_eq!(clean_path("/./x//y/"), "/x/y/");
        assert_eq!(clean_path("/"), "/");
        assert_eq!(clean_path("/.."), "/");
    }

    #[test]
    fn json_only_for_exact_accept() {
        let mut h = HeaderMap::new();
        assert!(!wants_json(&h));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json, */*"),
        );
        assert!(!wants_json(&h));
        h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert!(wants_json(&h));
    }
}
