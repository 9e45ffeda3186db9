//! A bounded pool of dedicated OS threads for libvips work.
//!
//! Renders never run on the async runtime: a handler hands a closure to [`RenderPool::run`],
//! which queues it on a bounded channel feeding `workers` long-lived threads. A full queue is
//! refused at once ([`PoolError::Overloaded`], answered 503) instead of growing. A job whose
//! requester went away while it was queued is skipped; one that is running when its
//! requester goes away (client gone, deadline passed) is stopped by libvips' kill flag. Dedicated threads keep libvips'
//! per-thread state stable, and release it when they exit.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// Why a job did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// Every worker is busy and the queue is full.
    #[error("render queue is full")]
    Overloaded,
    /// The pool stopped, or the job panicked.
    #[error("render worker failed")]
    Failed,
}

/// The render pool. Cheap to clone.
#[derive(Clone)]
pub struct RenderPool {
    tx: SyncSender<Job>,
    queued: Arc<AtomicUsize>,
    queue_size: usize,
}

/// Name of the queue-size gauge (Picsum's `gauge_image_processor_queue_size`).
pub const QUEUE_GAUGE: &str = "image_processor_queue_size";

impl RenderPool {
    /// Starts `workers` threads behind a queue of `queue_size` waiting jobs.
    ///
    /// # Errors
    /// When a thread cannot be spawned.
    pub fn new(workers: usize, queue_size: usize) -> std::io::Result<Self> {
        let (tx, rx) = sync_channel::<Job>(queue_size);
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for n in 0..workers.max(1) {
            let rx = Arc::clone(&rx);
            std::thread::Builder::new()
                .name(format!("vips-worker-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job, never while running it.
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => break,
                        };
                        match job {
                            Ok(job) => {
                                // A panicking job drops its reply (the caller sees `Failed`); the worker lives on.
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                                // Hand the render's buffers back to the system at once.
                                picsum_imaging::trim_memory();
                            }
                            Err(_) => break,
                        }
                    }
                    picsum_imaging::release_thread_state();
                })?;
        }
        Ok(Self {
            tx,
            queued: Arc::new(AtomicUsize::new(0)),
            queue_size,
        })
    }

    /// Jobs waiting for a worker.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Whether fewer than half of the queue's places are taken: background work (a ladder)
    /// queues only then, so it never takes the place of a request.
    #[must_use]
    pub fn has_room(&self) -> bool {
        self.queued() < self.queue_size.div_ceil(2)
    }

    /// Runs `f` on a worker and returns its result.
    ///
    /// # Errors
    /// [`PoolError::Overloaded`] when the queue is full; [`PoolError::Failed`] when the
    /// worker panicked or the pool is gone.
    pub async fn run<T, F>(&self, f: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        // Raised when this future is dropped (the client left, the deadline passed): the
        // render stops at its next batch of tiles and frees the worker.
        let cancel = CancelOnDrop(Arc::new(AtomicBool::new(false)));
        let flag = Arc::clone(&cancel.0);
        let queued = Arc::clone(&self.queued);
        let job: Job = Box::new(move || {
            let waiting = queued.fetch_sub(1, Ordering::Relaxed).saturating_sub(1);
            metrics::gauge!(QUEUE_GAUGE).set(waiting as f64);
            if reply.is_closed() {
                return; // the request was cancelled while queued
            }
            let _ = reply.send(picsum_imaging::cancellable(flag, f));
        });
        let waiting = self.queued.fetch_add(1, Ordering::Relaxed) + 1;
        match self.tx.try_send(job) {
            Ok(()) => metrics::gauge!(QUEUE_GAUGE).set(waiting as f64),
            Err(TrySendError::Full(_)) => {
                self.queued.fetch_sub(1, Ordering::Relaxed);
                return Err(PoolError::Overloaded);
            }
            Err(TrySendError::Disconnected(_)) => {
                self.queued.fetch_sub(1, Ordering::Relaxed);
                return Err(PoolError::Failed);
            }
        }
        let answer = result.await.map_err(|_| PoolError::Failed);
        drop(cancel);
        answer
    }
}

/// Raises its flag when dropped.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;
    use std::time::Duration;

    #[tokio::test]
    async fn runs_off_the_runtime_and_sheds_load() {
        let pool = RenderPool::new(1, 1).unwrap();
        let here = std::thread::current().id();
        let there = pool
            .run(|| std::thread::current().name().map(str::to_owned))
            .await
            .unwrap();
        assert_eq!(there.as_deref(), Some("vips-worker-0"));
        assert_ne!(
            pool.run(|| std::thread::current().id()).await.unwrap(),
            here
        );

        // Occupy the worker, fill the one queue slot, then the next job is refused.
        let gate = Arc::new(Barrier::new(2));
        let started = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let busy = tokio::spawn({
            let (pool, gate, started) = (pool.clone(), Arc::clone(&gate), Arc::clone(&started));
            async move {
                pool.run(move || {
                    started.store(true, Ordering::SeqCst);
                    gate.wait();
                })
                .await
            }
        });
        while !started.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let queued = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(|| 7).await }
        });
        while pool.queued.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // The counter rises just before the job enters the channel.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(pool.run(|| 8).await, Err(PoolError::Overloaded));
        gate.wait();
        busy.await.unwrap().unwrap();
        assert_eq!(queued.await.unwrap(), Ok(7));
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error_not_a_dead_pool() {
        let pool = RenderPool::new(1, 4).unwrap();
        let r = pool.run(|| -> u8 { panic!("boom") }).await;
        assert_eq!(r, Err(PoolError::Failed));
        assert_eq!(pool.run(|| 1).await, Ok(1));
    }
}
