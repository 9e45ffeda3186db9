//! Remote sources (`url=`), fetched without server-side request forgery.
//!
//! Only `http` and `https`; an optional host allowlist; every address a name resolves to
//! must be public ([`crate::address`]: no loopback, private, link-local, CGNAT,
//! unique-local, multicast or unspecified addresses, nor IPv6 forms carrying one; cloud
//! metadata endpoints are link-local), checked by our own resolver at connect time, so the
//! address checked is the address connected to (no DNS rebinding), and again on every
//! redirect (followed by hand, at most five). A host that is not public and one that does
//! not resolve get the same answer; an origin's failure is logged, and the client told
//! only that the source could not be fetched. The body is capped in bytes while it
//! streams, the whole fetch is time-bounded, and the bytes must sniff as JPEG, PNG, GIF or
//! WebP whatever the `Content-Type` says.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use crate::address::is_public;
use crate::memory::Hold;
use bytes::{Bytes, BytesMut};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{StatusCode, Url};

/// Remote-source settings.
#[derive(Debug, Clone)]
pub struct RemoteSettings {
    /// Whether `url=` is served at all.
    pub enabled: bool,
    /// Hosts allowed (`example.com`, or `*.example.com` for its subdomains); empty: any.
    pub allowed_hosts: Vec<String>,
    /// Hosts (`host` or `host:port`) that may resolve to non-public addresses, e.g. an
    /// internal origin. Empty by default.
    pub private_hosts: Vec<String>,
    /// Largest body accepted.
    pub max_bytes: u64,
    /// Time limit of the whole fetch, redirects included.
    pub timeout: Duration,
    /// How long a fetched source is reused; zero: as long as the cache keeps it.
    pub refresh: Duration,
}

/// The one answer to a source whose host is not public or cannot be resolved.
pub const NOT_ALLOWED: &str = "Source URL not allowed: it must resolve to a public address";

/// Why a remote source was not fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// `url=` is switched off.
    #[error("url= sources are disabled on this server")]
    Disabled,
    /// Not an absolute http(s) URL.
    #[error("URL {0} is not valid")]
    InvalidUrl(String),
    /// Not on the allowlist.
    #[error("host {0} is not allowed")]
    HostNotAllowed(String),
    /// Is, or resolves to, an address that is not public. The answer never says which
    /// address, nor even which host (that would map the inside of the network for the
    /// asker): it is [`NOT_ALLOWED`], as for a name that does not resolve. The host is for
    /// the log.
    #[error("{NOT_ALLOWED}")]
    NotPublic(String),
    /// The name does not resolve: answered as [`Self::NotPublic`] is, so that refusals do
    /// not tell which internal names exist.
    #[error("{NOT_ALLOWED}")]
    Unresolvable(String),
    /// The origin answered 404.
    #[error("remote image not found")]
    NotFound,
    /// The origin answered another error, or the connection failed. The detail (the
    /// status, or the HTTP client's error) is for the log, never for the client.
    #[error("Source could not be fetched")]
    Upstream(String),
    /// Over the time limit.
    #[error("remote source timed out")]
    Timeout,
    /// More than five redirects.
    #[error("too many redirects")]
    TooManyRedirects,
    /// Over the byte cap.
    #[error("remote source is larger than {0} bytes")]
    TooLarge(u64),
    /// The bytes are not JPEG, PNG, GIF or WebP.
    #[error("remote source is not a supported image")]
    NotAnImage,
    /// The body does not fit the process's held bytes now (503, try again).
    #[error("server busy, try again")]
    Busy,
}

/// Fetches remote sources under [`RemoteSettings`].
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    settings: Arc<RemoteSettings>,
}

impl Fetcher {
    /// A fetcher with its own public-only resolver.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (TLS roots).
    pub fn new(settings: RemoteSettings) -> Result<Self, reqwest::Error> {
        let settings = Arc::new(settings);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("picsum-rs/", env!("CARGO_PKG_VERSION")))
            // HTTP(S)_PROXY in the environment would send fetches around the resolver's
            // checks: never use a proxy.
            .no_proxy()
            .dns_resolver(Arc::new(PublicOnly {
                private_hosts: settings.private_hosts.clone(),
            }))
            .build()?;
        Ok(Self { client, settings })
    }

    /// The period `url` is in: cache keys of remote sources and their renders carry it, so
    /// a new period fetches the source again. Each URL's periods are offset by a hash of it,
    /// so that sources do not all expire at the same moment. Always 0 without a refresh
    /// interval.
    #[must_use]
    pub fn generation(&self, url: &str) -> u64 {
        let period = self.settings.refresh.as_secs();
        if period == 0 {
            return 0;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        // FNV-1a: stable across processes (replicas agree on the periods).
        let phase = url.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        }) % period;
        (now + phase) / period
    }

    /// Fetches `url`, following up to five redirects, each checked like the first; the
    /// body counts on `hold` as it arrives.
    ///
    /// # Errors
    /// [`RemoteError`].
    pub async fn fetch(&self, url: &str, hold: &mut Hold) -> Result<Bytes, RemoteError> {
        if !self.settings.enabled {
            return Err(RemoteError::Disabled);
        }
        let work = async {
            let mut url = Url::parse(url).map_err(|_| RemoteError::InvalidUrl(url.to_owned()))?;
            for _ in 0..=5 {
                self.check(&url)?;
                let res = self
                    .client
                    .get(url.clone())
                    .send()
                    .await
                    .map_err(classify)?;
                let status = res.status();
                if status.is_redirection() {
                    let location = res
                        .headers()
                        .get(reqwest::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .ok_or_else(|| {
                            RemoteError::Upstream(format!("{status} without Location"))
                        })?;
                    url = url
                        .join(location)
                        .map_err(|_| RemoteError::InvalidUrl(location.to_owned()))?;
                    continue;
                }
                if status == StatusCode::NOT_FOUND {
                    return Err(RemoteError::NotFound);
                }
                if !status.is_success() {
                    return Err(RemoteError::Upstream(format!("origin answered {status}")));
                }
                return self.body(res, hold).await;
            }
            Err(RemoteError::TooManyRedirects)
        };
        tokio::time::timeout(self.settings.timeout, work)
            .await
            .map_err(|_| RemoteError::Timeout)?
    }

    /// Scheme, allowlist and literal addresses (names are checked by the resolver).
    fn check(&self, url: &Url) -> Result<(), RemoteError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(RemoteError::InvalidUrl(url.to_string()));
        }
        let host = url
            .host_str()
            .ok_or_else(|| RemoteError::InvalidUrl(url.to_string()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let allowed = &self.settings.allowed_hosts;
        if !allowed.is_empty() && !allowed.iter().any(|pattern| host_matches(pattern, &host)) {
            return Err(RemoteError::HostNotAllowed(host));
        }
        let with_port = format!("{host}:{}", url.port_or_known_default().unwrap_or(0));
        let private = &self.settings.private_hosts;
        let trusted = private.iter().any(|h| *h == host || *h == with_port);
        if let Ok(ip) = host.parse::<IpAddr>() {
            if !trusted && !is_public(ip) {
                return Err(RemoteError::NotPublic(host));
            }
        } else if !trusted
            && private
                .iter()
                .any(|h| h.rsplit_once(':').is_some_and(|(n, _)| n == host))
        {
            // The resolver trusts the name; only the listed port may be reached through it.
            return Err(RemoteError::NotPublic(with_port));
        }
        Ok(())
    }

    async fn body(
        &self,
        mut res: reqwest::Response,
        hold: &mut Hold,
    ) -> Result<Bytes, RemoteError> {
        let max = self.settings.max_bytes;
        if res.content_length().is_some_and(|len| len > max) {
            return Err(RemoteError::TooLarge(max));
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = res.chunk().await.map_err(classify)? {
            if (body.len() + chunk.len()) as u64 > max {
                return Err(RemoteError::TooLarge(max));
            }
            hold.grow(chunk.len() as u64)
                .map_err(|_| RemoteError::Busy)?;
            body.extend_from_slice(&chunk);
        }
        if !sniff(&body) {
            return Err(RemoteError::NotAnImage);
        }
        Ok(body.freeze())
    }
}

/// The resolver: every address of a name must be public unless the name is trusted.
struct PublicOnly {
    private_hosts: Vec<String>,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let trusted = self
            .private_hosts
            .iter()
            .any(|h| *h == host || h.rsplit_once(':').is_some_and(|(name, _)| name == host));
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|_| RemoteError::Unresolvable(host.clone()))?
                .collect();
            if addrs.is_empty() {
                return Err(RemoteError::Unresolvable(host).into());
            }
            if !trusted && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                tracing::warn!(host = %host, addr = %bad.ip(), "remote source refused: not public");
                return Err(RemoteError::NotPublic(host).into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Our error when the resolver refused, else a timeout or an upstream failure.
fn classify(e: reqwest::Error) -> RemoteError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(ours) = err.downcast_ref::<RemoteError>() {
            return ours.clone();
        }
        source = err.source();
    }
    if e.is_timeout() {
        return RemoteError::Timeout;
    }
    // The whole chain (reqwest's own text only says "error sending request"), for the log.
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(err) = source {
        detail.push_str(": ");
        detail.push_str(&err.to_string());
        source = err.source();
    }
    RemoteError::Upstream(detail)
}

/// `example.com` matches itself; `*.example.com` matches its subdomains only.
fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(domain) => host
            .strip_suffix(domain)
            .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1),
        None => pattern == host,
    }
}

/// JPEG, PNG, GIF or WebP (the loaders the service allows).
fn sniff(bytes: &[u8]) -> bool {
    use picsum_imaging::model::Format;
    matches!(
        Format::sniff(bytes),
        Some(Format::Jpeg | Format::Png | Format::Gif | Format::Webp)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetcher(private_hosts: &[&str]) -> Fetcher {
        Fetcher::new(RemoteSettings {
            enabled: true,
            allowed_hosts: Vec::new(),
            private_hosts: private_hosts.iter().map(|h| (*h).to_owned()).collect(),
            max_bytes: 1 << 20,
            timeout: Duration::from_secs(1),
            refresh: Duration::ZERO,
        })
        .unwrap()
    }

    #[test]
    fn private_hosts_match_host_and_port_on_every_hop() {
        let check = |f: &Fetcher, url: &str| f.check(&Url::parse(url).unwrap());
        let by_port = fetcher(&["internal.example:8080", "10.0.0.7:9000"]);
        assert!(check(&by_port, "http://internal.example:8080/a.jpg").is_ok());
        for refused in [
            "http://internal.example:22/a.jpg",
            "http://internal.example/a.jpg",
            "http://10.0.0.7:9001/a.jpg",
            "http://10.0.0.7/a.jpg",
        ] {
            let e = check(&by_port, refused).unwrap_err();
            assert!(matches!(e, RemoteError::NotPublic(_)), "{refused}: {e}");
        }
        let any_port = fetcher(&["internal.example"]);
        assert!(check(&any_port, "http://internal.example:22/a.jpg").is_ok());
        // The refusal names neither the host nor an address it resolves to, and reads
        // as an unresolvable name's does.
        let e = check(&fetcher(&[]), "http://10.1.2.3/x.jpg").unwrap_err();
        assert_eq!(e, RemoteError::NotPublic("10.1.2.3".into()));
        assert_eq!(e.to_string(), NOT_ALLOWED);
        let unresolvable = RemoteError::Unresolvable("internal.corp".into());
        assert_eq!(unresolvable.to_string(), e.to_string());
    }

    #[tokio::test]
    async fn failures_answer_fixed_texts_and_keep_the_detail_for_the_log() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let f = fetcher(&[&format!("127.0.0.1:{port}")]);
        let mut hold = crate::memory::MemoryBudget::new(1 << 20, 1 << 20)
            .reserve(0)
            .unwrap();
        let url = format!("http://127.0.0.1:{port}/a.jpg");
        let e = f.fetch(&url, &mut hold).await.unwrap_err();
        let RemoteError::Upstream(detail) = &e else {
            panic!("{e:?}");
        };
        assert!(detail.contains("127.0.0.1"), "{detail}");
        assert_eq!(e.to_string(), "Source could not be fetched");
        let e = f
            .fetch("http://no-such-host.invalid/a.jpg", &mut hold)
            .await
            .unwrap_err();
        assert_eq!(e, RemoteError::Unresolvable("no-such-host.invalid".into()));
        assert_eq!(e.to_string(), NOT_ALLOWED);
    }

    #[test]
    fn allowlist_patterns() {
        assert!(host_matches("example.com", "example.com"));
        assert!(!host_matches("example.com", "img.example.com"));
        assert!(host_matches("*.example.com", "img.example.com"));
        assert!(host_matches("*.Example.com", "a.b.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("*.example.com", "badexample.com"));
    }

    #[test]
    fn sniffs_loadable_images_only() {
        assert!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(!sniff(b"\0\0\0\x1cftypavif"), "AVIF cannot be loaded");
        assert!(!sniff(b"<html>"));
    }
}
