//! Which addresses a remote source (`url=`) may be fetched from: only those reachable on
//! the public internet. IPv6 forms that carry an IPv4 address (mapped, 6to4, NAT64,
//! Teredo) are judged by the IPv4 they carry; forms that only make sense on the inside
//! (IPv4-compatible, IPv4-translated, local-use NAT64) are refused whatever they carry.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether an address is reachable on the public internet.
#[must_use]
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match embedded(v6) {
            Embedded::None => is_public_v6(v6),
            Embedded::Judged(carried) => carried.iter().all(|v4| is_public_v4(*v4)),
            Embedded::Refused => false,
        },
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_unspecified()
        || v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local() // 169.254/16: cloud metadata
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24 IETF
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

/// An IPv6 address that is no IPv4 carrier.
fn is_public_v6(v6: Ipv6Addr) -> bool {
    let [first, second, ..] = v6.segments();
    !(v6.is_unspecified()
        || v6.is_loopback()
        || v6.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7 (AWS metadata fd00:ec2::254)
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed)
        || first == 0x2001 && second == 0x0db8 // documentation
        || first == 0x0100 && second == 0) // discard 100::/64
}

/// The IPv4 addresses an IPv6 address carries, if it is one of the forms that do.
enum Embedded {
    /// Not a form that carries an IPv4 address.
    None,
    /// Public exactly when every one of these is.
    Judged(Vec<Ipv4Addr>),
    /// Never public, whatever it carries.
    Refused,
}

fn embedded(v6: Ipv6Addr) -> Embedded {
    let s = v6.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        // ::ffff:a.b.c.d, IPv4-mapped: how dual-stack sockets name IPv4 peers.
        [0, 0, 0, 0, 0, 0xffff, hi, lo] => Embedded::Judged(vec![v4(hi, lo)]),
        // ::a.b.c.d, IPv4-compatible (deprecated, still routed by some stacks), which also
        // holds :: and ::1; and ::ffff:0:a.b.c.d, IPv4-translated (SIIT, inside a
        // translator's network only).
        [0, 0, 0, 0, 0, 0, _, _] | [0, 0, 0, 0, 0xffff, 0, _, _] => Embedded::Refused,
        // 64:ff9b::a.b.c.d, NAT64's well-known prefix: DNS64 hands these out for IPv4-only
        // names, so they are judged; the rest of 64:ff9b::/32 (local-use 64:ff9b:1::/48)
        // translates into networks we cannot see.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Embedded::Judged(vec![v4(hi, lo)]),
        [0x64, 0xff9b, ..] => Embedded::Refused,
        // 2002:aabb:ccdd::/48, 6to4: the relay forwards to the IPv4 in bits 16..48.
        [0x2002, hi, lo, ..] => Embedded::Judged(vec![v4(hi, lo)]),
        // 2001:0::/32, Teredo: the server's IPv4 in bits 32..64, the client's in the last
        // 32 bits, inverted.
        [0x2001, 0, server_hi, server_lo, _, _, client_hi, client_lo] => {
            Embedded::Judged(vec![v4(server_hi, server_lo), v4(!client_hi, !client_lo)])
        }
        _ => Embedded::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(addr: &str) -> bool {
        is_public(addr.parse().unwrap_or_else(|e| panic!("{addr}: {e}")))
    }

    #[test]
    fn ipv4_public_addresses_only() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "192.0.0.8",
            "198.18.0.1",
            "240.0.0.1",
        ] {
            assert!(!public(private), "{private}");
        }
        for public_ in ["93.184.216.34", "1.1.1.1", "100.128.0.1", "8.8.8.8"] {
            assert!(public(public_), "{public_}");
        }
    }

    #[test]
    fn ipv6_public_addresses_only() {
        for private in [
            "::1",
            "::",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "fec0::1",
            "feff::1",
            "ff02::1",
            "100::1",
            "2001:db8::1",
        ] {
            assert!(!public(private), "{private}");
        }
        for public_ in ["2606:4700::1111", "2a00:1450:4001::200e", "2001:4860::8888"] {
            assert!(public(public_), "{public_}");
        }
    }

    #[test]
    fn ipv4_mapped_is_judged_by_its_ipv4() {
        for private in [
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
        ] {
            assert!(!public(private), "{private}");
        }
        assert!(public("::ffff:8.8.8.8"));
    }

    #[test]
    fn ipv4_compatible_and_translated_are_never_public() {
        for refused in [
            "::127.0.0.1",
            "::10.0.0.1",
            "::8.8.8.8",
            "::ffff:0:7f00:1",
            "::ffff:0:127.0.0.1",
            "::ffff:0:a9fe:a9fe",
            "::ffff:0:808:808",
        ] {
            assert!(!public(refused), "{refused}");
        }
    }

    #[test]
    fn nat64_is_judged_by_its_ipv4() {
        for private in [
            "64:ff9b::7f00:1",
            "64:ff9b::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::10.0.0.1",
            // Local-use NAT64, and prefixes other than the well-known /96.
            "64:ff9b:1::808:808",
            "64:ff9b:0:0:1::808:808",
        ] {
            assert!(!public(private), "{private}");
        }
        assert!(public("64:ff9b::808:808"));
        assert!(public("64:ff9b::93.184.216.34"));
    }

    #[test]
    fn sixtofour_is_judged_by_its_ipv4() {
        for private in [
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::",
            "2002:c0a8:101::1",
            "2002::1",
        ] {
            assert!(!public(private), "{private}");
        }
        assert!(public("2002:808:808::1"));
    }

    #[test]
    fn teredo_is_judged_by_server_and_client() {
        // Server 65.54.227.120, client 8.8.8.8 (0x0808_0808 inverted: f7f7:f7f7).
        assert!(public("2001:0:4136:e378:8000:63bf:f7f7:f7f7"));
        for private in [
            // Client 127.0.0.1 (inverted: 80ff:fffe).
            "2001:0:4136:e378:8000:63bf:80ff:fffe",
            // Client 169.254.169.254 (inverted: 5601:5601).
            "2001:0:4136:e378::5601:5601",
            // Client 255.255.255.255 (inverted: 0:0), as in 2001:0:4136:e378::.
            "2001:0:4136:e378::",
            // Server 10.0.0.1, client 8.8.8.8.
            "2001:0:a00:1:8000:63bf:f7f7:f7f7",
        ] {
            assert!(!public(private), "{private}");
        }
    }
}
