//! Who a request is for: the client the gate named ([`ClientId`]), carried through the
//! request's task so that whatever costs something on its behalf (a render on the pool,
//! an answer held in memory, bytes written to the store) is charged to it and shared fairly
//! between clients, without every signature passing it along.
//!
//! The guard's gate runs each request inside [`scope`]; work outside any request (a
//! ladder, eager presets) is [`ClientId::Background`].

use std::cell::RefCell;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

/// The client a request is charged to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientId {
    /// An API key the guard admitted.
    Key(Arc<str>),
    /// An address after the trusted proxies: IPv4, or the /64 network of an IPv6 address
    /// (one host usually holds a whole /64).
    Addr(IpAddr),
    /// A request whose address is not known (a trusted proxy forwarded junk): all such
    /// requests share one account.
    Unknown,
    /// Work of the service's own, outside any request.
    Background,
}

impl ClientId {
    /// The client at `ip`: IPv4 (IPv4-mapped IPv6 included) as it is, IPv6 by its /64.
    #[must_use]
    pub fn addr(ip: IpAddr) -> Self {
        let ip = match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
            },
            v4 @ IpAddr::V4(_) => v4,
        };
        Self::Addr(ip)
    }

    /// The client with API key `key`.
    #[must_use]
    pub fn key(key: &str) -> Self {
        Self::Key(Arc::from(key))
    }

    /// The API key, when the client is one.
    #[must_use]
    pub fn api_key(&self) -> Option<&str> {
        match self {
            Self::Key(key) => Some(key),
            _ => None,
        }
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Keys are secrets' names: only a prefix goes into logs.
            Self::Key(key) => write!(f, "key:{}…", key.chars().take(4).collect::<String>()),
            Self::Addr(ip) => write!(f, "{ip}"),
            Self::Unknown => f.write_str("unknown"),
            Self::Background => f.write_str("background"),
        }
    }
}

tokio::task_local! {
    static CLIENT: RefCell<ClientId>;
}

/// Runs `request` on behalf of `client`.
pub async fn scope<F: Future>(client: ClientId, request: F) -> F::Output {
    CLIENT.scope(RefCell::new(client), request).await
}

/// The client the current request is charged to; [`ClientId::Background`] outside any.
#[must_use]
pub fn current() -> ClientId {
    CLIENT
        .try_with(|c| c.borrow().clone())
        .unwrap_or(ClientId::Background)
}

/// Names the current request's client by the API key the guard just admitted: from here
/// on its costs are the key's, not its address's. Outside a request it does nothing.
pub fn admitted_key(key: &str) {
    let _ = CLIENT.try_with(|c| *c.borrow_mut() = ClientId::key(key));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_their_64_and_mapped_ipv4_is_ipv4() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            ClientId::addr(ip("2001:db8:1:2::1")),
            ClientId::addr(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        );
        assert_ne!(
            ClientId::addr(ip("2001:db8:1:2::1")),
            ClientId::addr(ip("2001:db8:1:3::1"))
        );
        assert_eq!(
            ClientId::addr(ip("::ffff:10.1.2.3")),
            ClientId::addr(ip("10.1.2.3"))
        );
        assert_ne!(
            ClientId::addr(ip("10.1.2.3")),
            ClientId::addr(ip("10.1.2.4"))
        );
    }

    #[tokio::test]
    async fn the_scope_names_the_client_and_a_key_takes_over() {
        assert_eq!(current(), ClientId::Background);
        let ip = "192.0.2.7".parse::<IpAddr>().unwrap();
        let seen = scope(ClientId::addr(ip), async {
            let before = current();
            admitted_key("k-123456");
            (before, current())
        })
        .await;
        assert_eq!(seen, (ClientId::addr(ip), ClientId::key("k-123456")));
        assert_eq!(current(), ClientId::Background);
        assert_eq!(ClientId::key("abcdefgh").to_string(), "key:abcd…");
    }
}
