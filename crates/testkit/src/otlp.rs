//! [`OtlpReceiver`]: the receiving end of OTLP/HTTP JSON on a free port, for tests of the
//! services' traces. No OpenTelemetry Collector can be installed here (no Debian package,
//! no PyPI or npm build), so this is the one stand-in of the kit: it answers every POST
//! with 200 and keeps each body's spans, with the `service.name` of their resource.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A span as received, with its resource's `service.name` under `"service"`.
type Span = Value;

/// The receiver; it stops with the test process.
#[derive(Debug)]
pub struct OtlpReceiver {
    base: String,
    spans: Arc<Mutex<Vec<Span>>>,
}

impl OtlpReceiver {
    /// Listens on a free port of 127.0.0.1.
    #[must_use]
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the OTLP receiver");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let spans: Arc<Mutex<Vec<Span>>> = Arc::default();
        let kept = Arc::clone(&spans);
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                if let Some(body) = receive(&stream) {
                    kept.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .extend(spans_of(&body));
                }
                let mut stream = stream;
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
                );
            }
        });
        Self { base, spans }
    }

    /// The base URL, what `OTEL_EXPORTER_OTLP_ENDPOINT` takes.
    #[must_use]
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Every span received so far.
    #[must_use]
    pub fn spans(&self) -> Vec<Span> {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The spans received once `done` holds of them, waiting at most `timeout`; panics
    /// with what did arrive when it never does.
    pub fn wait_for(&self, timeout: Duration, done: impl Fn(&[Span]) -> bool) -> Vec<Span> {
        let started = Instant::now();
        loop {
            let spans = self.spans();
            if done(&spans) {
                return spans;
            }
            assert!(
                started.elapsed() < timeout,
                "the spans awaited never arrived; got {spans:#?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// One request's JSON body, when it is a POST with a `content-length`.
fn receive(stream: &std::net::TcpStream) -> Option<Value> {
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        if line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    first
        .starts_with("POST ")
        .then(|| serde_json::from_slice(&body).ok())
        .flatten()
}

/// The spans of an `ExportTraceServiceRequest`, each with its service's name.
fn spans_of(body: &Value) -> Vec<Span> {
    let list = |v: &Value, key: &str| v.get(key).and_then(Value::as_array).cloned();
    let mut out = Vec::new();
    for rs in list(body, "resourceSpans").unwrap_or_default() {
        let service = rs
            .pointer("/resource/attributes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|a| a.get("key").is_some_and(|k| k == "service.name"))
            .and_then(|a| a.pointer("/value/stringValue"))
            .cloned()
            .unwrap_or(Value::Null);
        for ss in list(&rs, "scopeSpans").unwrap_or_default() {
            for mut span in list(&ss, "spans").unwrap_or_default() {
                if let Some(obj) = span.as_object_mut() {
                    obj.insert("service".into(), service.clone());
                }
                out.push(span);
            }
        }
    }
    out
}
