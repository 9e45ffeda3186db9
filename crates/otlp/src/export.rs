//! The exporter: a bounded queue of finished spans (a full queue drops and counts, never
//! blocks a request), and one thread that batches them and POSTs each batch to the
//! collector, on its own small runtime so it never takes the services' threads.
//!
//! Counters: `picsum_trace_spans_exported_total`, `picsum_trace_spans_dropped_total` (queue
//! full or export failed) and `picsum_trace_export_failures_total`.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use crate::json::export_request;
use crate::settings::Settings;
use crate::span::SpanRecord;

enum Message {
    Span(SpanRecord),
    Flush(mpsc::Sender<()>),
}

/// Where the layer puts finished spans.
#[derive(Debug, Clone)]
pub struct Queue(SyncSender<Message>);

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Span(_) => "Span",
            Self::Flush(_) => "Flush",
        })
    }
}

const DROPPED: &str = "picsum_trace_spans_dropped_total";

impl Queue {
    /// Queues a finished span; drops it (and counts it) when the queue is full.
    pub fn push(&self, span: SpanRecord) {
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
            self.0.try_send(Message::Span(span))
        {
            metrics::counter!(DROPPED).increment(1);
        }
    }

    /// Exports every span queued so far, waiting at most `timeout`; whether it finished.
    #[must_use]
    pub fn flush(&self, timeout: Duration) -> bool {
        let (ack, done) = mpsc::channel();
        self.0.send(Message::Flush(ack)).is_ok() && done.recv_timeout(timeout).is_ok()
    }
}

/// Starts the exporter thread for `settings`; its queue is what [`crate::OtlpLayer`] takes.
///
/// # Errors
/// The thread, its runtime or its HTTP client cannot be made.
pub(crate) fn start(settings: Settings) -> std::io::Result<Queue> {
    let (tx, rx) = mpsc::sync_channel(settings.max_queue);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .timeout(settings.timeout)
        .build()
        .map_err(std::io::Error::other)?;
    for name in [DROPPED, EXPORTED, FAILURES] {
        metrics::counter!(name).increment(0);
    }
    std::thread::Builder::new()
        .name("otlp-exporter".into())
        .spawn(move || {
            Exporter {
                settings,
                runtime,
                client,
                last_warning: None,
            }
            .run(&rx);
        })?;
    Ok(Queue(tx))
}

const EXPORTED: &str = "picsum_trace_spans_exported_total";
const FAILURES: &str = "picsum_trace_export_failures_total";

struct Exporter {
    settings: Settings,
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    last_warning: Option<Instant>,
}

impl Exporter {
    fn run(mut self, rx: &Receiver<Message>) {
        let mut batch = Vec::new();
        let mut due: Option<Instant> = None;
        loop {
            let message = match due {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
            };
            match message {
                Ok(Message::Span(span)) => {
                    due.get_or_insert_with(|| Instant::now() + self.settings.delay);
                    batch.push(span);
                    if batch.len() < self.settings.max_batch {
                        continue;
                    }
                }
                Ok(Message::Flush(ack)) => {
                    self.send(&mut batch);
                    let _ = ack.send(());
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    self.send(&mut batch);
                    return;
                }
            }
            self.send(&mut batch);
            due = None;
        }
    }

    /// POSTs `batch` (emptying it); a failure is counted and warned of at most once a minute.
    fn send(&mut self, batch: &mut Vec<SpanRecord>) {
        if batch.is_empty() {
            return;
        }
        let body = export_request(&self.settings.resource, batch);
        let count = batch.len() as u64;
        batch.clear();
        let mut request = self
            .client
            .post(&self.settings.endpoint)
            .header("content-type", "application/json")
            .body(body);
        for (k, v) in &self.settings.headers {
            request = request.header(k, v);
        }
        let outcome = self.runtime.block_on(async {
            let res = request.send().await.map_err(|e| e.to_string())?;
            if res.status().is_success() {
                Ok(())
            } else {
                Err(format!("the collector answered {}", res.status()))
            }
        });
        match outcome {
            Ok(()) => metrics::counter!(EXPORTED).increment(count),
            Err(why) => {
                metrics::counter!(FAILURES).increment(1);
                metrics::counter!(DROPPED).increment(count);
                let quiet = self
                    .last_warning
                    .is_some_and(|t| t.elapsed() < Duration::from_secs(60));
                if !quiet {
                    self.last_warning = Some(Instant::now());
                    tracing::warn!(
                        endpoint = %self.settings.endpoint,
                        spans = count,
                        "trace export failed: {why}"
                    );
                }
            }
        }
    }
}
