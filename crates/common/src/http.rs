//! HTTP conventions both services share with Lorem Picsum: error bodies, cache headers,
//! CORS (rs/cors semantics) and gorilla/mux path cleaning.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
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

/// rs/cors configuration: `*` origins, the given methods, and headers exposed on answers.
#[derive(Debug, Clone, Copy)]
pub struct Cors {
    /// Methods a cross-origin request may use.
    pub methods: &'static [Method],
    /// `Access-Control-Expose-Headers` to send when the request had an `Origin`.
    pub expose: Option<&'static str>,
}

const CORS_ALLOWED_HEADERS: [&str; 3] = ["accept", "content-type", "x-requested-with"];

/// CORS middleware with rs/cors v1.10 behaviour: preflights are answered here with 204
/// before routing; other answers get `Vary: Origin` and, for an allowed method with an
/// `Origin`, `Access-Control-Allow-Origin: *`.
pub async fn cors(State(cfg): State<Cors>, req: Request, next: Next) -> Response {
    let origin = req.headers().contains_key(header::ORIGIN);
    if req.method() == Method::OPTIONS
        && let Some(requested) = req.headers().get(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        return preflight(
            &cfg,
            origin,
            requested,
            req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS),
        );
    }
    let allowed = cfg.methods.contains(req.method());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    if origin && allowed {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        if let Some(expose) = cfg.expose {
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(expose),
            );
        }
    }
    res
}

fn preflight(
    cfg: &Cors,
    origin: bool,
    method: &HeaderValue,
    headers: Option<&HeaderValue>,
) -> Response {
    let mut res = StatusCode::NO_CONTENT.into_response();
    let h = res.headers_mut();
    h.insert(
        header::VARY,
        HeaderValue::from_static(
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        ),
    );
    let method_ok = method
        .to_str()
        .ok()
        .map(str::to_ascii_uppercase)
        .filter(|m| m == "OPTIONS" || cfg.methods.iter().any(|a| a.as_str() == m));
    let headers_ok = headers.and_then(|v| v.to_str().ok()).is_none_or(|list| {
        list.split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .all(|s| CORS_ALLOWED_HEADERS.contains(&s.as_str()))
    });
    if let (true, Some(m), true) = (origin, method_ok, headers_ok) {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        if let Ok(v) = HeaderValue::from_str(&m) {
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, v);
        }
        if let Some(v) = headers.filter(|v| !v.is_empty()) {
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v.clone());
        }
    }
    res
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

/// Splits `s` into its leading ASCII digits (at least one) and the rest.
pub fn leading_digits(s: &str) -> Option<(&str, &str)> {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    (end > 0).then(|| s.split_at(end))
}

/// The outcome of routing one request the way gorilla/mux (with `StrictSlash`) does.
#[derive(Debug)]
pub enum Routed<R> {
    /// A route matched.
    Route(R),
    /// Answer directly: a clean-path or trailing-slash 301.
    Respond(Response),
    /// No route matched.
    NotFound,
}

/// Routes a request: non-canonical paths get a 301 to the cleaned path, a path that only
/// matches without its trailing slash gets a 301 to that path (query kept), then `matcher`
/// decides. `path` is the percent-decoded path.
pub fn route<R>(
    method: &Method,
    path: &str,
    raw_query: Option<&str>,
    matcher: impl Fn(&str) -> Option<R>,
) -> Routed<R> {
    let with_query = |p: &str| match raw_query {
        Some(q) => format!("{p}?{q}"),
        None => p.to_owned(),
    };
    let cleaned = clean_path(path);
    if cleaned != path {
        return Routed::Respond(clean_path_redirect(&with_query(&cleaned)));
    }
    // No template ends in a slash, so a slash-terminated path that matches (an extension
    // may swallow the slash) or matches once stripped is redirected, as mux's StrictSlash does.
    if let Some(stripped) = path.strip_suffix('/').filter(|s| !s.is_empty()) {
        if matcher(path).is_some() || matcher(stripped).is_some() {
            return Routed::Respond(strict_slash_redirect(method, &with_query(stripped)));
        }
        return Routed::NotFound;
    }
    matcher(path).map_or(Routed::NotFound, Routed::Route)
}

/// The percent-decoded request path, as Go's `URL.Path` holds it.
pub fn decoded_path(uri: &http::Uri) -> String {
    percent_encoding::percent_decode_str(uri.path())
        .decode_utf8_lossy()
        .into_owned()
}

/// What a routed handler needs to know about its request.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The percent-decoded path.
    pub path: String,
    /// The raw query string (empty when none).
    pub query: String,
    /// Whether errors should be JSON ([`wants_json`]).
    pub json: bool,
    /// The request's headers.
    pub headers: http::HeaderMap,
}

/// A route table: how to match, name and gate routes.
pub trait RouteTable: Sized + Send {
    /// Matches a decoded path.
    fn parse(path: &str) -> Option<Self>;
    /// Route name for metrics.
    fn name(&self) -> &'static str;
    /// Whether `method` may use this route (otherwise 405).
    fn allows(&self, method: &Method) -> bool;
}

/// The common request path of both services: mux-style routing and redirects, 404 and 405,
/// the 45 s handler timeout, the duration histogram and the per-request debug log.
pub async fn dispatch<R, Fut>(
    req: Request,
    not_found: fn(bool) -> Response,
    handler: impl FnOnce(R, RequestInfo) -> Fut,
) -> Response
where
    R: RouteTable,
    Fut: Future<Output = Response>,
{
    let started = std::time::Instant::now();
    let mut req = req;
    let info = RequestInfo {
        path: decoded_path(req.uri()),
        query: req.uri().query().unwrap_or_default().to_owned(),
        json: wants_json(req.headers()),
        headers: std::mem::take(req.headers_mut()),
    };
    let (name, res) = match route(req.method(), &info.path, req.uri().query(), R::parse) {
        Routed::Respond(res) => ("unknown", res),
        Routed::NotFound => ("unknown", not_found(info.json)),
        Routed::Route(r) if !r.allows(req.method()) => (r.name(), method_not_allowed()),
        Routed::Route(r) => {
            let name = r.name();
            match tokio::time::timeout(crate::server::HANDLER_TIMEOUT, handler(r, info)).await {
                Ok(res) => (name, res),
                Err(_) => (name, timeout_response()),
            }
        }
    };
    crate::server::record_request(name, res.status(), started.elapsed());
    tracing::debug!(
        http.method = %req.method(),
        uri = %req.uri().path(),
        status.code = res.status().as_u16(),
        elapsed = format!("{:.9}s", started.elapsed().as_secs_f64()),
        "Request completed"
    );
    res
}
