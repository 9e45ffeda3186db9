//! The access policy with production defaults: dialects off unless named, writes closed
//! unless a writer is named, forwarded addresses believed only when every entry parses,
//! IPv4 clients of a dual-stack listener matched as IPv4, `HEAD` wherever `GET` is.

use super::*;

/// picfit signed with this secret.
const SECRET: &str = "picfit-secret";

fn picfit_signed(base: &str, method: &str, query: &str) -> String {
    let message = picsum_signing::dialects::picfit_message(&picsum_url::query::Query::parse(query));
    let sig = picsum_signing::dialects::picfit_sign(SECRET.as_bytes(), &message);
    format!("{base}/{method}?{query}&sig={sig}")
}

#[tokio::test]
async fn only_the_picsum_dialect_answers_by_default() {
    let images = spawn_production(&[]).await;
    let http = client();
    let (status, ct, _) = get(&http, &signed(&images.base, "/id/1/20/20.jpg")).await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    for path in [
        "/display?path=1.jpg&op=resize&w=20",
        "/get?path=1.jpg&op=resize&w=20",
        "/image/w_20/1.jpg",
        // A trailing slash is redirected away only on a route that is served.
        "/display/?path=1.jpg&op=resize&w=20",
        "/image/w_20/1.jpg/",
    ] {
        let (status, _, body) = get(&http, &format!("{}{path}", images.base)).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(&body[..], b"page not found\n", "{path}");
    }
}

#[tokio::test]
async fn get_and_redirect_store_only_for_writers() {
    let settings = [
        ("IMAGE_DIALECTS", "picsum,picfit"),
        ("IMAGE_PICFIT_SECRET_KEY", SECRET),
    ];
    let images = spawn_production(&settings).await;
    let http = client();
    let query = "path=1.jpg&op=resize&w=30&h=30";
    let (status, ct, body) = get(&http, &picfit_signed(&images.base, "display", query)).await;
    assert_eq!((status, dimensions(&ct, &body)), (200, (30, 30)));
    for method in ["get", "redirect"] {
        let (status, _, body) = get(&http, &picfit_signed(&images.base, method, query)).await;
        assert_eq!(status, 401, "{method}");
        assert_eq!(&body[..], b"Endpoint restricted\n", "{method}");
    }
    let stored = images.state.core.storage.delete_prefix("derived").await;
    assert_eq!(stored.unwrap(), 0, "a refused get wrote a derivative");

    // A writer named by address may.
    let mut named = settings.to_vec();
    named.push(("IMAGE_ALLOWED_IPS", "127.0.0.1"));
    let images = spawn_production(&named).await;
    let (status, _, _) = get(&http, &picfit_signed(&images.base, "get", query)).await;
    assert_eq!(status, 200);
    let stored = images.state.core.storage.delete_prefix("derived").await;
    assert_eq!(stored.unwrap(), 1);
}

async fn delete(http: &reqwest::Client, url: &str, forwarded: Option<&str>) -> u16 {
    let mut req = http.delete(url);
    if let Some(list) = forwarded {
        req = req.header("x-forwarded-for", list);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn a_forwarded_list_with_a_bad_entry_is_not_believed() {
    let images = spawn_production(&[
        ("IMAGE_DELETES", "true"),
        ("IMAGE_TRUSTED_PROXIES", "127.0.0.1"),
        ("IMAGE_ALLOWED_IPS", "203.0.113.5"),
    ])
    .await;
    let http = client();
    let url = |key: &str| format!("{}/{key}", images.base);
    // Judged by the address before the bad entry, these deleted before.
    for list in [
        "203.0.113.5, unknown",
        "203.0.113.5, 198.51.100.7:4711",
        "203.0.113.5,",
    ] {
        assert_eq!(
            delete(&http, &url("quadrants.png"), Some(list)).await,
            401,
            "{list}"
        );
    }
    assert!(
        images
            .state
            .core
            .storage
            .exists("quadrants.png")
            .await
            .unwrap()
    );
    assert_eq!(
        delete(&http, &url("quadrants.png"), Some("203.0.113.5")).await,
        200
    );
    assert!(
        !images
            .state
            .core
            .storage
            .exists("quadrants.png")
            .await
            .unwrap()
    );
    // The proxy itself is not a writer.
    assert_eq!(delete(&http, &url("alpha.png"), None).await, 401);
}

#[tokio::test]
async fn ipv4_clients_of_a_dual_stack_listener_match_ipv4_entries() {
    let images = spawn_on(
        "[::]:0",
        &[
            ("IMAGE_DELETES", "true"),
            ("IMAGE_ALLOWED_IPS", "127.0.0.1"),
        ],
    )
    .await;
    let http = client();
    // The peer is ::ffff:127.0.0.1 here.
    let status = delete(&http, &format!("{}/alpha.png", images.base), None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn head_answers_wherever_get_does() {
    let images = spawn_app(&[]).await;
    let http = client();
    for url in [
        signed(&images.base, "/id/1/40/30.jpg"),
        format!("{}/display?path=quadrants.png&op=resize&w=50", images.base),
        format!("{}/image/w_20/quadrants.png", images.base),
    ] {
        let got = http.get(&url).send().await.unwrap();
        let head = http.head(&url).send().await.unwrap();
        assert_eq!(
            (got.status().as_u16(), head.status().as_u16()),
            (200, 200),
            "{url}"
        );
        for name in ["content-type", "cache-control", "etag", "last-modified"] {
            assert_eq!(
                got.headers().get(name),
                head.headers().get(name),
                "{url} {name}"
            );
        }
        assert!(head.bytes().await.unwrap().is_empty(), "{url}");
    }
}

#[tokio::test]
async fn nothing_is_relayed_or_revalidated_that_would_not_render() {
    let images = spawn_app(&[]).await;
    let http = client();
    let display = |qs: &str| format!("{}/display?{qs}", images.base);
    // `op=noop` relays the source only once it decoded in full.
    for (qs, status) in [
        ("path=2.jpg&op=noop", 422),
        ("path=5.jpg&op=noop", 422),
        ("path=quadrants.png&op=noop", 200),
    ] {
        let (got, _, _) = get(&http, &display(qs)).await;
        assert_eq!(got, status, "{qs}");
    }
    // `If-None-Match: *` is a 304 only for an answer that exists.
    for (qs, status) in [
        ("path=2.jpg&op=resize&w=10", 422),
        ("path=nope.jpg&op=resize&w=10", 404),
        ("path=2.jpg&op=noop", 422),
        ("path=quadrants.png&op=resize&w=10", 304),
        ("path=quadrants.png&op=noop", 304),
    ] {
        let res = http
            .get(display(qs))
            .header("if-none-match", "*")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{qs}");
    }
}
