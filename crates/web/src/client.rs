//! Who a request is from: its peer, or, when the peer is a trusted proxy (a load balancer, a
//! gateway, a CDN), the right-most `X-Forwarded-For` address that is not one. Used by the
//! image service's admission gate (each client's fair share) and by both services' access
//! logs; the trusted ranges are `IMAGE_TRUSTED_PROXIES` and `PICSUM_TRUSTED_PROXIES`.

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use http::HeaderMap;
use ipnet::IpNet;

/// The client of a request from `peer`: the peer itself, unless it is in `trusted`; then the
/// right-most `X-Forwarded-For` address that is not trusted (the left-most when all are).
/// `None` when a trusted proxy forwarded a list with an entry that is not an address (a
/// port, `unknown`, garbage): such a list is not believed at all, and the client is
/// unknown. IPv4 clients of a dual-stack listener (`::ffff:a.b.c.d`) are IPv4 addresses.
#[must_use]
pub fn client_ip(
    trusted: &[IpNet],
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> Option<IpAddr> {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(&ip));
    let peer = canonical(peer?.ip());
    if !is_trusted(peer) {
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
            .find(|ip| !is_trusted(**ip))
            .or(forwarded.first())
            .copied()
            .unwrap_or(peer),
    )
}

/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as the IPv4 address it is.
#[must_use]
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
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

static LOGGED: OnceLock<Vec<IpNet>> = OnceLock::new();

/// Sets the proxies whose `X-Forwarded-For` the access log believes (once, at start-up;
/// later calls are ignored).
pub fn trust_for_logs(trusted: Vec<IpNet>) {
    let _ = LOGGED.set(trusted);
}

/// The client the access log names: [`client_ip`] under the ranges of [`trust_for_logs`].
#[must_use]
pub fn logged_client(headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
    client_ip(LOGGED.get().map_or(&[], Vec::as_slice), headers, peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            http::HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let peer = Some("10.0.0.5:4000".parse().unwrap());
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        // An untrusted peer cannot claim another address.
        assert_eq!(client_ip(&[], &xff("1.2.3.4"), peer), ip("10.0.0.5"));
        // Behind trusted proxies: the right-most untrusted address.
        let t = parse_nets("10.0.0.0/8").unwrap();
        assert_eq!(client_ip(&t, &xff("1.2.3.4"), peer), ip("1.2.3.4"));
        assert_eq!(
            client_ip(&t, &xff("6.6.6.6, 1.2.3.4, 10.0.0.9"), peer),
            ip("1.2.3.4")
        );
        assert_eq!(client_ip(&t, &xff("10.0.0.7"), peer), ip("10.0.0.7"));
        // A list with an entry that is not an address is not believed: the client is
        // unknown, never the address before the bad entry, nor the proxy.
        for bad in [
            "junk",
            "6.6.6.6, 203.0.113.5:4711",
            "6.6.6.6, unknown",
            "1.2.3.4,",
        ] {
            assert_eq!(client_ip(&t, &xff(bad), peer), None, "{bad}");
        }
        assert_eq!(client_ip(&t, &HeaderMap::new(), peer), ip("10.0.0.5"));
        assert_eq!(client_ip(&t, &HeaderMap::new(), None), None);
    }

    #[test]
    fn lists_parse_or_name_the_bad_entry() {
        assert_eq!(parse_nets(" 10.0.0.0/8, 2001:db8::1 ,").unwrap().len(), 2);
        assert!(
            parse_nets("10.0.0.0/33")
                .unwrap_err()
                .contains("10.0.0.0/33")
        );
        assert!(parse_nets("nope").is_err());
        assert_eq!(
            canonical("::ffff:1.2.3.4".parse().unwrap()),
            "1.2.3.4".parse::<IpAddr>().unwrap()
        );
    }
}
