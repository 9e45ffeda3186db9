//! The slowest reader a connection may have: [`Floored`] wraps an accepted stream and,
//! while its writes are blocked (the client is not taking what we send), measures the
//! bytes written over a window of blocked time. A window that passes with fewer than
//! [`SendFloor::minimum`] bytes written fails the write (`TimedOut`), so the server drops
//! the connection and whatever its answer held. Time the connection is not blocked (idle
//! keep-alive, answers that flow) does not count: a window starts only when a write
//! blocks, and one that ends while writes flow freely starts afresh.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The slowest a client may read an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendFloor {
    /// Bytes per second a blocked connection must take at least (0: no floor).
    pub bytes_per_second: u64,
    /// The blocked time the rate is measured over.
    pub window: Duration,
}

impl Default for SendFloor {
    /// 8 KiB/s over 10 s.
    fn default() -> Self {
        Self {
            bytes_per_second: 8 << 10,
            window: Duration::from_secs(10),
        }
    }
}

impl SendFloor {
    /// Bytes a window must see written.
    #[must_use]
    pub fn minimum(&self) -> u64 {
        let bytes = u128::from(self.bytes_per_second) * self.window.as_millis() / 1000;
        u64::try_from(bytes).unwrap_or(u64::MAX)
    }

    fn is_off(&self) -> bool {
        self.bytes_per_second == 0 || self.window.is_zero()
    }
}

/// A stream whose writes fail once its reader stays below the floor.
#[derive(Debug)]
pub struct Floored<S> {
    inner: S,
    floor: SendFloor,
    /// The window under way, from the first write that blocked.
    window: Option<Window>,
    /// Wakes the connection when the window's blocked time runs out.
    deadline: Pin<Box<Sleep>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    /// Bytes written since the window started.
    written: u64,
    /// Blocked time of the window before the current block.
    blocked: Duration,
    /// When the current block started, while writes are blocked.
    since: Option<Instant>,
}

impl Window {
    fn new(now: Instant) -> Self {
        Self {
            written: 0,
            blocked: Duration::ZERO,
            since: Some(now),
        }
    }
}

impl<S> Floored<S> {
    /// `inner`, held to `floor`.
    pub fn new(inner: S, floor: SendFloor) -> Self {
        Self {
            inner,
            floor,
            window: None,
            deadline: Box::pin(tokio::time::sleep(Duration::ZERO)),
        }
    }

    /// Counts what a write returned: bytes written, or a block to time.
    fn account(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        if self.floor.is_off() {
            return polled;
        }
        match polled {
            Poll::Ready(Ok(n)) => {
                self.flowed(n);
                Poll::Ready(Ok(n))
            }
            Poll::Pending => self.blocked(cx),
            failed @ Poll::Ready(Err(_)) => failed,
        }
    }

    fn flowed(&mut self, n: usize) {
        let Some(window) = self.window.as_mut() else {
            return;
        };
        if let Some(since) = window.since.take() {
            window.blocked += since.elapsed();
        }
        window.written = window
            .written
            .saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        if window.blocked >= self.floor.window {
            // The window ended while writes flowed: the next block starts a new one.
            self.window = None;
        }
    }

    fn blocked(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let now = Instant::now();
        let window = match self.window.as_mut() {
            Some(window) if window.since.is_some() => window,
            Some(window) => {
                window.since = Some(now);
                let left = self.floor.window.saturating_sub(window.blocked);
                self.deadline.as_mut().reset(now + left);
                window
            }
            None => {
                self.deadline.as_mut().reset(now + self.floor.window);
                self.window.insert(Window::new(now))
            }
        };
        if self.deadline.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        // A whole window blocked: too slow, or on to the next window.
        if window.written < self.floor.minimum() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client reads slower than the minimum send rate",
            )));
        }
        *window = Window::new(now);
        self.deadline.as_mut().reset(now + self.floor.window);
        // Registers the wake-up for the new window's end.
        let _ = self.deadline.as_mut().poll(cx);
        Poll::Pending
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Floored<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Floored<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.account(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.account(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    const FLOOR: SendFloor = SendFloor {
        bytes_per_second: 64 << 10,
        window: Duration::from_secs(1),
    };

    /// A client that takes up to 16 KiB every `every` until the server side is closed, and
    /// tells how much it took.
    fn reader(mut client: DuplexStream, every: Duration) -> tokio::task::JoinHandle<usize> {
        tokio::spawn(async move {
            let (mut buf, mut total) = (vec![0u8; 16 << 10], 0);
            loop {
                tokio::time::sleep(every).await;
                match client.read(&mut buf).await {
                    Ok(0) | Err(_) => return total,
                    Ok(n) => total += n,
                }
            }
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_reader_below_the_floor_is_cut_within_a_few_windows() {
        let (server, client) = tokio::io::duplex(16 << 10);
        let mut server = Floored::new(server, FLOOR);
        let slow = reader(client, Duration::from_secs(2));
        let started = Instant::now();
        let err = server.write_all(&vec![1u8; 4 << 20]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(
            started.elapsed() <= FLOOR.window * 3,
            "{:?}",
            started.elapsed()
        );
        drop(server);
        assert!(slow.await.unwrap() < 64 << 10);
    }

    #[tokio::test(start_paused = true)]
    async fn a_reader_above_the_floor_takes_a_big_body_over_many_windows() {
        const BODY: usize = 2 << 20;
        let (server, client) = tokio::io::duplex(16 << 10);
        let mut server = Floored::new(server, FLOOR);
        // 160 KiB/s: 12.8 s of blocked writes.
        let fast = reader(client, Duration::from_millis(100));
        let started = Instant::now();
        server.write_all(&vec![1u8; BODY]).await.unwrap();
        assert!(started.elapsed() > FLOOR.window * 10);
        drop(server);
        assert_eq!(fast.await.unwrap(), BODY);
    }

    #[tokio::test(start_paused = true)]
    async fn idle_keep_alive_time_is_not_counted() {
        let (server, client) = tokio::io::duplex(16 << 10);
        let mut server = Floored::new(server, FLOOR);
        let client = reader(client, Duration::from_millis(100));
        for _ in 0..3 {
            // Each answer blocks for a moment, then the connection waits for the next
            // request for three windows.
            server.write_all(&[1u8; 32 << 10]).await.unwrap();
            tokio::time::sleep(FLOOR.window * 3).await;
        }
        drop(server);
        assert_eq!(client.await.unwrap(), 3 * (32 << 10));
    }

    #[test]
    fn the_default_floor_is_80_kib_per_10_s_and_zero_is_off() {
        assert_eq!(SendFloor::default().minimum(), 80 << 10);
        let off = SendFloor {
            bytes_per_second: 0,
            ..SendFloor::default()
        };
        assert!(off.is_off());
    }
}
