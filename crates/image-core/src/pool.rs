//! A bounded pool of dedicated OS threads for libvips work, shared fairly between clients.
//!
//! Renders never run on the async runtime: a handler hands a closure and its estimated cost
//! to [`RenderPool::run_as`], which queues it in the client's line of a fair queue
//! ([`crate::queue`]) feeding `workers` long-lived threads. A full queue is refused at once
//! ([`PoolError::Overloaded`], 503) and a client's full line or used-up CPU share
//! ([`crate::shares`]) too ([`PoolError::OverShare`], 429), instead of growing; so is any
//! job while the queue sheds a standing backlog (when on: [`crate::shed`], 503). Each job's
//! real cost, its worker thread's CPU time, is charged to its client. A job whose requester
//! went away while it was queued is skipped; one that is running when its requester goes
//! away (client gone, deadline passed) is stopped by libvips' kill flag. Dedicated threads
//! keep libvips' per-thread state stable, and release it when they exit. A job's wait and
//! its work are the `queue` and `render` spans of its request's trace.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::client::{self, ClientId};
use crate::queue::{FairQueue, Lanes, Refusal};
use crate::shares::{CpuShares, ShareSettings};
use crate::shed::Shedder;

/// A queued job; `Some(wait)` when its client's share ran out while it waited.
type Job = Box<dyn FnOnce(Option<Duration>) + Send>;

/// A job and when it was queued.
type Queued = (Instant, Job);

/// The estimated cost of work queued without one (a decode check, a ladder's copy).
pub const DEFAULT_COST: Duration = Duration::from_millis(20);

/// Why a job did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// Every worker is busy and the queue is full, or shedding a standing backlog.
    #[error("render queue is full")]
    Overloaded,
    /// This client's share of the pool is used up: its line is full, or its CPU budget
    /// spent; it may try again after the duration.
    #[error("render share used up")]
    OverShare(Duration),
    /// The pool stopped, or the job panicked.
    #[error("render worker failed")]
    Failed,
}

/// How the pool is shaped and shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSettings {
    /// Worker threads.
    pub workers: usize,
    /// Jobs that may wait, all clients together.
    pub queue_size: usize,
    /// Workers one client may occupy at once.
    pub workers_per_client: usize,
    /// Jobs one client may have waiting.
    pub queue_per_client: usize,
    /// Each client's CPU budget.
    pub shares: ShareSettings,
    /// The queueing delay above which, sustained, new work is refused ([`crate::shed`]);
    /// `None`: only the places bound the queue.
    pub target_wait: Option<Duration>,
}

impl PoolSettings {
    /// `workers` threads behind `queue_size` places; a client may use half the workers and
    /// a quarter of the places (at least one of each).
    #[must_use]
    pub fn new(workers: usize, queue_size: usize) -> Self {
        Self {
            workers,
            queue_size,
            workers_per_client: (workers / 2).max(1),
            queue_per_client: (queue_size / 4).max(1),
            shares: ShareSettings::default(),
            target_wait: None,
        }
    }
}

/// The render pool. Cheap to clone; its threads stop when the last clone is dropped.
#[derive(Clone)]
pub struct RenderPool {
    shared: Arc<Shared>,
    _owner: Arc<Owner>,
    queue_size: usize,
}

struct Shared {
    queue: Mutex<FairQueue<Queued>>,
    /// Locked only with `queue` held.
    shed: Mutex<Shedder>,
    ready: Condvar,
    stopped: AtomicBool,
    shares: CpuShares,
}

/// Stops the workers when the last handle goes.
struct Owner(Arc<Shared>);

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.stopped.store(true, Ordering::Release);
        self.0.ready.notify_all();
    }
}

/// Name of the queue-size gauge (Picsum's `gauge_image_processor_queue_size`).
pub const QUEUE_GAUGE: &str = "image_processor_queue_size";
/// Name of the gauge of the queue's bound (`IMAGE_QUEUE_SIZE`), what alerts divide by.
pub const QUEUE_CAPACITY_GAUGE: &str = "image_processor_queue_capacity";

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FairQueue<Queued>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn shedder(&self) -> MutexGuard<'_, Shedder> {
        self.shed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next job, waiting for one; `None` once the pool stops.
    fn next(&self) -> Option<(ClientId, u64, Job)> {
        let mut queue = self.lock();
        loop {
            if self.stopped.load(Ordering::Acquire) {
                return None;
            }
            if let Some((client, estimate, (queued, job))) = queue.pop() {
                metrics::gauge!(QUEUE_GAUGE).set(queue.waiting() as f64);
                self.shedder()
                    .observe(queued, Instant::now(), queue.waiting());
                return Some((client, estimate, job));
            }
            queue.idle += 1;
            queue = self
                .ready
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
            queue.idle -= 1;
        }
    }

    /// Runs jobs until the pool stops.
    fn work(&self) {
        while let Some((client, estimate, job)) = self.next() {
            let refused = self.shares.check(&client, Instant::now()).err();
            let before = picsum_imaging::thread_cpu_time();
            // A panicking job drops its reply (the caller sees `Failed`); the worker lives on.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(refused)));
            // Hand the render's buffers back to the system when they have grown.
            picsum_imaging::trim_memory();
            let spent = picsum_imaging::thread_cpu_time().saturating_sub(before);
            // libvips computes pixels on threads of its own (one per operation here), and
            // AV1's encoder on more: most of a render is off this thread's clock (about a
            // quarter of it is on it, measured with bench/quality.sh). At least half the
            // estimate is charged; the cost model keeps its estimates within 2x of the whole
            // process's CPU, so a charge is at least a quarter of the real cost, and an
            // ordinary client is never charged more than its renders cost.
            let estimated = Duration::from_micros(estimate);
            let charged = spent.max(estimated / 2);
            self.shares.charge(&client, charged, Instant::now());
            metrics::histogram!("picsum_render_cpu_seconds").record(charged.as_secs_f64());
            let actual = u64::try_from(charged.as_micros()).unwrap_or(u64::MAX);
            self.lock().done(&client, estimate, actual);
            // The client may have a job that waited for its share of workers.
            self.ready.notify_all();
        }
    }
}

impl RenderPool {
    /// Starts the pool's threads.
    ///
    /// # Errors
    /// When a thread cannot be spawned.
    pub fn new(settings: PoolSettings) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(FairQueue::new(Lanes {
                capacity: settings.queue_size,
                per_client: settings.queue_per_client,
                workers_per_client: settings.workers_per_client,
            })),
            shed: Mutex::new(Shedder::new(settings.target_wait)),
            ready: Condvar::new(),
            stopped: AtomicBool::new(false),
            shares: CpuShares::new(settings.shares),
        });
        let owner = Arc::new(Owner(Arc::clone(&shared)));
        metrics::gauge!(QUEUE_GAUGE).set(0.0);
        metrics::gauge!(QUEUE_CAPACITY_GAUGE).set(settings.queue_size as f64);
        for n in 0..settings.workers.max(1) {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("vips-worker-{n}"))
                .spawn(move || {
                    shared.work();
                    picsum_imaging::release_thread_state();
                })?;
        }
        Ok(Self {
            shared,
            _owner: owner,
            queue_size: settings.queue_size,
        })
    }

    /// Jobs waiting for a worker.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.shared.lock().waiting()
    }

    /// Whether fewer than half of the queue's places are taken: background work (a ladder)
    /// queues only then, so it never takes the place of a request.
    #[must_use]
    pub fn has_room(&self) -> bool {
        self.queued() < self.queue_size.div_ceil(2)
    }

    /// Runs `f` on a worker and returns its result, at the default cost.
    ///
    /// # Errors
    /// As [`RenderPool::run_as`].
    pub async fn run<T, F>(&self, f: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.run_as(DEFAULT_COST, f).await
    }

    /// Runs `f`, estimated to cost `cost` of CPU, on a worker for the current request's
    /// client, and returns its result.
    ///
    /// # Errors
    /// [`PoolError::Overloaded`] when the queue is full; [`PoolError::OverShare`] when the
    /// client's line is full or its CPU share used up; [`PoolError::Failed`] when the
    /// worker panicked or the pool is gone.
    pub async fn run_as<T, F>(&self, cost: Duration, f: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let client = client::current();
        self.shared
            .shares
            .check(&client, Instant::now())
            .map_err(PoolError::OverShare)?;
        let (reply, result) = oneshot::channel();
        // Raised when this future is dropped (the client left, the deadline passed): the
        // render stops at its next batch of tiles and frees the worker.
        let cancel = CancelOnDrop(Arc::new(AtomicBool::new(false)));
        let flag = Arc::clone(&cancel.0);
        // The request's trace: the wait for a worker, then the work on it.
        let request = tracing::Span::current();
        let waiting = tracing::info_span!("queue");
        let job: Job = Box::new(move |refused| {
            drop(waiting);
            if reply.is_closed() {
                return; // the request was cancelled while queued
            }
            let answer = match refused {
                Some(wait) => Err(PoolError::OverShare(wait)),
                None => {
                    let _render = tracing::info_span!(parent: &request, "render").entered();
                    Ok(picsum_imaging::cancellable(flag, f))
                }
            };
            let _ = reply.send(answer);
        });
        let estimate = u64::try_from(cost.as_micros()).unwrap_or(u64::MAX);
        {
            let mut queue = self.shared.lock();
            if queue.idle == 0 && !self.shared.shedder().admits() {
                metrics::counter!("picsum_queue_shed_total").increment(1);
                return Err(PoolError::Overloaded);
            }
            match queue.push(client, estimate, (Instant::now(), job)) {
                Ok(()) => metrics::gauge!(QUEUE_GAUGE).set(queue.waiting() as f64),
                Err((Refusal::Full, _)) => return Err(PoolError::Overloaded),
                Err((Refusal::ClientFull, _)) => {
                    metrics::counter!("picsum_pool_share_refusals_total").increment(1);
                    return Err(PoolError::OverShare(cost.max(Duration::from_secs(1))));
                }
            }
        }
        self.shared.ready.notify_one();
        let answer = result.await.map_err(|_| PoolError::Failed)?;
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

    fn pool(workers: usize, queue_size: usize) -> RenderPool {
        RenderPool::new(PoolSettings::new(workers, queue_size)).unwrap()
    }

    fn ip(n: u8) -> ClientId {
        ClientId::addr(std::net::IpAddr::from([192, 0, 2, n]))
    }

    async fn wait_until(mut ready: impl FnMut() -> bool) {
        while !ready() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn runs_off_the_runtime_and_sheds_load() {
        let pool = pool(1, 1);
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
        let (busy, gate) = occupy(&pool).await;
        let queued = tokio::spawn({
            let pool = pool.clone();
            client::scope(ip(1), async move { pool.run(|| 7).await })
        });
        wait_until(|| pool.queued() == 1).await;
        let refused = client::scope(ip(2), pool.run(|| 8)).await;
        assert_eq!(refused, Err(PoolError::Overloaded));
        gate.wait();
        busy.await.unwrap().unwrap();
        assert_eq!(queued.await.unwrap(), Ok(7));
    }

    /// Occupies one worker of `pool` until the returned gate is passed.
    async fn occupy(
        pool: &RenderPool,
    ) -> (tokio::task::JoinHandle<Result<(), PoolError>>, Arc<Barrier>) {
        let gate = Arc::new(Barrier::new(2));
        let started = Arc::new(AtomicBool::new(false));
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
        wait_until(|| started.load(Ordering::SeqCst)).await;
        (busy, gate)
    }

    #[tokio::test]
    async fn a_standing_backlog_is_shed_until_it_drains() {
        let mut settings = PoolSettings::new(1, 16);
        settings.target_wait = Some(Duration::from_millis(20));
        let pool = RenderPool::new(settings).unwrap();
        let (busy, gate) = occupy(&pool).await;
        // Three 40 ms jobs, from three clients, wait 60 ms behind the busy worker.
        let jobs: Vec<_> = (1..=3)
            .map(|n| {
                let pool = pool.clone();
                tokio::spawn(client::scope(ip(n), async move {
                    pool.run(|| std::thread::sleep(Duration::from_millis(40)))
                        .await
                }))
            })
            .collect();
        wait_until(|| pool.queued() == 3).await;
        tokio::time::sleep(Duration::from_millis(60)).await;
        gate.wait();
        // The second leaves 40 ms after the first, both having waited over 20 ms: shedding.
        wait_until(|| pool.queued() == 1).await;
        let shed = client::scope(ip(9), pool.run(|| 1)).await;
        assert_eq!(shed, Err(PoolError::Overloaded));
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        busy.await.unwrap().unwrap();
        // The queue drained: admitted again.
        assert_eq!(client::scope(ip(9), pool.run(|| 2)).await, Ok(2));
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error_not_a_dead_pool() {
        let pool = pool(1, 4);
        let r = pool.run(|| -> u8 { panic!("boom") }).await;
        assert_eq!(r, Err(PoolError::Failed));
        assert_eq!(pool.run(|| 1).await, Ok(1));
    }

    #[tokio::test]
    async fn a_flooding_client_waits_behind_its_own_work_not_in_front_of_others() {
        // Two workers, one per client: the flooder's 8 slow jobs run one at a time, and
        // another client's job runs at once on the other worker.
        let pool = pool(2, 64);
        let flood: Vec<_> = (0..8)
            .map(|_| {
                let pool = pool.clone();
                tokio::spawn(client::scope(ip(1), async move {
                    pool.run_as(Duration::from_secs(1), || {
                        std::thread::sleep(Duration::from_millis(150));
                    })
                    .await
                }))
            })
            .collect();
        wait_until(|| pool.queued() >= 7).await;
        let started = Instant::now();
        client::scope(ip(2), pool.run_as(Duration::from_millis(5), || ()))
            .await
            .unwrap();
        assert!(
            started.elapsed() < Duration::from_millis(120),
            "the light client waited {:?} behind the flooder",
            started.elapsed()
        );
        // The flooder's line is a quarter of the queue: more is refused with a wait.
        let over = client::scope(ip(1), async {
            let mut refused = None;
            for _ in 0..16 {
                let pool = pool.clone();
                let job = tokio::spawn(client::scope(ip(1), async move { pool.run(|| ()).await }));
                tokio::time::sleep(Duration::from_millis(1)).await;
                if job.is_finished() {
                    refused = Some(job.await.unwrap());
                    break;
                }
            }
            refused
        })
        .await;
        assert!(
            matches!(over, Some(Err(PoolError::OverShare(_)))),
            "{over:?}"
        );
        for job in flood {
            job.await.unwrap().unwrap();
        }
    }

    #[tokio::test]
    async fn a_client_past_its_cpu_share_is_refused_with_a_wait() {
        let mut settings = PoolSettings::new(1, 8);
        settings.shares.cpu = Duration::from_millis(20);
        settings.shares.window = Duration::from_secs(60);
        let pool = RenderPool::new(settings).unwrap();
        let spin = || {
            let started = picsum_imaging::thread_cpu_time();
            while picsum_imaging::thread_cpu_time() - started < Duration::from_millis(40) {
                std::hint::black_box(0u64);
            }
        };
        client::scope(ip(1), pool.run(spin)).await.unwrap();
        let refused = client::scope(ip(1), pool.run(|| ())).await;
        let Err(PoolError::OverShare(wait)) = refused else {
            panic!("{refused:?}");
        };
        // 20 ms over a budget of 20 ms per minute: about a minute to drain.
        assert!(wait >= Duration::from_secs(30), "{wait:?}");
        assert_eq!(client::scope(ip(2), pool.run(|| 3)).await, Ok(3));
    }
}
