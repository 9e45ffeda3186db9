//! OpenTelemetry traces from both binaries, received over OTLP/HTTP: a request's server
//! span continues the caller's `traceparent`, and the image service's work nests under
//! it (queue wait, source fetch, render, encode), every span of one trace.

use std::time::Duration;

use picsum_testkit::OtlpReceiver;
use serde_json::Value;

use super::*;

const API_CALLER: &str = "00-11111111111111111111111111111111-2222222222222222-01";
const IMAGE_CALLER: &str = "00-33333333333333333333333333333333-4444444444444444-01";

fn named<'a>(spans: &'a [Value], service: &str, name: &str) -> Option<&'a Value> {
    spans
        .iter()
        .find(|s| s["service"] == service && s["name"] == name)
}

fn attribute<'a>(span: &'a Value, key: &str) -> &'a Value {
    let attrs = span["attributes"].as_array().unwrap();
    &attrs.iter().find(|a| a["key"] == key).unwrap()["value"]
}

#[tokio::test]
async fn a_request_is_one_trace_from_the_redirect_to_the_encoder() {
    let receiver = OtlpReceiver::start();
    let otel = |service: &str| {
        vec![
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.base().to_owned()),
            ("OTEL_SERVICE_NAME", service.to_owned()),
            ("OTEL_BSP_SCHEDULE_DELAY", "50".to_owned()),
        ]
    };
    let gallery = Gallery::new("traces");
    let images = gallery.image_service_with(1, 8, otel("images"));
    let api = gallery.api_with(&images, otel("api"));
    let http = client();
    let res = http
        .get(format!("{}/id/1/200/120", api.base))
        .header("traceparent", API_CALLER)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    // The redirect cannot carry headers; a proxy in front of the image service may.
    let res = http
        .get(&location)
        .header("traceparent", IMAGE_CALLER)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(
        dimensions(&content_type, &res.bytes().await.unwrap()),
        (200, 120)
    );
    // No traceparent: a trace of its own.
    assert_eq!(get(&http, &format!("{}/nope", api.base)).await.0, 404);

    let spans = receiver.wait_for(Duration::from_secs(20), |s| {
        ["queue", "render", "encode", "source.fetch"]
            .iter()
            .all(|n| named(s, "images", n).is_some())
            && s.iter().filter(|s| s["service"] == "api").count() >= 2
            && s.iter().any(|s| s["service"] == "images" && s["kind"] == 2)
    });

    let api_spans: Vec<_> = spans.iter().filter(|s| s["service"] == "api").collect();
    let redirect = api_spans
        .iter()
        .find(|s| s["traceId"] == "11111111111111111111111111111111")
        .unwrap();
    assert_eq!(redirect["parentSpanId"], "2222222222222222");
    assert_eq!(redirect["kind"], 2);
    assert_eq!(
        attribute(redirect, "http.response.status_code")["intValue"],
        "302"
    );
    assert_eq!(
        attribute(redirect, "url.path")["stringValue"],
        "/id/1/200/120"
    );
    let lost = api_spans
        .iter()
        .find(|s| s["traceId"] != redirect["traceId"])
        .unwrap();
    assert_eq!(
        attribute(lost, "http.response.status_code")["intValue"],
        "404"
    );
    assert!(lost.get("parentSpanId").is_none());

    let request = spans
        .iter()
        .find(|s| s["service"] == "images" && s["kind"] == 2)
        .unwrap();
    assert_eq!(request["traceId"], "33333333333333333333333333333333");
    assert_eq!(request["parentSpanId"], "4444444444444444");
    assert_eq!(
        attribute(request, "http.response.status_code")["intValue"],
        "200"
    );
    let child_of = |name: &str, parent: &Value| {
        let span = named(&spans, "images", name).unwrap();
        assert_eq!(span["traceId"], request["traceId"], "{name}");
        assert_eq!(span["parentSpanId"], parent["spanId"], "{name}");
        span.clone()
    };
    child_of("queue", request);
    child_of("source.fetch", request);
    let render = child_of("render", request);
    let encode = child_of("encode", &render);
    assert_eq!(attribute(&encode, "format")["stringValue"], "jpg");
    let nanos = |s: &Value, k: &str| s[k].as_str().unwrap().parse::<u128>().unwrap();
    for span in [&render, &encode] {
        assert!(nanos(span, "startTimeUnixNano") >= nanos(request, "startTimeUnixNano"));
        assert!(nanos(span, "endTimeUnixNano") <= nanos(request, "endTimeUnixNano"));
    }
}
