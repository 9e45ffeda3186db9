//! Bad input gets a clear 4xx; overload gets 503 with Retry-After; SIGTERM drains.

use super::*;

#[tokio::test]
async fn image_service_refuses_bad_requests() {
    let gallery = Gallery::new("refuse");
    let images = gallery.image_service(2, 16);
    let http = client();
    let base = &images.base;
    let good = signed(base, "/id/1/200/120.jpg");
    let cases: Vec<(String, u16, &str)> = vec![
        (
            format!("{base}/id/1/200/120.jpg"),
            400,
            "Invalid parameters\n",
        ),
        (
            format!("{base}/id/1/200/120.jpg?hmac=AAAA"),
            400,
            "Invalid parameters\n",
        ),
        (format!("{good}&blur=5"), 400, "Invalid parameters\n"),
        (
            good.replace("/200/120", "/200/121"),
            400,
            "Invalid parameters\n",
        ),
        (format!("{base}/id/1/200/120"), 404, "page not found\n"),
        (
            signed(base, "/id/1/200/120.png"),
            400,
            "Invalid file extension\n",
        ),
        (signed(base, "/id/1/6000/120.jpg"), 400, "Invalid size\n"),
        (signed(base, "/id/1/0/120.jpg"), 400, "Invalid size\n"),
        (
            signed(base, "/id/1/99999999999999999999/120.jpg"),
            400,
            "Invalid size\n",
        ),
        (
            signed(base, "/id/1/10/10.jpg?blur=50"),
            400,
            "Invalid blur amount\n",
        ),
        (
            signed(base, "/id/4/10/10.jpg"),
            404,
            "Image does not exist\n",
        ),
        (
            signed(base, "/id/2/100/100.jpg"),
            422,
            "Image cannot be processed\n",
        ),
        (
            signed(base, "/id/3/100/100.jpg"),
            422,
            "Image cannot be processed\n",
        ),
        (
            signed(base, "/id/5/100/100.jpg"),
            422,
            "Image cannot be processed\n",
        ),
    ];
    for (url, status, body) in cases {
        let res = http.get(&url).send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{url}");
        assert_eq!(res.text().await.unwrap(), body, "{url}");
    }
    // The service is still fine afterwards, and the good URL works with CORS headers.
    let res = http
        .get(&good)
        .header("origin", "https://e.com")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        res.headers()["cross-origin-resource-policy"],
        "cross-origin"
    );
    assert_eq!(
        res.headers()["access-control-expose-headers"],
        "Content-Type, Picsum-Id"
    );
    assert_eq!(res.headers()["timing-allow-origin"], "*");
    let res = http
        .get(good.replacen(".jpg?", ".jpg/?", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/id/1/200/120.jpg?hmac=")
    );
    // What answers GET answers HEAD: the same headers, no body.
    let res = http.head(&good).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert!(res.bytes().await.unwrap().is_empty());
    let json = http
        .get(format!("{base}/id/1/1/1.jpg"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        json.text().await.unwrap(),
        "{\"error\":\"Invalid parameters\"}\n"
    );
}

#[tokio::test]
async fn full_queue_sheds_load_with_503() {
    let gallery = Gallery::new("overload");
    let images = gallery.image_service(1, 0);
    let http = client();
    let requests: Vec<_> = (0..8)
        .map(|i| {
            // Distinct sizes of the 6000x4000 original: slow renders, no shared work.
            let url = signed(&images.base, &format!("/id/1/{}/3000.webp", 4000 + i));
            let http = http.clone();
            tokio::spawn(async move {
                let res = http.get(&url).send().await.unwrap();
                (
                    res.status().as_u16(),
                    res.headers()
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap().to_owned()),
                )
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for r in requests {
        outcomes.push(r.await.unwrap());
    }
    assert!(outcomes.iter().any(|o| o.0 == 200), "{outcomes:?}");
    assert!(
        outcomes.iter().any(|o| o == &(503, Some("1".to_owned()))),
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().all(|o| o.0 == 200 || o.0 == 503),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn sigterm_under_load_drops_no_in_flight_request() {
    let gallery = Gallery::new("sigterm");
    // One client may use both workers and the whole queue, as before fair shares.
    let mut images = gallery.image_service_with(
        2,
        16,
        vec![
            ("IMAGE_CLIENT_WORKERS", "2".into()),
            ("IMAGE_CLIENT_QUEUE", "16".into()),
        ],
    );
    let http = client();
    // Six slow renders in flight (two rendering, four queued) when SIGTERM arrives.
    let requests: Vec<_> = (0..6u32)
        .map(|i| {
            let url = signed(&images.base, &format!("/id/1/{}/3000.jpg", 4990 - i));
            let http = http.clone();
            tokio::spawn(async move { http.get(&url).send().await.unwrap() })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let pid = images.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    for (i, r) in requests.into_iter().enumerate() {
        let res = r.await.unwrap();
        assert_eq!(res.status(), 200, "request {i}");
        let body = res.bytes().await.unwrap();
        let mut header = jpeg_decoder::Decoder::new(&body[..]);
        header.read_info().unwrap();
        let info = header.info().unwrap();
        assert_eq!(
            (u32::from(info.width), info.height),
            (4990 - u32::try_from(i).unwrap(), 3000)
        );
    }
    let status = images.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
