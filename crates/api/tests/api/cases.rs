//! Redirects, errors, precedence, CORS and path handling.

use super::*;

const NO_CACHE: &str = "private, no-cache, no-store, must-revalidate";

/// The signed image URL of `path_and_query` with the version of `image` in the catalog `s`.
fn signed_as(s: &AppState, image: &str, path_and_query: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut query = picsum_url::query::Query::parse(query);
    let catalog = s.catalog.current();
    query.push("v", catalog.get(image).unwrap().version());
    format!("{IMAGES}{}", Signer::new("test").sign_path(path, query))
}

#[tokio::test]
async fn redirects_to_signed_urls() {
    let s = state("metadata.json");
    for (uri, target) in [
        ("/id/1/200/120", "/id/1/200/120.jpg"),
        ("/id/1/200", "/id/1/200/200.jpg"),
        ("/id/1/200/200?blur", "/id/1/200/200.jpg?blur=5"),
        ("/id/1/200/200?blur=abc", "/id/1/200/200.jpg?blur=5"),
        ("/id/1/200/200?blur=10", "/id/1/200/200.jpg?blur=10"),
        (
            "/id/1/200/200?grayscale=false",
            "/id/1/200/200.jpg?grayscale",
        ),
        (
            "/id/1/200/200?grayscale&blur=5&random=3&hmac=x",
            "/id/1/200/200.jpg?blur=5&grayscale",
        ),
        ("/id/1/200/120.webp", "/id/1/200/120.webp"),
        ("/id/1/200/120.JPG", "/id/1/200/120.jpg"),
        ("/id/1/0/100", "/id/1/300/100.jpg"),
        ("/id/1/0", "/id/1/300/400.jpg"),
        ("/id/1/0200", "/id/1/200/200.jpg"),
        ("/id/1/5000/5000", "/id/1/5000/5000.jpg"),
        ("/200/120", "/id/1/200/120.jpg"),
        ("/200", "/id/1/200/200.jpg"),
        ("/0", "/id/1/300/400.jpg"),
        ("/g/200/120", "/id/1/200/120.jpg?grayscale"),
        ("/g/200?blur=2", "/id/1/200/200.jpg?blur=2&grayscale"),
        ("/200/120?image=1", "/id/1/200/120.jpg"),
        ("/200/120?image=", "/id/1/200/120.jpg"),
        (
            "/seed/anything/200/120.webp?grayscale",
            "/id/1/200/120.webp?grayscale",
        ),
    ] {
        let a = get(&s, uri).await;
        assert_eq!(a.status, StatusCode::FOUND, "{uri}: {}", a.body);
        assert_eq!(
            a.header("location"),
            Some(signed_as(&s, "1", target).as_str()),
            "{uri}"
        );
        // A named photo's or a seed's redirect is the same tomorrow: shared caches keep it.
        let cache = match uri {
            // `?image=` names the photo too (Picsum's override of a random pick).
            u if u.starts_with("/id/") || u.contains("image=1") => {
                picsum_api::handlers::ID_REDIRECT_CACHE
            }
            u if u.starts_with("/seed/") => picsum_api::handlers::SEED_REDIRECT_CACHE,
            _ => NO_CACHE,
        };
        assert_eq!(a.header("cache-control"), Some(cache), "{uri}");
        assert_eq!(a.header("content-type"), None, "{uri}");
        assert!(a.body.is_empty(), "{uri}");
    }
    // Lorem Picsum's spec vector, the version aside (its signature is checked in
    // picsum-signing): the target carries the photo's catalog version, signed.
    let a = get(&s, "/id/1/200/200?grayscale&blur").await;
    let location = a.header("location").unwrap();
    assert!(
        location
            .starts_with("https://fastly.picsum.photos/id/1/200/200.jpg?blur=5&grayscale&hmac="),
        "{location}"
    );
    let version = s.catalog.current().get("1").unwrap().version();
    assert!(location.ends_with(&format!("&v={version}")), "{location}");
}

#[tokio::test]
async fn a_catalog_change_to_a_photo_changes_its_targets_and_nothing_else() {
    let s = state("metadata_multiple.json");
    let catalog = s.catalog.current();
    let mut images = catalog.images().to_vec();
    let before = |id: &str| catalog.get(id).unwrap().version();
    let (one, two) = (before("1"), before("2"));
    // Photo 1 imported again, larger: its version moves, photo 2's does not.
    if let Some(image) = images.iter_mut().find(|i| i.id == "1") {
        image.width += 1;
    }
    let after = picsum_catalog::Catalog::from_images(images).unwrap();
    assert_ne!(after.get("1").unwrap().version(), one);
    assert_eq!(after.get("2").unwrap().version(), two);
    assert_eq!(one.len(), 12);
    assert!(one.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[tokio::test]
async fn seeds_pick_like_picsum() {
    let s = state("metadata_multiple.json");
    let a = get(&s, "/seed/1/200").await;
    assert_eq!(
        a.header("location"),
        Some(signed_as(&s, "2", "/id/2/200/200.jpg").as_str())
    );
    let a = get(&s, "/seed/0/200").await;
    assert_eq!(
        a.header("location"),
        Some(signed_as(&s, "1", "/id/1/200/200.jpg").as_str())
    );
    let a = get(&s, "/seed/1/info").await;
    assert!(a.body.starts_with("{\"id\":\"2\""), "{}", a.body);
    let a = get(&s, "/seed/hello%20world/200").await;
    assert_eq!(a.status, StatusCode::FOUND);
}

#[tokio::test]
async fn errors_and_their_precedence() {
    let s = state("metadata.json");
    for (uri, status, msg) in [
        ("/id/doesnotexist/100.png", 400, "Invalid file extension"),
        ("/id/doesnotexist/6000", 404, "Image does not exist"),
        ("/id/doesnotexist/100?blur=11", 404, "Image does not exist"),
        ("/id/1/6000", 400, "Invalid size"),
        ("/id/1/5001/10", 400, "Invalid size"),
        ("/id/1/99999999999999999999", 400, "Invalid size"),
        ("/id/1/100?blur=11", 400, "Invalid blur amount"),
        ("/id/1/100?blur=0", 400, "Invalid blur amount"),
        ("/id/1/100?blur=-1", 400, "Invalid blur amount"),
        ("/id/1/100.", 400, "Invalid file extension"),
        ("/id/1/100.jpg.x", 400, "Invalid file extension"),
        ("/id/1/100.jpeg", 400, "Invalid file extension"),
        ("/200.x/300", 400, "Invalid file extension"),
        ("/seed/abc", 404, "page not found"),
        ("/id/1", 404, "page not found"),
        ("/200/300/400", 404, "page not found"),
        ("/index.html", 404, "page not found"),
        ("/images.html", 404, "page not found"),
        ("/200/120?image=doesnotexist", 404, "Image does not exist"),
        ("/g/200?image=nope", 404, "Image does not exist"),
        ("/id/nope/info", 404, "Image does not exist"),
    ] {
        let a = get(&s, uri).await;
        assert_eq!(
            (a.status.as_u16(), a.body.as_str()),
            (status, format!("{msg}\n").as_str()),
            "{uri}"
        );
        assert_eq!(
            a.header("content-type"),
            Some("text/plain; charset=utf-8"),
            "{uri}"
        );
        assert_eq!(a.header("x-content-type-options"), Some("nosniff"), "{uri}");
        assert_eq!(a.header("cache-control"), Some(NO_CACHE), "{uri}");
    }
}

#[tokio::test]
async fn json_errors_only_for_exact_accept() {
    let s = state("metadata.json");
    let a = call(&s, "GET", "/id/1/6000", &[("accept", "application/json")]).await;
    assert_eq!(
        (a.status.as_u16(), a.body.as_str()),
        (400, "{\"error\":\"Invalid size\"}\n")
    );
    assert_eq!(a.header("content-type"), Some("application/json"));
    let a = call(
        &s,
        "GET",
        "/nothing/here",
        &[("accept", "application/json")],
    )
    .await;
    assert_eq!(a.body, "{\"error\":\"page not found\"}\n");
    let a = call(
        &s,
        "GET",
        "/id/1/6000",
        &[("accept", "application/json, */*")],
    )
    .await;
    assert_eq!(a.body, "Invalid size\n");
    // Deprecated ?image= on random routes: always text. On /g/: JSON-capable.
    let a = call(
        &s,
        "GET",
        "/200?image=nope",
        &[("accept", "application/json")],
    )
    .await;
    assert_eq!(a.body, "Image does not exist\n");
    let a = call(
        &s,
        "GET",
        "/g/200?image=nope",
        &[("accept", "application/json")],
    )
    .await;
    assert_eq!(a.body, "{\"error\":\"Image does not exist\"}\n");
}

#[tokio::test]
async fn slashes_methods_and_paths() {
    let s = state("metadata.json");
    let a = get(&s, "/200/300/?blur").await;
    assert_eq!(a.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(a.header("location"), Some("/200/300?blur"));
    assert_eq!(a.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(
        a.body,
        "<a href=\"/200/300?blur\">Moved Permanently</a>.\n\n"
    );
    let a = get(&s, "/images/").await;
    assert_eq!(a.header("location"), Some("/images"));
    let a = get(&s, "/id/1/200.jpg/").await;
    assert_eq!(a.status, StatusCode::MOVED_PERMANENTLY);
    // The redirect's path is the cleaned path encoded again: never `/\evil.example/`,
    // which browsers read as `//evil.example/`, another origin.
    for (uri, to) in [
        ("//200", "/200"),
        ("/a/../200?x=1", "/200?x=1"),
        ("/%5Cevil.example//", "/%5Cevil.example/"),
        ("/%5C%5Cevil.example/./", "/%5C%5Cevil.example/"),
        ("/%2F%2Fevil.example//", "/evil.example/"),
        ("/%09/evil.example//", "/%09/evil.example/"),
    ] {
        let a = get(&s, uri).await;
        assert_eq!(
            (a.status, a.header("location")),
            (StatusCode::MOVED_PERMANENTLY, Some(to)),
            "{uri}"
        );
        assert!(a.body.is_empty());
    }
    for (method, uri) in [
        ("HEAD", "/200"),
        ("POST", "/v2/list"),
        ("DELETE", "/id/1/info"),
    ] {
        let a = call(&s, method, uri, &[]).await;
        assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
        assert!(a.body.is_empty() && a.header("cache-control").is_none());
        assert_eq!(a.header("allow"), Some("GET"), "{method} {uri}");
    }
    for uri in [
        "/id/1/200",
        "/id/1/info",
        "/v2/list",
        "/robots.txt",
        "/nope",
    ] {
        let a = get(&s, uri).await;
        assert_eq!(a.header("allow"), None, "{uri}: Allow only on a 405");
    }
    let a = call(&s, "POST", "/robots.txt", &[]).await;
    assert_eq!(a.status, StatusCode::OK, "static files take any method");
}

#[tokio::test]
async fn cors() {
    let s = state("metadata.json");
    let a = get(&s, "/id/1/info").await;
    assert_eq!(a.header("vary"), Some("Origin"));
    assert_eq!(a.header("access-control-allow-origin"), None);
    // COEP `require-corp` pages may embed what the API answers, redirects included.
    for uri in ["/id/1/info", "/id/1/200/300", "/200/300?lqip", "/nope"] {
        let a = get(&s, uri).await;
        assert_eq!(
            a.header("cross-origin-resource-policy"),
            Some("cross-origin"),
            "{uri}"
        );
    }
    let a = call(
        &s,
        "GET",
        "/id/1/info",
        &[("origin", "https://example.com")],
    )
    .await;
    assert_eq!(a.header("access-control-allow-origin"), Some("*"));
    let a = call(&s, "GET", "/nope", &[("origin", "https://example.com")]).await;
    assert_eq!(
        (a.status.as_u16(), a.header("access-control-allow-origin")),
        (404, Some("*"))
    );

    let pre = [
        ("origin", "https://example.com"),
        ("access-control-request-method", "GET"),
        ("access-control-request-headers", "Accept, X-Requested-With"),
    ];
    let a = call(&s, "OPTIONS", "/id/284/info", &pre).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert_eq!(
        a.header("vary"),
        Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
    );
    assert_eq!(a.header("access-control-allow-origin"), Some("*"));
    assert_eq!(a.header("access-control-allow-methods"), Some("GET"));
    assert_eq!(
        a.header("access-control-allow-headers"),
        Some("Accept, X-Requested-With")
    );
    assert_eq!(a.header("access-control-max-age"), None);
    let a = call(
        &s,
        "OPTIONS",
        "/id/284/info",
        &[
            ("origin", "https://e.com"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "Authorization"),
        ],
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.header("access-control-allow-origin")),
        (204, None)
    );
    let a = call(
        &s,
        "OPTIONS",
        "/x",
        &[
            ("origin", "https://e.com"),
            ("access-control-request-method", "POST"),
        ],
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.header("access-control-allow-origin")),
        (204, None)
    );
}

#[tokio::test]
async fn web_site() {
    let s = state("metadata.json");
    for (uri, ct) in [
        ("/", "text/html; charset=utf-8"),
        ("/images", "text/html; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/llms.txt", "text/plain; charset=utf-8"),
        ("/favicon.ico", "image/x-icon"),
        ("/assets/style.css", "text/css; charset=utf-8"),
    ] {
        let a = call(&s, "GET", uri, &[]).await;
        assert_eq!(
            (a.status, a.header("content-type")),
            (StatusCode::OK, Some(ct)),
            "{uri}"
        );
        assert_eq!(
            a.header("cache-control"),
            Some("public, max-age=7200, stale-while-revalidate=60, stale-if-error=43200")
        );
    }
    assert!(
        get(&s, "/")
            .await
            .body
            .contains("https://picsum.photos/seed/picsum/200/300")
    );
    assert!(
        get(&s, "/robots.txt")
            .await
            .body
            .contains("Allow: /id/237/250")
    );
}

#[tokio::test]
async fn the_api_reference_bundle_is_gzipped_for_clients_that_take_it() {
    let s = state("metadata_multiple.json");
    let uri = "/assets/vendor/redoc.standalone.js";
    let plain = call(&s, "GET", uri, &[]).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("accept-encoding"));
    assert!(plain.body.len() > 1_000_000, "{} bytes", plain.body.len());
    for accept in ["gzip, deflate, br, zstd", "br;q=1, GZIP;q=0.5"] {
        let gzipped = call(&s, "GET", uri, &[("accept-encoding", accept)]).await;
        assert_eq!(gzipped.header("content-encoding"), Some("gzip"), "{accept}");
        assert_eq!(gzipped.header("vary"), Some("accept-encoding"));
        assert!(!gzipped.body.starts_with(&plain.body[..64]), "{accept}");
    }
    let refused = call(&s, "GET", uri, &[("accept-encoding", "gzip;q=0, br")]).await;
    assert_eq!(refused.header("content-encoding"), None);
    assert_eq!(refused.body, plain.body);
    // Small files are sent as they are.
    let css = call(
        &s,
        "GET",
        "/assets/style.css",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(css.header("content-encoding"), None);
    let vary = css.headers.get_all("vary").iter();
    assert!(
        !vary
            .map(|v| v.to_str().unwrap())
            .any(|v| v.contains("accept-encoding"))
    );
}
