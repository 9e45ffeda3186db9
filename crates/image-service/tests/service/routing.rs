//! What the router answers before any dialect renders: path-cleaning redirects that never
//! leave the origin, and `Allow` on 405s only, naming the methods the path takes.

use super::*;

#[tokio::test]
async fn cleaning_redirects_stay_on_the_origin() {
    let images = spawn_app(&[]).await;
    let http = client();
    // `/\evil.example/` would be read by browsers as `//evil.example/`: another origin.
    for (path, to) in [
        ("/%5Cevil.example//", "/%5Cevil.example/"),
        ("/%5C%5Cevil.example//", "/%5C%5Cevil.example/"),
        ("/%2F%2Fevil.example//", "/evil.example/"),
        ("/x/%2E%2E/%5Cevil.example/%2E%2E//%5C", "/%5C"),
        ("//id/1/10/10.jpg?a=%5C", "/id/1/10/10.jpg?a=%5C"),
    ] {
        let res = http
            .get(format!("{}{path}", images.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 301, "{path}");
        assert_eq!(res.headers()["location"], to, "{path}");
    }
    // A trailing slash on a route's path: its Location is encoded too.
    let url = signed(&images.base, "/id/1/20/10.jpg");
    let res = http
        .get(url.replacen(".jpg?", ".jpg/?", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
    let to = res.headers()["location"].to_str().unwrap();
    assert!(to.starts_with("/id/1/20/10.jpg?hmac="), "{to}");
}

#[tokio::test]
async fn allow_is_sent_on_405_only_with_the_methods_the_path_takes() {
    let images = spawn_app(&[]).await;
    let http = client();
    let picsum = signed(&images.base, "/id/1/20/10.jpg");
    let picfit = format!("{}/display?path=1.jpg&op=resize&w=10", images.base);
    let openapi = format!("{}/openapi.json", images.base);
    let nowhere = format!("{}/nowhere", images.base);
    for (method, url, status) in [
        ("GET", &picsum, 200),
        ("HEAD", &picsum, 200),
        ("GET", &picfit, 200),
        ("GET", &openapi, 200),
        ("GET", &nowhere, 404),
    ] {
        let res = http
            .request(method.parse().unwrap(), url)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{method} {url}");
        assert_eq!(res.headers().get("allow"), None, "{method} {url}");
    }
    let upload = format!("{}/upload", images.base);
    for (method, url, allow) in [
        ("PUT", &picsum, "GET, HEAD"),
        ("POST", &picsum, "GET, HEAD"),
        ("PATCH", &picfit, "GET, HEAD"),
        ("POST", &picfit, "GET, HEAD"),
        ("GET", &upload, "POST"),
        ("PUT", &upload, "POST"),
    ] {
        let res = http
            .request(method.parse().unwrap(), url)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405, "{method} {url}");
        assert_eq!(res.headers()["allow"], allow, "{method} {url}");
    }
}
