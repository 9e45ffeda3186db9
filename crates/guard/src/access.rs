//! Who is asking: the client address (`X-Forwarded-For` only from trusted proxies) and the
//! IP allowlist for writes.

use std::net::{IpAddr, SocketAddr};

use http::header::HeaderMap;
use ipnet::IpNet;

use crate::ratelimit::RateLimiter;
pub use picsum_web::client::parse_nets;
use picsum_web::client::{canonical, client_ip};

/// Access settings.
#[derive(Debug, Default)]
pub struct Access {
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Clients allowed to write (upload, delete, store derivatives); empty: none (unless
    /// anonymous writes are opted into).
    pub allowed_ips: Vec<IpNet>,
    /// Requests per minute per client; `None`: unlimited.
    pub limiter: Option<RateLimiter>,
}

impl Access {
    /// The client of a request from `peer`: the peer itself, unless it is a trusted proxy;
    /// then the right-most `X-Forwarded-For` address that is not a trusted proxy. `None`
    /// when a trusted proxy forwarded a list with an entry that is not an address (a port,
    /// `unknown`, garbage): such a list is not believed at all, and the client is unknown.
    /// IPv4 clients of a dual-stack listener (`::ffff:a.b.c.d`) are IPv4 addresses here.
    #[must_use]
    pub fn client_ip(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
        client_ip(&self.trusted_proxies, headers, peer)
    }

    /// Whether the client of a request from `peer` is on the write allowlist.
    #[must_use]
    pub fn allows_writes(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> bool {
        self.on_allowlist(self.client_ip(headers, peer))
    }

    /// Whether `client` is on the write allowlist (an empty list names no one).
    #[must_use]
    pub fn on_allowlist(&self, client: Option<IpAddr>) -> bool {
        client.is_some_and(|ip| {
            let ip = canonical(ip);
            self.allowed_ips.iter().any(|net| net.contains(&ip))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist_and_parsing() {
        let a = Access {
            allowed_ips: parse_nets("192.168.0.0/16, 2001:db8::1").unwrap(),
            ..Access::default()
        };
        assert!(a.on_allowlist("192.168.4.4".parse().ok()));
        assert!(a.on_allowlist("2001:db8::1".parse().ok()));
        assert!(!a.on_allowlist("10.0.0.1".parse().ok()));
        assert!(!a.on_allowlist(None));
        // An empty list names no one.
        assert!(!Access::default().on_allowlist("127.0.0.1".parse().ok()));
        // IPv4 clients of a dual-stack listener match IPv4 entries.
        assert!(a.on_allowlist("::ffff:192.168.4.4".parse().ok()));
        let peer: SocketAddr = "[::ffff:192.168.4.4]:5000".parse().unwrap();
        assert!(a.allows_writes(&HeaderMap::new(), Some(peer)));
        assert!(parse_nets("10.0.0.0/33").is_err());
        assert!(parse_nets("nope").is_err());
    }
}
