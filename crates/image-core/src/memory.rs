//! The process's budget of bytes held outside renders: answers waiting on slow clients,
//! upload bodies being received and remote sources being fetched. Renders have their own
//! pixel budget (`IMAGE_MAX_INFLIGHT_PIXELS`); together they bound what traffic can make
//! the process hold. Past the budget a request is refused (503 with `Retry-After`) instead
//! of the process growing.
//!
//! An answer is counted once per buffer: a cached image sent to many clients at once shares
//! one allocation, and counts once. Answers under [`SMALL_ANSWER`] are not counted, so that
//! cache hits of ordinary images take no lock.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;

/// Refused: the bytes do not fit the budget now (503, try again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("server busy, try again")]
pub struct OverBudget;

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
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    used: u64,
    /// Shared buffers counted once: their address, size and holders.
    shared: HashMap<usize, (u64, u32)>,
}

/// Bytes counted against the budget until dropped.
#[derive(Debug)]
pub struct Hold {
    inner: Arc<Inner>,
    bytes: u64,
    buffer: Option<usize>,
}

impl MemoryBudget {
    /// A budget of `max` bytes (`u64::MAX`: unbounded).
    #[must_use]
    pub fn new(max: u64) -> Self {
        Self {
            inner: Arc::new(Inner {
                max,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Bytes counted now.
    #[must_use]
    pub fn used(&self) -> u64 {
        self.inner.lock().used
    }

    /// Counts `bytes` (e.g. a body about to be received).
    ///
    /// # Errors
    /// [`OverBudget`] when they do not fit.
    pub fn reserve(&self, bytes: u64) -> Result<Hold, OverBudget> {
        let mut hold = Hold {
            inner: Arc::clone(&self.inner),
            bytes: 0,
            buffer: None,
        };
        hold.grow(bytes)?;
        Ok(hold)
    }

    /// Counts the buffer of an answer, once however many answers share it.
    ///
    /// # Errors
    /// [`OverBudget`] when a buffer not yet counted does not fit.
    pub fn hold_answer(&self, bytes: &Bytes) -> Result<Hold, OverBudget> {
        let (at, len) = (bytes.as_ptr() as usize, bytes.len() as u64);
        let mut state = self.inner.lock();
        if let Some((_, holders)) = state.shared.get_mut(&at) {
            *holders += 1;
        } else {
            if state.used.saturating_add(len) > self.inner.max {
                metrics::counter!("picsum_memory_refusals_total").increment(1);
                return Err(OverBudget);
            }
            state.used += len;
            state.shared.insert(at, (len, 1));
        }
        gauge(state.used);
        Ok(Hold {
            inner: Arc::clone(&self.inner),
            bytes: len,
            buffer: Some(at),
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

impl Hold {
    /// Counts `more` bytes on this hold (a body received so far).
    ///
    /// # Errors
    /// [`OverBudget`] when they do not fit; the hold keeps what it had.
    pub fn grow(&mut self, more: u64) -> Result<(), OverBudget> {
        let mut state = self.inner.lock();
        if state.used.saturating_add(more) > self.inner.max {
            metrics::counter!("picsum_memory_refusals_total").increment(1);
            return Err(OverBudget);
        }
        state.used += more;
        self.bytes += more;
        gauge(state.used);
        Ok(())
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        let mut state = self.inner.lock();
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
        let budget = MemoryBudget::new(100);
        let a = budget.reserve(60).unwrap();
        assert!(matches!(budget.reserve(50), Err(OverBudget)));
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
        let budget = MemoryBudget::new(100);
        let image = Bytes::from(vec![0u8; 80]);
        let first = budget.hold_answer(&image).unwrap();
        let second = budget.hold_answer(&image.clone()).unwrap();
        assert_eq!(budget.used(), 80);
        let other = Bytes::from(vec![0u8; 80]);
        assert!(matches!(budget.hold_answer(&other), Err(OverBudget)));
        drop(first);
        assert_eq!(budget.used(), 80);
        drop(second);
        assert_eq!(budget.used(), 0);
        let _third = budget.hold_answer(&other).unwrap();
        assert_eq!(budget.used(), 80);
    }

    #[tokio::test]
    async fn the_body_releases_its_buffer_once_all_of_it_is_taken() {
        use http_body_util::BodyExt as _;
        let budget = MemoryBudget::new(u64::MAX);
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
