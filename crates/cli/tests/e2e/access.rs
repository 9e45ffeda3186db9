//! Client addresses, the write allowlist and the per-client rate limit, over real
//! connections: `X-Forwarded-For` counts only from trusted proxies.

use reqwest::multipart::{Form, Part};

use super::*;

/// Sends `n` GETs with an optional `X-Forwarded-For`; the statuses, retried once if the
/// one-minute window rolled over in the middle.
async fn burst(http: &reqwest::Client, url: &str, forwarded: Option<&str>, n: usize) -> Vec<u16> {
    for _ in 0..2 {
        let mut statuses = Vec::new();
        let mut resets = std::collections::HashSet::new();
        for _ in 0..n {
            let mut req = http.get(url);
            if let Some(f) = forwarded {
                req = req.header("x-forwarded-for", f);
            }
            let res = req.send().await.unwrap();
            resets.insert(
                res.headers()["x-ratelimit-reset"]
                    .to_str()
                    .unwrap()
                    .to_owned(),
            );
            statuses.push(res.status().as_u16());
        }
        if resets.len() == 1 {
            return statuses;
        }
    }
    panic!("the rate-limit window rolled over twice");
}

#[tokio::test]
async fn rate_limit_per_client() {
    let gallery = gallery("access-rate");
    let http = client();
    let direct =
        gallery.image_service_with(1, 4, vec![("IMAGE_RATE_LIMIT_PER_MINUTE", "3".into())]);
    let url = format!("{}/display?path=quadrants.png&op=noop", direct.base);
    // A spoofed X-Forwarded-For from an untrusted peer is the same client.
    let mut statuses = burst(&http, &url, None, 3).await;
    statuses.extend(burst(&http, &url, Some("9.9.9.9"), 1).await);
    if statuses[..3] == [200, 200, 200] {
        assert_eq!(statuses[3], 429);
    }
    let res = http.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["x-ratelimit-limit"], "3");
    assert_eq!(res.headers()["x-ratelimit-remaining"], "0");
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(res.text().await.unwrap(), "limit exceeded\n");

    // Behind a trusted proxy, each forwarded client has its own budget.
    let proxied = gallery.image_service_with(
        1,
        4,
        vec![
            ("IMAGE_RATE_LIMIT_PER_MINUTE", "2".into()),
            ("IMAGE_TRUSTED_PROXIES", "127.0.0.1/32".into()),
        ],
    );
    let url = format!("{}/display?path=quadrants.png&op=noop", proxied.base);
    assert_eq!(
        burst(&http, &url, Some("1.1.1.1"), 3).await,
        [200, 200, 429]
    );
    assert_eq!(burst(&http, &url, Some("2.2.2.2"), 1).await, [200]);
}

#[tokio::test]
async fn writes_only_from_allowed_addresses() {
    let gallery = gallery("access-writes");
    let http = client();
    let jpeg = std::fs::read(fixture("file/1_500.jpg")).unwrap();
    let base_env = || {
        vec![
            ("IMAGE_UPLOADS", "true".to_owned()),
            ("IMAGE_DELETES", "true".to_owned()),
            ("IMAGE_ALLOWED_IPS", "10.9.9.0/24".to_owned()),
        ]
    };
    let upload = |base: String, name: &'static str, forwarded: Option<&'static str>| {
        let form = Form::new().part("data", Part::bytes(jpeg.clone()).file_name(name));
        let mut req = http.post(format!("{base}/upload")).multipart(form);
        if let Some(f) = forwarded {
            req = req.header("x-forwarded-for", f);
        }
        req.send()
    };
    let closed = gallery.image_service_with(1, 4, base_env());
    for forwarded in [None, Some("10.9.9.9")] {
        let res = upload(closed.base.clone(), "a.jpg", forwarded)
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{forwarded:?}");
        assert_eq!(res.text().await.unwrap(), "Endpoint restricted\n");
    }
    let res = http
        .delete(format!("{}/1.jpg", closed.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(gallery.dir.join("photos/1.jpg").exists());
    assert!(!gallery.dir.join("photos/uploads/a.jpg").exists());
    // Other POSTs are routed as usual, not restricted.
    let res = http
        .post(format!("{}/id/1/10/10.jpg", closed.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);

    let mut env = base_env();
    env.push(("IMAGE_TRUSTED_PROXIES", "127.0.0.1".to_owned()));
    let proxied = gallery.image_service_with(1, 4, env);
    let res = upload(proxied.base.clone(), "a.jpg", Some("10.9.9.9"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(gallery.dir.join("photos/uploads/a.jpg").exists());
    let res = upload(proxied.base.clone(), "b.jpg", Some("10.9.8.1"))
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn status_endpoints() {
    let gallery = gallery("access-status");
    let http = client();
    let images = gallery.image_service_with(
        1,
        4,
        vec![
            ("IMAGE_STATS", "true".into()),
            ("IMAGE_HEALTH", "true".into()),
        ],
    );
    let health: serde_json::Value =
        serde_json::from_str(&get_text(&http, &format!("{}/healthcheck", images.base)).await)
            .unwrap();
    assert_eq!(health["status"], "Ok");
    for _ in 0..3 {
        http.get(format!(
            "{}/display?path=quadrants.png&op=noop",
            images.base
        ))
        .send()
        .await
        .unwrap();
    }
    http.get(format!("{}/display?path=nope.png&op=noop", images.base))
        .send()
        .await
        .unwrap();
    let stats: serde_json::Value =
        serde_json::from_str(&get_text(&http, &format!("{}/sys/stats", images.base)).await)
            .unwrap();
    assert!(
        stats["total_status_code_count"]["200"].as_u64().unwrap() >= 4,
        "{stats}"
    );
    assert_eq!(stats["total_status_code_count"]["404"], 1, "{stats}");
    assert!(stats["total_count"].as_u64().unwrap() >= 5);
    let sys: serde_json::Value =
        serde_json::from_str(&get_text(&http, &format!("{}/sys/health", images.base)).await)
            .unwrap();
    assert_eq!(sys["render_workers"], 1);
    assert!(sys["memory_rss"].as_u64().unwrap() > 1 << 20, "{sys}");

    // Off by default; restricted to the allowlist when it is set.
    let plain = gallery.image_service(1, 4);
    for path in ["/sys/stats", "/sys/health"] {
        let res = http
            .get(format!("{}{path}", plain.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
    let restricted = gallery.image_service_with(
        1,
        4,
        vec![
            ("IMAGE_HEALTH", "true".into()),
            ("IMAGE_ALLOWED_IPS", "10.0.0.0/8".into()),
        ],
    );
    let res = http
        .get(format!("{}/sys/health", restricted.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}
