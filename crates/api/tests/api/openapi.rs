//! `/openapi.json` against the router: every route is documented, and every documented
//! operation, called with its parameters' examples, answers with a documented status and,
//! for JSON, the documented top-level type.

use std::collections::BTreeSet;

use picsum_api::routes::Route;
use picsum_testkit::openapi::{example, resolve};
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
            for all in [false, true] {
                let uri = url(&doc, path, op, all);
                let parsed = Route::parse(uri.split('?').next().unwrap());
                names.insert(parsed.map_or("none", |r| r.name()));
                let a = call(&s, &method.to_uppercase(), &uri, &[]).await;
                let code = a.status.as_u16().to_string();
                let documented = resolve(&doc, &op["responses"][&code]);
                assert!(documented.is_object(), "{uri}: {code} is not documented");
                let json = a.header("content-type") == Some("application/json");
                if let (Some(content), true) =
                    (documented["content"]["application/json"].as_object(), json)
                {
                    let body: Value = serde_json::from_str(&a.body).unwrap();
                    let schema = resolve(&doc, &content["schema"]);
                    let want = schema["type"].as_str().unwrap_or("object");
                    let got = if body.is_array() { "array" } else { "object" };
                    assert_eq!(got, want, "{uri}");
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
