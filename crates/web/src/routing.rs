//! gorilla/mux-style routing shared by both services: path cleaning and trailing-slash
//! redirects, 404 and 405, the handler timeout, the request-duration histogram; every
//! request's id, panic guard and access-log line ([`crate::access`]).

use std::time::Duration;

use axum::extract::Request;
use axum::response::Response;
use http::Method;

use tracing::Instrument;

use crate::access::{Finished, REQUEST_ID, catch_panic, request_id, request_span};
use crate::response::{
    clean_path, clean_path_redirect, method_not_allowed, redirect_location, strict_slash_redirect,
    timeout_response, wants_json,
};
use crate::telemetry::record_request;

/// Handler time limit (Picsum's `http.TimeoutHandler`).
pub const HANDLER_TIMEOUT: Duration = Duration::from_secs(45);

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
/// decides. `path` is the percent-decoded path; a redirect's `Location` is that path encoded
/// again ([`redirect_location`]), and a path whose redirect could leave the origin is a 404.
pub fn route<R>(
    method: &Method,
    path: &str,
    raw_query: Option<&str>,
    matcher: impl Fn(&str) -> Option<R>,
) -> Routed<R> {
    let cleaned = clean_path(path);
    if cleaned != path {
        return redirect_location(&cleaned, raw_query).map_or(Routed::NotFound, |to| {
            Routed::Respond(clean_path_redirect(&to))
        });
    }
    // No template ends in a slash, so a slash-terminated path that matches (an extension
    // may swallow the slash) or matches once stripped is redirected, as mux's StrictSlash does.
    if let Some(stripped) = path.strip_suffix('/').filter(|s| !s.is_empty()) {
        if matcher(path).is_some() || matcher(stripped).is_some() {
            return redirect_location(stripped, raw_query).map_or(Routed::NotFound, |to| {
                Routed::Respond(strict_slash_redirect(method, &to))
            });
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
    /// The peer address the server recorded for the connection, if any.
    pub peer: Option<std::net::SocketAddr>,
}

/// A route table: how to match, name and gate routes.
pub trait RouteTable: Sized + Send {
    /// Matches a decoded path.
    fn parse(path: &str) -> Option<Self>;
    /// Route name for metrics.
    fn name(&self) -> &'static str;
    /// The methods this route answers; any other is a 405 whose `Allow` lists them.
    fn methods(&self) -> &'static [Method];
    /// Whether `method` may use this route (otherwise 405): one of [`Self::methods`].
    fn allows(&self, method: &Method) -> bool {
        self.methods().contains(method)
    }
}

/// The common request path of both services: the request id, mux-style routing and
/// redirects, 404 and 405, the 45 s handler timeout, a panicking handler's 500, the duration
/// histogram and the access log ([`crate::access`]).
pub async fn dispatch<R, Fut>(
    req: Request,
    not_found: fn(bool) -> Response,
    handler: impl FnOnce(R, RequestInfo) -> Fut,
) -> Response
where
    R: RouteTable,
    Fut: Future<Output = Response>,
{
    dispatch_matching(req, R::parse, not_found, handler).await
}

/// [`dispatch`] with the routes `matcher` claims (e.g. only those of enabled dialects: a
/// path no route claims is a 404, never first a redirect to a cleaned path).
pub async fn dispatch_matching<R, Fut>(
    req: Request,
    matcher: impl Fn(&str) -> Option<R>,
    not_found: fn(bool) -> Response,
    handler: impl FnOnce(R, RequestInfo) -> Fut,
) -> Response
where
    R: RouteTable,
    Fut: Future<Output = Response>,
{
    let started = std::time::Instant::now();
    let mut req = req;
    let id = request_id(req.headers_mut());
    let span = request_span(req.method(), req.uri(), req.headers(), &id);
    let info = RequestInfo {
        path: decoded_path(req.uri()),
        query: req.uri().query().unwrap_or_default().to_owned(),
        json: wants_json(req.headers()),
        headers: std::mem::take(req.headers_mut()),
        peer: req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0),
    };
    let forwarded_for = info.headers.get("x-forwarded-for").cloned();
    let client = crate::client::logged_client(&info.headers, info.peer);
    let (peer, json) = (info.peer, info.json);
    let (name, mut res) = match route(req.method(), &info.path, req.uri().query(), matcher) {
        Routed::Respond(res) => ("unknown", res),
        Routed::NotFound => ("unknown", not_found(info.json)),
        Routed::Route(r) if !r.allows(req.method()) => (r.name(), method_not_allowed(r.methods())),
        Routed::Route(r) => {
            let name = r.name();
            let handled = catch_panic(handler(r, info), json, &id).instrument(span.clone());
            match tokio::time::timeout(HANDLER_TIMEOUT, handled).await {
                Ok(res) => (name, res),
                Err(_) => (name, timeout_response()),
            }
        }
    };
    let elapsed = started.elapsed();
    record_request(name, res.status(), elapsed);
    Finished {
        method: req.method(),
        uri: req.uri(),
        route: name,
        status: res.status(),
        elapsed,
        id: &id,
        peer,
        client,
        forwarded_for: forwarded_for.as_ref(),
    }
    .log(&span);
    res.headers_mut().insert(REQUEST_ID, id);
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::stays_on_origin;

    /// The `Location` of a GET of `path` (decoded) when every path matches.
    fn location(path: &str, query: Option<&str>) -> Option<String> {
        match route(&Method::GET, path, query, |_| Some(())) {
            Routed::Respond(res) => res
                .headers()
                .get(http::header::LOCATION)
                .map(|v| v.to_str().unwrap_or_default().to_owned()),
            _ => None,
        }
    }

    #[test]
    fn backslash_paths_redirect_encoded() {
        // `GET /%5Cevil.example//` used to answer `Location: /\evil.example/`.
        assert_eq!(
            location("/\\evil.example//", None).as_deref(),
            Some("/%5Cevil.example/")
        );
        assert_eq!(
            location("/\\evil.example/", Some("a=b")).as_deref(),
            Some("/%5Cevil.example?a=b")
        );
        assert_eq!(
            location("//evil.example", None).as_deref(),
            Some("/evil.example")
        );
        assert_eq!(
            location("/200/300/", Some("blur")).as_deref(),
            Some("/200/300?blur")
        );
    }

    proptest::proptest! {
        #[test]
        fn redirects_never_leave_the_origin(
            path in "[/\\\\.a%\t ?#:@é]{0,12}|/.{0,16}|.{0,16}",
            query in proptest::option::of("[a-z=&%\\\\/ \t]{0,8}|.{0,8}"),
            every in proptest::bool::ANY,
        ) {
            let res = route(&Method::GET, &path, query.as_deref(), |_| every.then_some(()));
            if let Routed::Respond(res) = res {
                let to = res.headers().get(http::header::LOCATION).map(|v| v.to_str());
                let Some(Ok(to)) = to else {
                    return Err(proptest::test_runner::TestCaseError::fail("no Location"));
                };
                let b = to.as_bytes();
                proptest::prop_assert!(b.first() == Some(&b'/'), "{path:?} -> {to:?}");
                proptest::prop_assert!(!matches!(b.get(1), Some(b'/' | b'\\')), "{to:?}");
                proptest::prop_assert!(!to.contains('\\') && stays_on_origin(to), "{to:?}");
            }
        }
    }
}
