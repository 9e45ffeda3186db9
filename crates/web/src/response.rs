//! Answers both services share with Lorem Picsum: the text-or-JSON error body, cache
//! headers, the handler-timeout answer and gorilla/mux's redirects and path cleaning, with
//! the redirect target re-encoded so that it never leaves the origin.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a redirect's path keeps as it is: RFC 3986's `pchar` less `%`, and `/`. Everything
/// else (`\`, `%`, `?`, `#`, spaces, controls, non-ASCII) is percent-encoded again.
const PATH_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// What a redirect's raw query gets encoded: controls, spaces and `\` (non-ASCII always is);
/// its `%XX` escapes stay as the client wrote them.
const QUERY_ENCODE: &AsciiSet = &CONTROLS.add(b' ').add(b'\\');

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

/// 405 with an empty body, as gorilla/mux answers a known path with the wrong method, and
/// the `Allow` RFC 9110 asks for: the methods the path does take.
pub fn method_not_allowed(allow: &[Method]) -> Response {
    let mut res = StatusCode::METHOD_NOT_ALLOWED.into_response();
    let list: Vec<&str> = allow.iter().map(Method::as_str).collect();
    if let Ok(v) = HeaderValue::from_str(&list.join(", ")) {
        res.headers_mut().insert(header::ALLOW, v);
    }
    res
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

/// The `Location` of a redirect to the decoded path `path` (query kept): the path
/// percent-encoded again, `None` when the result could leave the origin (see
/// [`stays_on_origin`]), in which case the caller answers 404 instead.
pub fn redirect_location(path: &str, raw_query: Option<&str>) -> Option<String> {
    let mut location = utf8_percent_encode(path, PATH_ENCODE).to_string();
    if let Some(q) = raw_query {
        location.push('?');
        location.extend(utf8_percent_encode(q, QUERY_ENCODE));
    }
    stays_on_origin(&location).then_some(location)
}

/// Whether a browser resolves `location` against the current origin: it starts with one
/// `/` not followed by `/` or `\` (which would make it scheme-relative), and holds no `\`,
/// space or control character (browsers read `\` as `/` and drop tabs and newlines).
pub fn stays_on_origin(location: &str) -> bool {
    let b = location.as_bytes();
    b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && !b
            .iter()
            .any(|&c| c == b'\\' || c == b' ' || c.is_ascii_control())
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
    fn redirect_locations_are_encoded_again() {
        let at = |p, q| redirect_location(p, q);
        assert_eq!(
            at("/\\evil.example/", None).as_deref(),
            Some("/%5Cevil.example/")
        );
        assert_eq!(
            at("/200/300", Some("blur")).as_deref(),
            Some("/200/300?blur")
        );
        assert_eq!(at("/a b/100%", None).as_deref(), Some("/a%20b/100%25"));
        assert_eq!(at("/a?b#c", None).as_deref(), Some("/a%3Fb%23c"));
        assert_eq!(at("/\t/x", None).as_deref(), Some("/%09/x"));
        assert_eq!(
            at("/é", Some("x=é\\")).as_deref(),
            Some("/%C3%A9?x=%C3%A9%5C")
        );
        assert_eq!(
            at("/id/1/200.jpg", Some("hmac=a%2Fb&blur=2")).as_deref(),
            Some("/id/1/200.jpg?hmac=a%2Fb&blur=2")
        );
        assert_eq!(at("/", None).as_deref(), Some("/"));
    }

    #[test]
    fn locations_that_leave_the_origin_are_refused() {
        assert_eq!(redirect_location("//evil.example", None), None);
        assert_eq!(redirect_location("evil.example", None), None);
        assert_eq!(redirect_location("", None), None);
        for bad in [
            "//x",
            "/\\x",
            "/a\\b",
            "https://x",
            "/a\tb",
            "/a b",
            "x/y",
            "",
        ] {
            assert!(!stays_on_origin(bad), "{bad:?}");
        }
        for good in ["/", "/x", "/%5Cx", "/x//y", "/x?y=//z"] {
            assert!(stays_on_origin(good), "{good:?}");
        }
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
