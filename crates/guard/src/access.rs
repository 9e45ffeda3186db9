//! Who is asking: the client address (`X-Forwarded-For` only from trusted proxies) and the
//! IP allowlist for writes.

use std::net::{IpAddr, SocketAddr};

use http::header::HeaderMap;
use ipnet::IpNet;

use crate::peer::canonical;
use crate::ratelimit::RateLimiter;

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
        let peer = canonical(peer?.ip());
        if !self.trusted(peer) {
            return Some(peer);
        }
        let mut forwarded = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            for entry in value.to_str().ok()?.split(',') {
                forwarded.push(canonical(entry.trim().parse().ok()?));
            }
        }
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
        use http::header::HeaderValue;
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
        // A list with an entry that is not an address is not believed: the client is
        // unknown, never the address before the bad entry, nor the proxy.
        for bad in [
            "junk",
            "6.6.6.6, 203.0.113.5:4711",
            "6.6.6.6, unknown",
            "1.2.3.4,",
        ] {
            assert_eq!(a.client_ip(&xff(bad), peer), None, "{bad}");
        }
        assert_eq!(a.client_ip(&HeaderMap::new(), peer), ip("10.0.0.5"));
        assert_eq!(a.client_ip(&HeaderMap::new(), None), None);
    }

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
