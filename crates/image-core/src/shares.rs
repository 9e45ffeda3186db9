//! Each client's share of render CPU: a budget of CPU-seconds per window, kept as a debt
//! that drains at the budget's pace (a token bucket). A client may start a render while
//! its debt is under its budget; what the render really cost (its worker thread's CPU
//! time) is added once it ends. Over the budget, the answer is 429 with a `Retry-After`
//! of the time the debt needs to drain back under it.
//!
//! The budget is the same for every address; an operator may give API keys their own
//! (`IMAGE_CLIENT_CPU_KEYS`). The service's own work ([`ClientId::Background`]) has none.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::client::ClientId;

/// Clients remembered before those whose debt has drained are forgotten.
const REMEMBERED: usize = 100_000;

/// A client's budget: CPU time per window (zero: unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance(pub Duration);

/// The settings of every client's share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareSettings {
    /// CPU time a client may use per window (zero: unlimited).
    pub cpu: Duration,
    /// The window the budget refills over.
    pub window: Duration,
    /// API keys with budgets of their own.
    pub per_key: HashMap<String, Duration>,
}

impl Default for ShareSettings {
    /// 30 CPU-seconds per 5 minutes: about 1,000 fresh renders of ordinary sizes, or six of
    /// the most expensive Picsum answers, before a client waits.
    fn default() -> Self {
        Self {
            cpu: Duration::from_secs(30),
            window: Duration::from_secs(300),
            per_key: HashMap::new(),
        }
    }
}

/// Every client's CPU debt.
#[derive(Debug)]
pub struct CpuShares {
    settings: ShareSettings,
    debts: Mutex<HashMap<ClientId, Debt>>,
}

#[derive(Debug, Clone, Copy)]
struct Debt {
    /// Seconds of CPU owed as of `at`.
    owed: f64,
    at: Instant,
}

impl CpuShares {
    /// Shares under `settings`.
    #[must_use]
    pub fn new(settings: ShareSettings) -> Self {
        Self {
            settings,
            debts: Mutex::new(HashMap::new()),
        }
    }

    /// The budget of `client`, `None` when unlimited.
    fn budget(&self, client: &ClientId) -> Option<Duration> {
        let budget = match client {
            ClientId::Background => return None,
            ClientId::Key(key) => self
                .settings
                .per_key
                .get(&**key)
                .copied()
                .unwrap_or(self.settings.cpu),
            ClientId::Addr(_) | ClientId::Unknown => self.settings.cpu,
        };
        (!budget.is_zero() && !self.settings.window.is_zero()).then_some(budget)
    }

    /// Whether `client` may start a render at `now`.
    ///
    /// # Errors
    /// How long until it may, when its share is used up.
    pub fn check(&self, client: &ClientId, now: Instant) -> Result<(), Duration> {
        let Some(budget) = self.budget(client) else {
            return Ok(());
        };
        let owed = self
            .lock()
            .get(client)
            .map_or(0.0, |d| self.drained(*d, budget, now));
        let over = owed - budget.as_secs_f64();
        if over < 0.0 {
            return Ok(());
        }
        let rate = budget.as_secs_f64() / self.settings.window.as_secs_f64();
        Err(Duration::from_secs_f64(over / rate).max(Duration::from_secs(1)))
    }

    /// Adds `cpu` to what `client` owes.
    pub fn charge(&self, client: &ClientId, cpu: Duration, now: Instant) {
        let Some(budget) = self.budget(client) else {
            return;
        };
        let mut debts = self.lock();
        if debts.len() >= REMEMBERED {
            debts.retain(|_, d| self.drained(*d, budget, now) > 0.0);
        }
        let owed = debts
            .get(client)
            .map_or(0.0, |d| self.drained(*d, budget, now));
        debts.insert(
            client.clone(),
            Debt {
                owed: owed + cpu.as_secs_f64(),
                at: now,
            },
        );
    }

    /// What `debt` is at `now`, drained at `budget` per window.
    fn drained(&self, debt: Debt, budget: Duration, now: Instant) -> f64 {
        let rate = budget.as_secs_f64() / self.settings.window.as_secs_f64();
        let since = now.saturating_duration_since(debt.at).as_secs_f64();
        (debt.owed - since * rate).max(0.0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ClientId, Debt>> {
        self.debts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shares(cpu: u64, window: u64) -> CpuShares {
        CpuShares::new(ShareSettings {
            cpu: Duration::from_secs(cpu),
            window: Duration::from_secs(window),
            per_key: HashMap::from([("big".to_owned(), Duration::from_secs(100))]),
        })
    }

    #[test]
    fn a_client_over_its_budget_waits_until_its_debt_drains() {
        let s = shares(10, 100); // drains 0.1 s of CPU per second
        let t0 = Instant::now();
        let a = ClientId::addr("192.0.2.1".parse().unwrap());
        let b = ClientId::addr("192.0.2.2".parse().unwrap());
        assert_eq!(s.check(&a, t0), Ok(()));
        s.charge(&a, Duration::from_secs(9), t0);
        assert_eq!(s.check(&a, t0), Ok(()), "under the budget");
        s.charge(&a, Duration::from_secs(3), t0);
        // Owes 12 of 10: 2 s over, at 0.1 per second, 20 s to wait.
        let wait = s.check(&a, t0).unwrap_err();
        assert!((19..=21).contains(&wait.as_secs()), "{wait:?}");
        assert_eq!(s.check(&b, t0), Ok(()), "another client is not affected");
        assert!(s.check(&a, t0 + Duration::from_secs(10)).is_err());
        assert_eq!(s.check(&a, t0 + Duration::from_secs(21)), Ok(()));
    }

    #[test]
    fn keys_may_have_their_own_budget_and_background_work_has_none() {
        let s = shares(1, 100);
        let t0 = Instant::now();
        let (big, small) = (ClientId::key("big"), ClientId::key("small"));
        s.charge(&big, Duration::from_secs(50), t0);
        s.charge(&small, Duration::from_secs(50), t0);
        assert_eq!(s.check(&big, t0), Ok(()));
        assert!(s.check(&small, t0).is_err());
        s.charge(&ClientId::Background, Duration::from_secs(1000), t0);
        assert_eq!(s.check(&ClientId::Background, t0), Ok(()));
        let unlimited = shares(0, 100);
        let a = ClientId::Unknown;
        unlimited.charge(&a, Duration::from_secs(1000), t0);
        assert_eq!(unlimited.check(&a, t0), Ok(()));
    }
}
