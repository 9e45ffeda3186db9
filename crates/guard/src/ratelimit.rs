//! A per-client rate limit in fixed one-minute windows ([`RateLimiter`]). Its middleware,
//! [`rate_limit`] (429 with `Retry-After`, `X-RateLimit-*` on every answer), lives in
//! `throttle.rs` and is re-exported here.

use std::collections::HashMap;
use std::sync::Mutex;

use picsum_image_core::client::ClientId;

pub use crate::throttle::rate_limit;

/// Locks the client map is split over: a sweep of idle clients holds one of them, never
/// the whole map.
const SHARDS: usize = 16;
/// Clients one shard keeps before it forgets those idle in the current minute.
const SHARD_CLIENTS: usize = 100_000 / SHARDS;

/// Fixed one-minute windows per client (as the gate names it: an IPv4 address, the /64
/// network of an IPv6 one, or an API key).
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    shards: [Mutex<HashMap<ClientId, (u64, u32)>>; SHARDS],
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

    /// Counts one request from `client` at unix second `now`.
    pub fn check(&self, client: &ClientId, now: u64) -> Verdict {
        let minute = now / 60;
        let reset = (minute + 1) * 60;
        let shard = {
            use std::hash::{BuildHasher as _, BuildHasherDefault, DefaultHasher};
            let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(client);
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
        let entry = windows.entry(client.clone()).or_insert((minute, 0));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_windows_per_client() {
        let l = RateLimiter::new(2);
        let ip = |s: &str| ClientId::addr(s.parse().unwrap());
        let (a, b) = (&ip("1.1.1.1"), &ip("2.2.2.2"));
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
        assert!(l.check(&ip("2001:db8:1:2::1"), 200).allowed);
        assert!(l.check(&ip("2001:db8:1:2::ffff"), 200).allowed);
        assert!(!l.check(&ip("2001:db8:1:2:abcd::9"), 200).allowed);
        assert!(l.check(&ip("2001:db8:1:3::1"), 200).allowed, "another /64");
        // IPv4 through a dual-stack listener is the same client as plain IPv4.
        assert!(l.check(&ip("::ffff:1.1.1.1"), 181).allowed);
        assert!(!l.check(a, 182).allowed);
    }
}
