//! CORS with rs/cors v1.10 semantics: `*` origins, preflights answered before routing; and
//! `Cross-Origin-Resource-Policy: cross-origin` on every answer, so pages isolated with
//! `Cross-Origin-Embedder-Policy: require-corp` can embed the images (and follow the API's
//! redirects to them): everything both services serve is public.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderValue};
use http::{Method, StatusCode};

/// rs/cors configuration: `*` origins, the given methods, and headers exposed on answers.
#[derive(Debug, Clone, Copy)]
pub struct Cors {
    /// Methods a cross-origin request may use.
    pub methods: &'static [Method],
    /// `Access-Control-Expose-Headers` to send when the request had an `Origin`.
    pub expose: Option<&'static str>,
}

/// `Cross-Origin-Resource-Policy`.
pub const RESOURCE_POLICY: &str = "cross-origin-resource-policy";

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
    h.insert(RESOURCE_POLICY, HeaderValue::from_static("cross-origin"));
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
    h.insert(RESOURCE_POLICY, HeaderValue::from_static("cross-origin"));
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
