//! The rate-limit middleware ([`rate_limit`]): 429 with `Retry-After` past the per-client
//! limit of the guard's [`RateLimiter`](crate::ratelimit::RateLimiter), `X-RateLimit-*` on
//! every answer.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;
use http::header::{HeaderValue, RETRY_AFTER};
use picsum_image_core::client;
use picsum_web::response::error_response;

use crate::Guard;

/// Middleware: 429 with `Retry-After` past the per-client limit; `X-RateLimit-*` always.
/// Runs inside the gate's scope: requests whose address is not believed share the
/// `Unknown` account, so junk in `X-Forwarded-For` is no way around the limit.
pub async fn rate_limit(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let Some(limiter) = &guard.access.limiter else {
        return next.run(req).await;
    };
    let client = client::current();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let verdict = limiter.check(&client, now);
    let mut res = if verdict.allowed {
        next.run(req).await
    } else {
        metrics::counter!("picsum_rate_limited_total").increment(1);
        let mut res = error_response(StatusCode::TOO_MANY_REQUESTS, "limit exceeded", false);
        if let Ok(v) =
            HeaderValue::from_str(&(verdict.reset.saturating_sub(now)).max(1).to_string())
        {
            res.headers_mut().insert(RETRY_AFTER, v);
        }
        res
    };
    let h = res.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", u64::from(limiter.limit())),
        ("x-ratelimit-remaining", u64::from(verdict.remaining)),
        ("x-ratelimit-reset", verdict.reset),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            h.insert(name, v);
        }
    }
    res
}
