//! `/openapi.json` against the router: every documented operation, called with its
//! parameters' examples (Picsum's signed with the test key; uploads with a real image),
//! answers with a documented status and, for JSON, a body that fits the documented schema;
//! every dialect route and fixed route is documented; every JSON answer has an example
//! that fits its schema.

use std::collections::BTreeSet;

use picsum_image_service::dispatch::Route;
use picsum_testkit::openapi::{example, example_problems, merge, resolve, violations};
use picsum_web::routing::RouteTable;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use super::*;

/// Path with examples and the query of its examples (`hmac` left to the signer).
fn request(doc: &Value, path: &str, op: &Value) -> (String, String) {
    let mut url = path.to_owned();
    let mut query = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        let p = resolve(doc, p);
        let name = p["name"].as_str().unwrap();
        match p["in"].as_str().unwrap() {
            "path" => url = url.replace(&format!("{{{name}}}"), &example(p)),
            _ if name == "hmac" || name == "url" || name == "sig" => {}
            _ => query.push(format!("{name}={}", example(p))),
        }
    }
    (url, query.join("&"))
}

/// An upload form with a real image in `field`, under a new name each time.
fn form(field: &str, n: usize) -> Form {
    let mark = std::fs::read(fixture("transform/mark.png")).unwrap();
    Form::new().part(
        field.to_owned(),
        Part::bytes(mark).file_name(format!("openapi-{n}.png")),
    )
}

#[tokio::test]
async fn every_route_is_documented_and_answers_as_documented() {
    let images = spawn_app(&[
        ("IMAGE_UPLOADS", "true"),
        ("IMAGE_STATS", "true"),
        ("IMAGE_HEALTH", "true"),
    ])
    .await;
    let http = client();
    let res = http
        .get(format!("{}/openapi.json", images.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let doc: Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut names = BTreeSet::new();
    let mut checked = 0;
    let mut bodies = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let (url, query) = request(&doc, path, op);
            if let Some(route) = Route::parse(&url) {
                names.insert(route.name());
            }
            let full = if url.starts_with("/id/") {
                signed(&images.base, &format!("{url}?{query}"))
            } else {
                format!("{}{url}?{query}", images.base)
            };
            for accept in ["*/*", "application/json"] {
                checked += 1;
                let req = match method.as_str() {
                    "get" => http.get(&full),
                    "post" if path.starts_with("/{key}") => {
                        http.post(&full).multipart(form("image", checked))
                    }
                    "post" => http.post(&full).multipart(form("data", checked)),
                    "delete" => http.delete(&full),
                    other => panic!("undocumented method {other}"),
                };
                let res = req.header("accept", accept).send().await.unwrap();
                let code = res.status().as_u16().to_string();
                let json = res
                    .headers()
                    .get("content-type")
                    .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
                let body = res.bytes().await.unwrap();
                let documented = resolve(&doc, &op["responses"][&code]);
                assert!(
                    documented.is_object(),
                    "{method} {full}: {code} is not documented"
                );
                if json {
                    let media = &documented["content"]["application/json"];
                    assert!(
                        media.is_object(),
                        "{method} {full}: {code} is not documented as JSON"
                    );
                    let body: Value = serde_json::from_slice(&body).unwrap();
                    let wrong = violations(&doc, &media["schema"], &body);
                    assert!(wrong.is_empty(), "{method} {full} ({code}): {wrong:?}");
                    bodies.insert(format!("{method} {path} {code}"));
                }
            }
        }
    }
    // The JSON answers the examples' requests give, each checked against its schema.
    for answer in [
        "get /get 200",
        "post /upload 200",
        "get /healthcheck 200",
        "get /sys/stats 200",
        "get /sys/health 200",
        "get /redirect 409",
    ] {
        assert!(
            bodies.contains(answer),
            "{answer} was not checked: {bodies:?}"
        );
    }
    let want: BTreeSet<&str> = picsum_image_service::dialects::route_names()
        .into_iter()
        .collect();
    assert_eq!(names, want, "every dialect route is documented");
    let paths = doc["paths"].as_object().unwrap();
    for fixed in [
        "/upload",
        "/healthcheck",
        "/sys/stats",
        "/sys/health",
        "/{path}",
    ] {
        assert!(paths.contains_key(fixed), "{fixed} is not documented");
    }
}

#[test]
fn every_json_answer_has_an_example_that_fits_its_schema() {
    let doc: Value = serde_json::from_str(include_str!("../../openapi.json")).unwrap();
    let (answers, problems) = example_problems(&doc);
    assert!(answers >= 15, "{answers} JSON answers");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The document is `openapi.base.json` with every dialect's part; with
/// `PICSUM_WRITE_OPENAPI=1` this test writes it instead of checking it.
#[test]
fn the_document_is_the_base_with_every_dialects_part() {
    // The dialects' parts first, so that their tags come before the service's own.
    let base = include_str!("../../openapi.base.json");
    let parts = picsum_image_service::dialects::OPENAPI_PARTS.iter();
    let mut doc = Value::Object(serde_json::Map::new());
    for part in parts.chain([&base]) {
        merge(&mut doc, &serde_json::from_str(part).unwrap(), "").unwrap();
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if std::env::var_os("PICSUM_WRITE_OPENAPI").is_some() {
        let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
    }
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        written == doc,
        "openapi.json is not openapi.base.json with the dialects' parts: \
         run this test with PICSUM_WRITE_OPENAPI=1"
    );
}
