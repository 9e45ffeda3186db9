//! The render queue, fair between clients: start-time fair queuing by estimated cost.
//!
//! Each client has its own line. A job's start tag is the later of the queue's virtual
//! time and the finish tag of the client's previous job; its finish tag adds its cost. The
//! next job to run is the lowest start tag among clients below their share of workers. A
//! client that floods expensive work pushes its own tags ahead, so it waits behind its own
//! work, never in front of a client that asks for little. When a job ends, its client's
//! finish tag is corrected by what it really cost.

use std::collections::{HashMap, VecDeque};

use crate::client::ClientId;

/// How many jobs a client may have waiting, and running at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lanes {
    /// Jobs waiting in all lines together.
    pub capacity: usize,
    /// Jobs one client may have waiting.
    pub per_client: usize,
    /// Workers one client may occupy at once.
    pub workers_per_client: usize,
}

/// Why a job was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The queue is full.
    Full,
    /// This client's line is full.
    ClientFull,
}

/// The fair queue of items `T` (jobs).
#[derive(Debug)]
pub struct FairQueue<T> {
    lanes: Lanes,
    lines: HashMap<ClientId, Line<T>>,
    waiting: usize,
    /// Workers waiting for a job: a job may always be handed to one of them, even when
    /// the queue has no places (a queue of size 0 is a rendezvous).
    pub idle: usize,
    /// Start tag of the last job handed out.
    now: u64,
    /// Jobs queued so far: equal start tags go in arrival order.
    arrivals: u64,
}

#[derive(Debug)]
struct Line<T> {
    /// Start tag, arrival, estimated cost, the job.
    jobs: VecDeque<(u64, u64, u64, T)>,
    running: usize,
    finish: u64,
}

impl<T> FairQueue<T> {
    /// An empty queue.
    #[must_use]
    pub fn new(lanes: Lanes) -> Self {
        Self {
            lanes,
            lines: HashMap::new(),
            waiting: 0,
            idle: 0,
            now: 0,
            arrivals: 0,
        }
    }

    /// Jobs waiting.
    #[must_use]
    pub const fn waiting(&self) -> usize {
        self.waiting
    }

    /// Queues `job` for `client` at estimated `cost`.
    ///
    /// # Errors
    /// When the queue or the client's line is full.
    pub fn push(&mut self, client: ClientId, cost: u64, job: T) -> Result<(), (Refusal, T)> {
        if self.waiting >= self.lanes.capacity + self.idle {
            return Err((Refusal::Full, job));
        }
        let line = self.lines.entry(client).or_insert_with(|| Line {
            jobs: VecDeque::new(),
            running: 0,
            finish: 0,
        });
        if line.jobs.len() >= self.lanes.per_client.max(1) {
            return Err((Refusal::ClientFull, job));
        }
        let start = line.finish.max(self.now);
        line.finish = start.saturating_add(cost);
        line.jobs.push_back((start, self.arrivals, cost, job));
        self.arrivals += 1;
        self.waiting += 1;
        Ok(())
    }

    /// The next job to run, with its client and estimated cost: the lowest start tag among
    /// clients below their share of workers.
    pub fn pop(&mut self) -> Option<(ClientId, u64, T)> {
        // Forget clients with nothing queued or running whose last job the queue's time
        // has passed: they are owed nothing and owe nothing.
        let now = self.now;
        self.lines
            .retain(|_, line| !(line.jobs.is_empty() && line.running == 0 && line.finish <= now));
        let limit = self.lanes.workers_per_client.max(1);
        let client = self
            .lines
            .iter()
            .filter(|(_, line)| line.running < limit)
            .filter_map(|(client, line)| {
                line.jobs
                    .front()
                    .map(|(start, arrival, ..)| ((*start, *arrival), client))
            })
            .min_by_key(|(tag, _)| *tag)
            .map(|(_, client)| client.clone())?;
        let line = self.lines.get_mut(&client)?;
        let (start, _, cost, job) = line.jobs.pop_front()?;
        line.running += 1;
        self.waiting -= 1;
        self.now = self.now.max(start);
        Some((client, cost, job))
    }

    /// Records that a job of `client` estimated at `estimate` ended having cost `actual`.
    pub fn done(&mut self, client: &ClientId, estimate: u64, actual: u64) {
        let Some(line) = self.lines.get_mut(client) else {
            return;
        };
        line.running = line.running.saturating_sub(1);
        line.finish = line.finish.saturating_add(actual).saturating_sub(estimate);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> ClientId {
        ClientId::addr(std::net::IpAddr::from([192, 0, 2, n]))
    }

    fn lanes(workers_per_client: usize) -> Lanes {
        Lanes {
            capacity: 64,
            per_client: 32,
            workers_per_client,
        }
    }

    #[test]
    fn a_flooding_client_waits_behind_its_own_work() {
        let mut q = FairQueue::new(lanes(8));
        for n in 0..20 {
            q.push(ip(1), 5_000, n).unwrap();
        }
        q.push(ip(2), 50, 100).unwrap();
        q.push(ip(2), 50, 101).unwrap();
        let order: Vec<i32> = std::iter::from_fn(|| q.pop().map(|(_, _, job)| job))
            .take(5)
            .collect();
        // The light client's two jobs run right after the flooder's first.
        assert_eq!(order, vec![0, 100, 101, 1, 2]);
    }

    #[test]
    fn a_client_occupies_at_most_its_share_of_workers() {
        let mut q = FairQueue::new(lanes(1));
        q.push(ip(1), 10, 'a').unwrap();
        q.push(ip(1), 10, 'b').unwrap();
        let (client, cost, job) = q.pop().unwrap();
        assert_eq!(job, 'a');
        assert!(q.pop().is_none(), "the client's one worker is busy");
        q.push(ip(2), 10, 'c').unwrap();
        assert_eq!(q.pop().map(|(_, _, j)| j), Some('c'));
        q.done(&client, cost, 10);
        assert_eq!(q.pop().map(|(_, _, j)| j), Some('b'));
    }

    #[test]
    fn lines_and_the_queue_are_bounded() {
        let mut q = FairQueue::new(Lanes {
            capacity: 3,
            per_client: 2,
            workers_per_client: 1,
        });
        q.push(ip(1), 1, 0).unwrap();
        q.push(ip(1), 1, 1).unwrap();
        assert!(matches!(q.push(ip(1), 1, 2), Err((Refusal::ClientFull, 2))));
        q.push(ip(2), 1, 3).unwrap();
        assert!(matches!(q.push(ip(3), 1, 4), Err((Refusal::Full, 4))));
        assert_eq!(q.waiting(), 3);
    }

    #[test]
    fn what_a_job_really_cost_moves_its_clients_next_turn() {
        let mut q = FairQueue::new(lanes(1));
        q.push(ip(1), 10, 'a').unwrap();
        let (client, estimate, _) = q.pop().unwrap();
        // Estimated at 10, it cost 10,000: the client's next job queues far behind.
        q.done(&client, estimate, 10_000);
        q.push(ip(1), 10, 'b').unwrap();
        q.push(ip(2), 10, 'c').unwrap();
        q.push(ip(2), 10, 'd').unwrap();
        let order: String = std::iter::from_fn(|| {
            let (client, cost, job) = q.pop()?;
            q.done(&client, cost, cost);
            Some(job)
        })
        .collect();
        assert_eq!(order, "cdb");
        // Idle clients are forgotten once the queue's time has passed their last job.
        q.push(ip(3), 10, 'e').unwrap();
        assert_eq!(q.pop().map(|(_, _, j)| j), Some('e'));
        assert_eq!(
            q.lines.len(),
            2,
            "the client who cost 10,000 is still owed for"
        );
    }
}
