//! `/openapi.json` against the router: every route is documented; every documented
//! operation, called with its parameters' examples (as text and as JSON), answers with a
//! documented status and, for JSON, a body that fits the documented schema and has the
//! fields of the documented example; every JSON answer has an example that fits its
//! schema.

use std::collections::BTreeSet;

use picsum_api::routes::Route;
use picsum_testkit::openapi::{example, example_problems, resolve, violations};
use picsum_web::routing::RouteTable;
use serde_json::Value;

use crate::{call, get, state};

/// Every route name of the API (`RouteTable::name`).
const ROUTE_NAMES: [&str; 11] = [
    "api.randomImageRedirect",
    "api.deprecatedImage",
    "api.imageRedirect",
    "api.seedImageRedirect",
    "api.info",
    "api.infoSeed",
    "api.meta",
    "api.list",
    "api.deprecatedList",
    "api.pick",
    "api.serveFile",
];

/// The operation's URL with path examples; `all`: every query parameter too, else only the
/// required ones.
fn url(doc: &Value, path: &str, op: &Value, all: bool) -> String {
    let mut url = path.to_owned();
    let mut query = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        let p = resolve(doc, p);
        let name = p["name"].as_str().unwrap();
        match p["in"].as_str().unwrap() {
            "path" => url = url.replace(&format!("{{{name}}}"), &example(p)),
            _ if all || p["required"] == true => query.push(format!("{name}={}", example(p))),
            _ => {}
        }
    }
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    url
}

/// The field names of a JSON answer: an object's, or its first item's.
fn fields(v: &Value) -> BTreeSet<String> {
    let object = if v.is_array() { &v[0] } else { v };
    object
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_route_is_documented_and_answers_as_documented() {
    let s = state("metadata_multiple.json");
    let served = get(&s, "/openapi.json").await;
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), Some("application/json"));
    let doc: Value = serde_json::from_str(&served.body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut names = BTreeSet::new();
    let paths = doc["paths"].as_object().unwrap();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            for (all, accept) in [(false, "*/*"), (true, "*/*"), (true, "application/json")] {
                let uri = url(&doc, path, op, all);
                let parsed = Route::parse(uri.split('?').next().unwrap());
                names.insert(parsed.map_or("none", |r| r.name()));
                let a = call(&s, &method.to_uppercase(), &uri, &[("accept", accept)]).await;
                let code = a.status.as_u16().to_string();
                let documented = resolve(&doc, &op["responses"][&code]);
                assert!(documented.is_object(), "{uri}: {code} is not documented");
                let json = a.header("content-type") == Some("application/json");
                if let (Some(media), true) = (documented["content"].get("application/json"), json) {
                    let body: Value = serde_json::from_str(&a.body).unwrap();
                    let wrong = violations(&doc, &media["schema"], &body);
                    assert!(wrong.is_empty(), "{uri} ({code}): {wrong:?}");
                    if all && !path.ends_with("openapi.json") {
                        let example = fields(&media["example"]);
                        assert_eq!(fields(&body), example, "{uri}: the example's fields");
                    }
                }
            }
        }
    }
    let all: BTreeSet<&str> = ROUTE_NAMES.into_iter().collect();
    assert_eq!(names, all, "documented paths cover exactly the routes");
    for file in picsum_api::web::paths() {
        assert!(paths.contains_key(file), "{file} is not documented");
    }
}

#[test]
fn every_json_answer_has_an_example_that_fits_its_schema() {
    let doc: Value = serde_json::from_str(include_str!("../../../../web/openapi.json")).unwrap();
    let (answers, problems) = example_problems(&doc);
    assert!(answers >= 10, "{answers} JSON answers");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
