//! A per-client rate limit in fixed one-minute windows, and its middleware (429 with
//! `Retry-After`, `X-RateLimit-*` on every answer).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;
use http::header::{HeaderValue, RETRY_AFTER};
use picsum_web::response::error_response;

use crate::Guard;
use crate::peer::{Peer, canonical};

/// Locks the client map is split over: a sweep of idle clients holds one of them, never
/// the whole map.
const SHARDS: usize = 16;
/// Clients one shard keeps before it forgets those idle in the current minute.
const SHARD_CLIENTS: usize = 100_000 / SHARDS;

/// Fixed one-minute windows per client: an IPv4 address, or the /64 network of an IPv6
/// one (a single host usually holds a whole /64).
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    shards: [Mutex<HashMap<IpAddr, (u64, u32)>>; SHARDS],
}

/// The key a client is counted under.
fn client_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

/// A limiter's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the request may go on.
    pub allowed: bool,
    /// Requests left in this window.
    pub remaining: u32,
    /// Unix second at which the window resets.
    pub reset: u64,
}

impl RateLimiter {
    /// At most `per_minute` requests per client per minute.
    #[must_use]
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
        }
    }

    /// Counts one request from `ip` at unix second `now`.
    pub fn check(&self, ip: IpAddr, now: u64) -> Verdict {
        let minute = now / 60;
        let reset = (minute + 1) * 60;
        let key = client_key(ip);
        let shard = {
            use std::hash::{BuildHasher as _, BuildHasherDefault, DefaultHasher};
            let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
            usize::try_from(hash % SHARDS as u64).unwrap_or(0)
        };
        let Some(Ok(mut windows)) = self.shards.get(shard).map(Mutex::lock) else {
            return Verdict {
                allowed: true,
                remaining: self.per_minute,
                reset,
            };
        };
        if windows.len() > SHARD_CLIENTS {
            windows.retain(|_, (m, _)| *m == minute); // forget idle clients
        }
        let entry = windows.entry(key).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        Verdict {
            allowed: entry.1 <= self.per_minute,
            remaining: self.per_minute.saturating_sub(entry.1),
            reset,
        }
    }

    /// The configured limit.
    #[must_use]
    pub const fn limit(&self) -> u32 {
        self.per_minute
    }
}

/// Middleware: 429 with `Retry-After` past the per-client limit; `X-RateLimit-*` always.
pub async fn rate_limit(
    State(guard): State<Arc<Guard>>,
    peer: Peer,
    req: Request,
    next: Next,
) -> Response {
    let Some(limiter) = &guard.access.limiter else {
        return next.run(req).await;
    };
    // A client whose forwarded address is not believed counts as its proxy: junk in
    // `X-Forwarded-For` is no way around the limit.
    let client = guard.access.client_ip(req.headers(), peer.0);
    let Some(client) = client.or_else(|| peer.0.map(|p| p.ip())) else {
        return next.run(req).await;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let verdict = limiter.check(client, now);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_windows_per_client() {
        let l = RateLimiter::new(2);
        let (a, b): (IpAddr, IpAddr) = ("1.1.1.1".parse().unwrap(), "2.2.2.2".parse().unwrap());
        assert!(l.check(a, 120).allowed);
        assert_eq!(
            l.check(a, 130),
            Verdict {
                allowed: true,
                remaining: 0,
                reset: 180
            }
        );
        assert!(!l.check(a, 179).allowed);
        assert!(l.check(b, 179).allowed, "per client");
        assert!(l.check(a, 180).allowed, "a new window");
        // One IPv6 host holds a /64: its addresses share one budget.
        let v6 = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(l.check(v6("2001:db8:1:2::1"), 200).allowed);
        assert!(l.check(v6("2001:db8:1:2::ffff"), 200).allowed);
        assert!(!l.check(v6("2001:db8:1:2:abcd::9"), 200).allowed);
        assert!(l.check(v6("2001:db8:1:3::1"), 200).allowed, "another /64");
        // IPv4 through a dual-stack listener is the same client as plain IPv4.
        assert!(l.check(v6("::ffff:1.1.1.1"), 181).allowed);
        assert!(!l.check(a, 182).allowed);
    }
}
