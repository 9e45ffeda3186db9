//! The `tracing` layer that turns the services' spans into OpenTelemetry spans: ids, the
//! trace a span joins (its parent's, the `traceparent` field of a root span, or a new
//! one), the sampling decision, attributes from the span's fields, and the finished span
//! handed to the exporter.
//!
//! Fields named `otel.name`, `otel.kind` and `otel.status_code` set the span's name, kind
//! (`server`, `client`, `internal`) and status (`error`); a field named `traceparent` on a
//! root span continues the caller's trace; every other field becomes an attribute. An
//! `error` event inside a span marks it failed.

use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use crate::export::Queue;
use crate::sampler::{Parent, Sampler};
use crate::span::{Kind, SpanRecord, Value};

/// What the layer keeps in a live span's extensions.
struct Live {
    record: SpanRecord,
    sampled: bool,
}

/// The layer; see the module's documentation.
pub struct OtlpLayer {
    sampler: Sampler,
    queue: Queue,
}

impl OtlpLayer {
    /// A layer sampling with `sampler` and handing finished spans to `queue`.
    #[must_use]
    pub fn new(sampler: Sampler, queue: Queue) -> Self {
        Self { sampler, queue }
    }
}

impl std::fmt::Debug for OtlpLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtlpLayer")
            .field("sampler", &self.sampler)
            .finish_non_exhaustive()
    }
}

/// A random non-zero id.
fn random_id<const N: usize>() -> [u8; N] {
    loop {
        let mut id = [0u8; N];
        id.iter_mut().for_each(|b| *b = fastrand::u8(..));
        if id != [0; N] {
            return id;
        }
    }
}

/// Reads a span's fields into its record.
struct Fields<'a> {
    record: &'a mut SpanRecord,
    traceparent: Option<Parent>,
}

impl Fields<'_> {
    fn set(&mut self, field: &Field, value: Value) {
        let name = field.name();
        let text = match &value {
            Value::Str(s) => s.clone(),
            other => format!("{other:?}"),
        };
        match name {
            "otel.name" => self.record.name = text,
            "otel.kind" => {
                self.record.kind = match text.as_str() {
                    "server" => Kind::Server,
                    "client" => Kind::Client,
                    _ => Kind::Internal,
                }
            }
            "otel.status_code" if text.eq_ignore_ascii_case("error") => {
                self.record.error.get_or_insert_with(String::new);
            }
            "otel.status_code" => {}
            "traceparent" => self.traceparent = Parent::parse(&text),
            _ => {
                self.record.attributes.retain(|(k, _)| k != name);
                self.record.attributes.push((name.to_owned(), value));
            }
        }
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field, Value::Str(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field, Value::Int(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(
            field,
            i64::try_from(value).map_or(Value::Float(value as f64), Value::Int),
        );
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.set(field, Value::Float(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field, Value::Bool(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.set(field, Value::Str(format!("{value:?}")));
    }
}

/// An error event's message.
struct Message(Option<String>);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

impl<S> tracing_subscriber::Layer<S> for OtlpLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut record = SpanRecord {
            trace_id: [0; 16],
            span_id: random_id(),
            parent_id: None,
            name: attrs.metadata().name().to_owned(),
            kind: Kind::Internal,
            start: SystemTime::now(),
            end: SystemTime::now(),
            attributes: Vec::new(),
            error: None,
        };
        let mut fields = Fields {
            record: &mut record,
            traceparent: None,
        };
        attrs.record(&mut fields);
        let caller = fields.traceparent;
        let inherited = span.parent().and_then(|p| {
            p.extensions()
                .get::<Live>()
                .map(|l| (l.record.trace_id, l.record.span_id, l.sampled))
        });
        let sampled = match (inherited, caller) {
            (Some((trace, parent, sampled)), _) => {
                (record.trace_id, record.parent_id) = (trace, Some(parent));
                sampled
            }
            (None, Some(p)) => {
                (record.trace_id, record.parent_id) = (p.trace_id, Some(p.span_id));
                self.sampler.samples(p.trace_id, Some(p.sampled))
            }
            (None, None) => {
                record.trace_id = random_id();
                self.sampler.samples(record.trace_id, None)
            }
        };
        span.extensions_mut().insert(Live { record, sampled });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(live) = ext.get_mut::<Live>() {
            values.record(&mut Fields {
                record: &mut live.record,
                traceparent: None,
            });
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if *event.metadata().level() != Level::ERROR {
            return;
        }
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        let mut message = Message(None);
        event.record(&mut message);
        if let Some(live) = span.extensions_mut().get_mut::<Live>() {
            live.record.error = Some(message.0.unwrap_or_default());
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(mut live) = span.extensions_mut().remove::<Live>() else {
            return;
        };
        if live.sampled {
            live.record.end = SystemTime::now();
            self.queue.push(live.record);
        }
    }
}
