//! Who is asking: the client address (`X-Forwarded-For` only from trusted proxies), an IP
//! allowlist for writes, and a per-client rate limit.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;
use http::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use http::request::Parts;
use ipnet::IpNet;

use crate::AppState;

/// Access settings.
#[derive(Debug, Default)]
pub struct Access {
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Clients allowed to upload and delete; empty: any.
    pub allowed_ips: Vec<IpNet>,
    /// Requests per minute per client; `None`: unlimited.
    pub limiter: Option<RateLimiter>,
}

impl Access {
    /// The client of a request from `peer`: the peer itself, unless it is a trusted proxy;
    /// then the right-most `X-Forwarded-For` address that is not a trusted proxy.
    #[must_use]
    pub fn client_ip(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
        let peer = peer?.ip();
        if !self.trusted(peer) {
            return Some(peer);
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        Some(
            forwarded
                .iter()
                .rev()
                .find(|ip| !self.trusted(**ip))
                .or(forwarded.first())
                .copied()
                .unwrap_or(peer),
        )
    }

    fn trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    /// Whether the client of a request from `peer` may upload and delete.
    #[must_use]
    pub fn allows_writes(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> bool {
        self.may_write(self.client_ip(headers, peer))
    }

    /// Whether `client` may upload and delete.
    #[must_use]
    pub fn may_write(&self, client: Option<IpAddr>) -> bool {
        self.allowed_ips.is_empty()
            || client.is_some_and(|ip| self.allowed_ips.iter().any(|net| net.contains(&ip)))
    }
}

/// Parses `10.0.0.0/8,192.168.1.7` (a bare address is a /32 or /128).
///
/// # Errors
/// The entry that does not parse.
pub fn parse_nets(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| {
            e.parse::<IpNet>()
                .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{e}: not an IP address or CIDR"))
        })
        .collect()
}

/// The peer address the server recorded for this connection, if any.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| *addr),
        ))
    }
}

/// Fixed one-minute windows per client address.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (u64, u32)>>,
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
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `ip` at unix second `now`.
    pub fn check(&self, ip: IpAddr, now: u64) -> Verdict {
        let minute = now / 60;
        let reset = (minute + 1) * 60;
        let Ok(mut windows) = self.windows.lock() else {
            return Verdict {
                allowed: true,
                remaining: self.per_minute,
                reset,
            };
        };
        if windows.len() > 100_000 {
            windows.retain(|_, (m, _)| *m == minute); // forget idle clients
        }
        let entry = windows.entry(ip).or_insert((minute, 0));
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
    State(state): State<Arc<AppState>>,
    peer: Peer,
    req: Request,
    next: Next,
) -> Response {
    let Some(limiter) = &state.access.limiter else {
        return next.run(req).await;
    };
    let Some(client) = state.access.client_ip(req.headers(), peer.0) else {
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
        let mut res = picsum_common::http::error_response(
            StatusCode::TOO_MANY_REQUESTS,
            "limit exceeded",
            false,
        );
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

    fn access(trusted: &str) -> Access {
        Access {
            trusted_proxies: parse_nets(trusted).unwrap(),
            ..Access::default()
        }
    }

    fn xff(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let peer = Some("10.0.0.5:4000".parse().unwrap());
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        // An untrusted peer cannot claim another address.
        assert_eq!(access("").client_ip(&xff("1.2.3.4"), peer), ip("10.0.0.5"));
        // Behind trusted proxies: the right-most untrusted address.
        let a = access("10.0.0.0/8");
        assert_eq!(a.client_ip(&xff("1.2.3.4"), peer), ip("1.2.3.4"));
        assert_eq!(
            a.client_ip(&xff("6.6.6.6, 1.2.3.4, 10.0.0.9"), peer),
            ip("1.2.3.4")
        );
        assert_eq!(a.client_ip(&xff("10.0.0.7"), peer), ip("10.0.0.7"));
        assert_eq!(a.client_ip(&xff("junk"), peer), ip("10.0.0.5"));
        assert_eq!(a.client_ip(&HeaderMap::new(), None), None);
    }

    #[test]
    fn allowlist_and_parsing() {
        let a = Access {
            allowed_ips: parse_nets("192.168.0.0/16, 2001:db8::1").unwrap(),
            ..Access::default()
        };
        assert!(a.may_write("192.168.4.4".parse().ok()));
        assert!(a.may_write("2001:db8::1".parse().ok()));
        assert!(!a.may_write("10.0.0.1".parse().ok()));
        assert!(!a.may_write(None));
        assert!(Access::default().may_write(None));
        assert!(parse_nets("10.0.0.0/33").is_err());
        assert!(parse_nets("nope").is_err());
    }

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
    }
}
