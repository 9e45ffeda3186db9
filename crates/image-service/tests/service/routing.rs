//! What the router answers before any dialect renders: path-cleaning redirects that never
//! leave the origin.

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
