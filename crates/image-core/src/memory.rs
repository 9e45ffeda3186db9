//! The process's budget of bytes held outside renders: answers waiting on slow clients,
//! upload bodies being received and remote sources being fetched. Renders have their own
//! pixel budget (`IMAGE_MAX_INFLIGHT_PIXELS`); together they bound what traffic can make
//! the process hold. Past the budget a request is refused (503 with `Retry-After`) instead
//! of the process growing.
//!
//! An answer is counted once per buffer: a cached image sent to many clients at once shares
//! one allocation, and counts once. Answers under [`SMALL_ANSWER`] are not counted, so that
//! cache hits of ordinary images take no lock.
//!
//! Each hold is also charged to the client whose request took it ([`crate::client`]), every
//! hold on its own even when buffers are shared: no client holds more than its share (429
//! with `Retry-After` past it), so a few slow readers cannot fill the budget for everyone.
//! A client that holds nothing may always take one hold, so an answer larger than the share
//! is still served; the service's own work is not charged.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;

use crate::client::{self, ClientId};

/// Refused: the bytes do not fit the process's budget now (503, try again), or the
/// client's share of it (429, try again after [`SHARE_RETRY_AFTER`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("bytes held over the budget (the client's share: {share})")]
pub struct OverBudget {
    /// Whether it is the client's share that is used up, not the process's budget.
    pub share: bool,
}

/// When a client over its share may try again: its slow answers drain meanwhile.
pub const SHARE_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

/// Answers smaller than this are not counted.
pub const SMALL_ANSWER: usize = 256 << 10;

/// Bytes an answer body hands the connection at a time: the buffer is released once the
/// last piece is taken, not when the first is.
const PIECE: usize = 256 << 10;

/// The budget. Cheap to clone.
#[derive(Debug, Clone)]
pub struct MemoryBudget {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    max: u64,
    /// Bytes one client's holds may count.
    per_client: u64,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    used: u64,
    /// Shared buffers counted once: their address, size and holders.
    shared: HashMap<usize, (u64, u32)>,
    /// Bytes each client's holds count, every hold on its own.
    clients: HashMap<ClientId, u64>,
}

/// Bytes counted against the budget until dropped.
#[derive(Debug)]
pub struct Hold {
    inner: Arc<Inner>,
    bytes: u64,
    buffer: Option<usize>,
    /// The client charged; `None` for the service's own work.
    client: Option<ClientId>,
}

/// The client of the current request, `None` outside any (not charged).
fn charged_client() -> Option<ClientId> {
    Some(client::current()).filter(|c| *c != ClientId::Background)
}

impl MemoryBudget {
    /// A budget of `max` bytes (`u64::MAX`: unbounded), of which one client's holds may
    /// count `per_client` (`u64::MAX`: no share).
    #[must_use]
    pub fn new(max: u64, per_client: u64) -> Self {
        gauge(0);
        Self {
            inner: Arc::new(Inner {
                max,
                per_client,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Bytes counted now.
    #[must_use]
    pub fn used(&self) -> u64 {
        self.inner.lock().used
    }

    /// Bytes the holds of `client` count now.
    #[must_use]
    pub fn held_by(&self, client: &ClientId) -> u64 {
        self.inner.lock().clients.get(client).copied().unwrap_or(0)
    }

    /// Counts `bytes` (e.g. a body about to be received), charged to the current client.
    ///
    /// # Errors
    /// [`OverBudget`] when they do not fit the budget or the client's share.
    pub fn reserve(&self, bytes: u64) -> Result<Hold, OverBudget> {
        let mut hold = Hold {
            inner: Arc::clone(&self.inner),
            bytes: 0,
            buffer: None,
            client: charged_client(),
        };
        hold.grow(bytes)?;
        Ok(hold)
    }

    /// Counts the buffer of an answer, once however many answers share it, and charges it
    /// to the current client (each answer on its own).
    ///
    /// # Errors
    /// [`OverBudget`] when the client's share is used up, or a buffer not yet counted does
    /// not fit the budget.
    pub fn hold_answer(&self, bytes: &Bytes) -> Result<Hold, OverBudget> {
        let (at, len) = (bytes.as_ptr() as usize, bytes.len() as u64);
        let client = charged_client();
        let mut state = self.inner.lock();
        state.within_share(client.as_ref(), 0, len, self.inner.per_client)?;
        if let Some((_, holders)) = state.shared.get_mut(&at) {
            *holders += 1;
        } else {
            if state.used.saturating_add(len) > self.inner.max {
                metrics::counter!("picsum_memory_refusals_total").increment(1);
                return Err(OverBudget { share: false });
            }
            state.used += len;
            state.shared.insert(at, (len, 1));
        }
        state.charge(client.as_ref(), len);
        gauge(state.used);
        Ok(Hold {
            inner: Arc::clone(&self.inner),
            bytes: len,
            buffer: Some(at),
            client,
        })
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl State {
    /// Whether `client`, whose hold counts `own` bytes already, may count `more`: within its
    /// share, or when that hold is all it has.
    fn within_share(
        &self,
        client: Option<&ClientId>,
        own: u64,
        more: u64,
        share: u64,
    ) -> Result<(), OverBudget> {
        let Some(client) = client else {
            return Ok(());
        };
        let held = self.clients.get(client).copied().unwrap_or(0);
        if held <= own || held.saturating_add(more) <= share {
            return Ok(());
        }
        metrics::counter!("picsum_memory_share_refusals_total").increment(1);
        Err(OverBudget { share: true })
    }

    fn charge(&mut self, client: Option<&ClientId>, bytes: u64) {
        if let Some(client) = client {
            *self.clients.entry(client.clone()).or_default() += bytes;
        }
    }

    fn discharge(&mut self, client: Option<&ClientId>, bytes: u64) {
        let Some(client) = client else { return };
        if let Some(held) = self.clients.get_mut(client) {
            *held = held.saturating_sub(bytes);
            if *held == 0 {
                self.clients.remove(client);
            }
        }
    }
}

impl Hold {
    /// Counts `more` bytes on this hold (a body received so far).
    ///
    /// # Errors
    /// [`OverBudget`] when they do not fit; the hold keeps what it had.
    pub fn grow(&mut self, more: u64) -> Result<(), OverBudget> {
        let mut state = self.inner.lock();
        state.within_share(
            self.client.as_ref(),
            self.bytes,
            more,
            self.inner.per_client,
        )?;
        if state.used.saturating_add(more) > self.inner.max {
            metrics::counter!("picsum_memory_refusals_total").increment(1);
            return Err(OverBudget { share: false });
        }
        state.used += more;
        state.charge(self.client.as_ref(), more);
        self.bytes += more;
        gauge(state.used);
        Ok(())
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        let mut state = self.inner.lock();
        state.discharge(self.client.as_ref(), self.bytes);
        match self.buffer {
            Some(at) => {
                let last = state.shared.get_mut(&at).is_some_and(|(_, holders)| {
                    *holders -= 1;
                    *holders == 0
                });
                if last {
                    state.shared.remove(&at);
                    state.used = state.used.saturating_sub(self.bytes);
                }
            }
            None => state.used = state.used.saturating_sub(self.bytes),
        }
        gauge(state.used);
    }
}

fn gauge(used: u64) {
    metrics::gauge!("picsum_memory_held_bytes").set(used as f64);
}

/// An answer body that keeps its buffer counted until the connection has taken all of it.
#[derive(Debug)]
pub struct HeldBody {
    bytes: Bytes,
    _hold: Hold,
}

impl HeldBody {
    /// `bytes`, counted by `hold`.
    #[must_use]
    pub fn new(bytes: Bytes, hold: Hold) -> Self {
        Self { bytes, _hold: hold }
    }
}

impl http_body::Body for HeldBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if self.bytes.is_empty() {
            return Poll::Ready(None);
        }
        let n = self.bytes.len().min(PIECE);
        let piece = self.bytes.split_to(n);
        Poll::Ready(Some(Ok(http_body::Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.bytes.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.bytes.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_reservations_and_refuses_past_the_budget() {
        let budget = MemoryBudget::new(100, u64::MAX);
        let a = budget.reserve(60).unwrap();
        assert!(matches!(
            budget.reserve(50),
            Err(OverBudget { share: false })
        ));
        let mut b = budget.reserve(40).unwrap();
        assert_eq!(budget.used(), 100);
        assert!(b.grow(1).is_err());
        drop(a);
        b.grow(10).unwrap();
        assert_eq!(budget.used(), 50);
        drop(b);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn a_shared_buffer_counts_once() {
        let budget = MemoryBudget::new(100, u64::MAX);
        let image = Bytes::from(vec![0u8; 80]);
        let first = budget.hold_answer(&image).unwrap();
        let second = budget.hold_answer(&image.clone()).unwrap();
        assert_eq!(budget.used(), 80);
        let other = Bytes::from(vec![0u8; 80]);
        assert!(matches!(
            budget.hold_answer(&other),
            Err(OverBudget { share: false })
        ));
        drop(first);
        assert_eq!(budget.used(), 80);
        drop(second);
        assert_eq!(budget.used(), 0);
        let _third = budget.hold_answer(&other).unwrap();
        assert_eq!(budget.used(), 80);
    }

    fn addr(last: u8) -> ClientId {
        ClientId::addr(std::net::IpAddr::from([192, 0, 2, last]))
    }

    const SHARE: OverBudget = OverBudget { share: true };

    #[tokio::test]
    async fn each_answer_counts_on_its_client_and_none_holds_past_its_share() {
        let budget = MemoryBudget::new(1000, 100);
        let image = Bytes::from(vec![0u8; 60]);
        let other = Bytes::from(vec![0u8; 60]);
        let first = client::scope(addr(1), async {
            let first = budget.hold_answer(&image).unwrap();
            // Another buffer, or the same one again: both count on the client's share.
            assert!(matches!(budget.hold_answer(&other), Err(SHARE)));
            assert!(matches!(budget.hold_answer(&image.clone()), Err(SHARE)));
            first
        })
        .await;
        assert_eq!((budget.used(), budget.held_by(&addr(1))), (60, 60));
        // Another client is not refused; the shared buffer still counts once overall.
        let second = client::scope(addr(2), async { budget.hold_answer(&image).unwrap() }).await;
        assert_eq!((budget.used(), budget.held_by(&addr(2))), (60, 60));
        drop(first);
        assert_eq!((budget.used(), budget.held_by(&addr(1))), (60, 0));
        let again = client::scope(addr(1), async { budget.hold_answer(&other) }).await;
        assert!(again.is_ok());
        drop((second, again));
        assert_eq!(budget.used(), 0);
        assert!(budget.inner.lock().clients.is_empty());
    }

    #[tokio::test]
    async fn a_client_holding_nothing_takes_one_hold_past_its_share_and_background_is_free() {
        let budget = MemoryBudget::new(1000, 100);
        let large = Bytes::from(vec![0u8; 300]);
        let small = Bytes::from(vec![0u8; 10]);
        client::scope(addr(1), async {
            let _large = budget.hold_answer(&large).unwrap();
            assert!(matches!(budget.hold_answer(&small), Err(SHARE)));
        })
        .await;
        let _own = budget.hold_answer(&Bytes::from(vec![0u8; 500])).unwrap();
        let _more = budget.reserve(150).unwrap();
        assert_eq!(budget.used(), 650);
        assert_eq!(budget.held_by(&ClientId::Background), 0);
        // The process's budget still holds for a client within its share: 503, not 429.
        let full = client::scope(addr(2), async { budget.reserve(400) }).await;
        assert!(matches!(full, Err(OverBudget { share: false })));
    }

    #[tokio::test]
    async fn bodies_in_transit_are_charged_to_their_client() {
        let budget = MemoryBudget::new(1000, 100);
        client::scope(ClientId::key("k-1"), async {
            let mut body = budget.reserve(0).unwrap();
            let mut other = budget.reserve(0).unwrap();
            body.grow(80).unwrap();
            assert_eq!(other.grow(30), Err(SHARE));
            other.grow(20).unwrap();
            assert_eq!(body.grow(1), Err(SHARE));
            drop(other);
            // Its only hold may outgrow the share; no other may start past it.
            body.grow(80).unwrap();
            assert!(matches!(budget.reserve(10), Err(SHARE)));
            assert_eq!(budget.held_by(&ClientId::key("k-1")), 160);
            assert_eq!(budget.used(), 160);
            drop(body);
        })
        .await;
        assert_eq!(budget.used(), 0);
        assert_eq!(budget.held_by(&ClientId::key("k-1")), 0);
    }

    #[tokio::test]
    async fn the_body_releases_its_buffer_once_all_of_it_is_taken() {
        use http_body_util::BodyExt as _;
        let budget = MemoryBudget::new(u64::MAX, u64::MAX);
        let image = Bytes::from(vec![7u8; PIECE * 2 + 5]);
        let mut body = HeldBody::new(image.clone(), budget.hold_answer(&image).unwrap());
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(first.len(), PIECE);
        assert_eq!(budget.used(), image.len() as u64);
        let rest = body.collect().await.unwrap().to_bytes();
        assert_eq!(first.len() + rest.len(), image.len());
        assert_eq!(budget.used(), 0);
    }
}
