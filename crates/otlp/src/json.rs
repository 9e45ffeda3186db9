//! Finished spans as an OTLP/HTTP JSON `ExportTraceServiceRequest`: ids in hex, times and
//! whole numbers as decimal strings, one resource and one instrumentation scope.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value as Json, json};

use crate::sampler::hex;
use crate::span::{SpanRecord, Value};

fn nanos(t: SystemTime) -> String {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
        .to_string()
}

fn any_value(v: &Value) -> Json {
    match v {
        Value::Str(s) => json!({ "stringValue": s }),
        Value::Int(i) => json!({ "intValue": i.to_string() }),
        Value::Float(f) => json!({ "doubleValue": f }),
        Value::Bool(b) => json!({ "boolValue": b }),
    }
}

fn attributes<'a>(pairs: impl Iterator<Item = (&'a str, Json)>) -> Json {
    pairs
        .map(|(k, v)| json!({ "key": k, "value": v }))
        .collect()
}

fn span(s: &SpanRecord) -> Json {
    let mut out = json!({
        "traceId": hex(&s.trace_id),
        "spanId": hex(&s.span_id),
        "name": s.name,
        "kind": s.kind as u8,
        "startTimeUnixNano": nanos(s.start),
        "endTimeUnixNano": nanos(s.end),
        "attributes": attributes(s.attributes.iter().map(|(k, v)| (k.as_str(), any_value(v)))),
        // STATUS_CODE_ERROR is 2; an unset status (0) is what a span that did not fail has.
        "status": s.error.as_ref().map_or_else(|| json!({}), |m| json!({ "code": 2, "message": m })),
    });
    if let (Some(parent), Some(obj)) = (s.parent_id, out.as_object_mut()) {
        obj.insert("parentSpanId".into(), Json::String(hex(&parent)));
    }
    out
}

/// The request body exporting `spans` for the resource `resource`.
#[must_use]
pub fn export_request(resource: &[(String, String)], spans: &[SpanRecord]) -> Vec<u8> {
    let resource = attributes(
        resource
            .iter()
            .map(|(k, v)| (k.as_str(), json!({ "stringValue": v }))),
    );
    let body = json!({
        "resourceSpans": [{
            "resource": { "attributes": resource },
            "scopeSpans": [{
                "scope": { "name": "picsum", "version": env!("CARGO_PKG_VERSION") },
                "spans": spans.iter().map(span).collect::<Vec<_>>(),
            }],
        }],
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::span::Kind;

    #[test]
    fn spans_encode_as_the_json_mapping_says() {
        let start = UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789);
        let record = SpanRecord {
            trace_id: [0xab; 16],
            span_id: [1, 2, 3, 4, 5, 6, 7, 8],
            parent_id: Some([9; 8]),
            name: "GET /id/{id}/{w}/{h}".into(),
            kind: Kind::Server,
            start,
            end: start + Duration::from_millis(2),
            attributes: vec![
                ("http.response.status_code".into(), Value::Int(302)),
                ("url.path".into(), Value::Str("/id/1/200/300".into())),
                ("cached".into(), Value::Bool(true)),
            ],
            error: Some("boom".into()),
        };
        let body = export_request(&[("service.name".into(), "picsum-api".into())], &[record]);
        let v: Json = serde_json::from_slice(&body).unwrap();
        let rs = &v["resourceSpans"][0];
        assert_eq!(
            rs["resource"]["attributes"][0]["value"]["stringValue"],
            "picsum-api"
        );
        let s = &rs["scopeSpans"][0]["spans"][0];
        assert_eq!(s["traceId"], "ab".repeat(16));
        assert_eq!(s["spanId"], "0102030405060708");
        assert_eq!(s["parentSpanId"], "0909090909090909");
        assert_eq!(s["kind"], 2);
        assert_eq!(s["startTimeUnixNano"], "1700000000123456789");
        assert_eq!(s["endTimeUnixNano"], "1700000000125456789");
        assert_eq!(s["attributes"][0]["value"]["intValue"], "302");
        assert_eq!(s["attributes"][2]["value"]["boolValue"], true);
        assert_eq!(s["status"]["code"], 2);
    }
}
