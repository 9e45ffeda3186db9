//! Each client's share of the bytes the service writes for it (stored
//! derivatives, uploads): a quota of bytes per hour, kept as a debt that drains
//! at the quota's pace (a token bucket). The bytes about to be written are charged before
//! the write; a write that would take the debt past the quota is refused with 429 and the
//! time until enough of it has drained, and nothing is written. One write larger than the
//! whole quota goes through only from a clear account.
//!
//! The service's own work ([`ClientId::Background`]: ladders, eager presets) is charged to
//! nobody. Clients whose debt has drained are forgotten; past [`REMEMBERED`] clients in
//! debt, newcomers share one account ([`ClientId::Unknown`]'s), so memory stays bounded.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::client::ClientId;
use crate::error::ServiceError;

/// Clients remembered at most.
pub const REMEMBERED: usize = 100_000;

/// The window a client's quota refills over.
pub const HOUR: Duration = Duration::from_secs(3600);

/// Every client's write debt.
#[derive(Debug)]
pub struct WriteQuota {
    /// Bytes per window (zero: unlimited).
    bytes: u64,
    window: Duration,
    debts: Mutex<Debts>,
}

#[derive(Debug, Default)]
struct Debts {
    owed: HashMap<ClientId, Debt>,
    swept: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Debt {
    /// Bytes owed as of `at`.
    owed: f64,
    at: Instant,
}

impl Default for WriteQuota {
    /// Unlimited.
    fn default() -> Self {
        Self::new(0, HOUR)
    }
}

impl WriteQuota {
    /// `bytes` per `window` for every client (zero: unlimited).
    #[must_use]
    pub fn new(bytes: u64, window: Duration) -> Self {
        Self {
            bytes,
            window,
            debts: Mutex::default(),
        }
    }

    /// The quota per window, `None` when unlimited.
    #[must_use]
    pub fn per_client(&self) -> Option<u64> {
        (self.bytes > 0 && !self.window.is_zero()).then_some(self.bytes)
    }

    /// Charges the current request's client ([`crate::client::current`]) for `bytes`
    /// about to be written.
    ///
    /// # Errors
    /// 429 with the wait, when the client's quota cannot take them.
    pub fn charge_current(&self, bytes: u64) -> Result<(), ServiceError> {
        self.charge(&crate::client::current(), bytes, Instant::now())
            .map_err(|retry_after| {
                metrics::counter!("picsum_write_refusals_total").increment(1);
                ServiceError::OverShare {
                    what: "writes",
                    retry_after,
                }
            })
    }

    /// Charges `client` for `bytes` about to be written at `now`.
    ///
    /// # Errors
    /// How long until the write would fit, when it does not now (nothing is charged).
    pub fn charge(&self, client: &ClientId, bytes: u64, now: Instant) -> Result<(), Duration> {
        let Some(quota) = self.per_client() else {
            return Ok(());
        };
        if *client == ClientId::Background {
            return Ok(());
        }
        let quota = quota as f64;
        let rate = quota / self.window.as_secs_f64();
        let mut debts = self.lock();
        let client = debts.account(client, rate, now);
        let owed = debts
            .owed
            .get(&client)
            .map_or(0.0, |d| d.at_time(rate, now));
        let wanted = bytes as f64;
        // From a clear account, one write may be larger than the whole quota.
        let allowed = if owed + wanted <= quota || owed <= 0.0 {
            None
        } else if wanted > quota {
            Some(owed)
        } else {
            Some(owed + wanted - quota)
        };
        if let Some(excess) = allowed {
            return Err(Duration::from_secs_f64(excess / rate).max(Duration::from_secs(1)));
        }
        debts.owed.insert(
            client,
            Debt {
                owed: owed + wanted,
                at: now,
            },
        );
        Ok(())
    }

    /// Gives `bytes` charged to the current request's client back (the write did not
    /// happen).
    pub fn refund_current(&self, bytes: u64) {
        self.refund(&crate::client::current(), bytes, Instant::now());
    }

    /// Gives `bytes` charged to `client` back.
    pub fn refund(&self, client: &ClientId, bytes: u64, now: Instant) {
        let Some(quota) = self.per_client() else {
            return;
        };
        let rate = quota as f64 / self.window.as_secs_f64();
        let mut debts = self.lock();
        if let Some(debt) = debts.owed.get_mut(client) {
            *debt = Debt {
                owed: (debt.at_time(rate, now) - bytes as f64).max(0.0),
                at: now,
            };
        }
    }

    /// How many clients are remembered.
    #[must_use]
    pub fn remembered(&self) -> usize {
        self.lock().owed.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Debts> {
        self.debts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Debts {
    /// The account `client` is charged to: its own, or (when [`REMEMBERED`] clients are in
    /// debt even after the drained ones were forgotten, at most once a second) the shared
    /// one of [`ClientId::Unknown`].
    fn account(&mut self, client: &ClientId, rate: f64, now: Instant) -> ClientId {
        if self.owed.contains_key(client) || self.owed.len() < REMEMBERED {
            return client.clone();
        }
        if self
            .swept
            .is_none_or(|at| now.saturating_duration_since(at) >= Duration::from_secs(1))
        {
            self.owed.retain(|_, d| d.at_time(rate, now) > 0.0);
            self.swept = Some(now);
        }
        if self.owed.len() < REMEMBERED {
            client.clone()
        } else {
            ClientId::Unknown
        }
    }
}

impl Debt {
    /// What is owed at `now`, drained at `rate` bytes per second.
    fn at_time(self, rate: f64, now: Instant) -> f64 {
        let since = now.saturating_duration_since(self.at).as_secs_f64();
        (self.owed - since * rate).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(last: u8) -> ClientId {
        ClientId::addr(std::net::IpAddr::from([192, 0, 2, last]))
    }

    #[test]
    fn a_client_over_its_quota_waits_for_the_window_to_free_enough() {
        // 1000 bytes per 100 s: 10 bytes drain per second.
        let q = WriteQuota::new(1000, Duration::from_secs(100));
        let t0 = Instant::now();
        let (a, b) = (addr(1), addr(2));
        assert_eq!(q.charge(&a, 600, t0), Ok(()));
        assert_eq!(q.charge(&a, 400, t0), Ok(()), "exactly the quota");
        // 300 more need 300 bytes drained: 30 s.
        let wait = q.charge(&a, 300, t0).unwrap_err();
        assert_eq!(wait.as_secs(), 30, "{wait:?}");
        assert_eq!(
            q.charge(&b, 1000, t0),
            Ok(()),
            "another client is not affected"
        );
        assert!(q.charge(&a, 300, t0 + Duration::from_secs(29)).is_err());
        assert_eq!(q.charge(&a, 300, t0 + Duration::from_secs(30)), Ok(()));
        // A refused write charged nothing: after a whole window the account is clear.
        assert_eq!(q.charge(&a, 1000, t0 + Duration::from_secs(130)), Ok(()));
    }

    #[test]
    fn one_write_larger_than_the_quota_needs_a_clear_account() {
        let q = WriteQuota::new(1000, Duration::from_secs(100));
        let t0 = Instant::now();
        let a = addr(1);
        assert_eq!(q.charge(&a, 5000, t0), Ok(()), "from a clear account");
        // 5000 owed: one byte more waits until 4001 have drained.
        let wait = q.charge(&a, 1, t0).unwrap_err();
        assert_eq!(wait.as_secs(), 400, "{wait:?}");
        assert_eq!(q.charge(&a, 1, t0 + Duration::from_secs(401)), Ok(()));
        let b = addr(2);
        q.charge(&b, 10, t0).unwrap();
        assert_eq!(q.charge(&b, 5000, t0).unwrap_err().as_secs(), 1);
    }

    #[test]
    fn background_work_and_unlimited_quotas_are_never_charged() {
        let t0 = Instant::now();
        let q = WriteQuota::new(10, Duration::from_secs(100));
        for _ in 0..3 {
            assert_eq!(q.charge(&ClientId::Background, 1 << 30, t0), Ok(()));
        }
        assert_eq!(q.remembered(), 0);
        let unlimited = WriteQuota::default();
        for _ in 0..3 {
            assert_eq!(unlimited.charge(&addr(1), 1 << 40, t0), Ok(()));
        }
        assert_eq!(unlimited.per_client(), None);
    }

    #[test]
    fn a_refund_gives_the_bytes_back() {
        let q = WriteQuota::new(1000, Duration::from_secs(100));
        let t0 = Instant::now();
        let a = addr(1);
        q.charge(&a, 900, t0).unwrap();
        assert!(q.charge(&a, 200, t0).is_err());
        q.refund(&a, 900, t0);
        assert_eq!(q.charge(&a, 1000, t0), Ok(()));
    }

    #[test]
    fn drained_clients_are_forgotten_and_memory_stays_bounded() {
        let q = WriteQuota::new(1000, Duration::from_secs(100));
        let t0 = Instant::now();
        let client = |i: u32| ClientId::addr(std::net::IpAddr::from(i.to_be_bytes()));
        let many = u32::try_from(REMEMBERED).unwrap();
        for i in 0..many {
            q.charge(&client(i), 1000, t0).unwrap();
        }
        // Everyone in debt: a newcomer shares the one overflow account.
        assert_eq!(q.charge(&client(many), 1000, t0), Ok(()));
        assert!(
            q.charge(&client(many + 1), 1, t0).is_err(),
            "shared account"
        );
        assert_eq!(
            q.remembered(),
            REMEMBERED + 1,
            "the clients and the shared account"
        );
        // A window later every debt has drained: the next newcomer sweeps them out.
        let later = t0 + Duration::from_secs(101);
        assert_eq!(q.charge(&client(many + 2), 1000, later), Ok(()));
        assert_eq!(q.remembered(), 1);
    }
}
