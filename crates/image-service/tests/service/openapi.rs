//! `/openapi.json` against the router: every documented operation, called with its
//! parameters' examples (Picsum's signed with the test key), answers with a documented
//! status; every dialect route and fixed route is documented.

use std::collections::BTreeSet;

use picsum_image_service::dispatch::Route;
use picsum_testkit::openapi::{example, resolve};
use picsum_web::routing::RouteTable;
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

#[tokio::test]
async fn every_route_is_documented_and_answers_as_documented() {
    let images = spawn_app(&[]).await;
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
            let req = match method.as_str() {
                "get" => http.get(&full),
                "post" => http.post(&full).body("not a form"),
                "delete" => http.delete(&full),
                other => panic!("undocumented method {other}"),
            };
            let code = req.send().await.unwrap().status().as_u16().to_string();
            let documented = resolve(&doc, &op["responses"][&code]);
            assert!(
                documented.is_object(),
                "{method} {full}: {code} is not documented"
            );
        }
    }
    let want: BTreeSet<&str> = [
        "imageapi.image",
        "picfit.display",
        "picfit.get",
        "picfit.redirect",
        "pixlserv.image",
    ]
    .into();
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
