//! Lorem Picsum's signed route in process: the rendered image decoded (size, format,
//! grey), Picsum's headers, and Picsum's messages for every refusal.

use super::*;

#[tokio::test]
async fn signed_renders_have_the_size_format_and_headers_asked_for() {
    let images = spawn_app(&[]).await;
    let http = client();
    let res = http
        .get(signed(&images.base, "/id/1/200/100.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "image/jpeg");
    assert_eq!(h["picsum-id"], "1");
    assert_eq!(
        h["content-disposition"],
        "inline; filename=\"1-200x100.jpg\""
    );
    assert!(h["cache-control"].to_str().unwrap().contains("immutable"));
    assert!(h.get("picsum-author").is_none(), "no catalog, no credit");
    let (w, hgt, components, progressive, _) = decode_jpeg(&res.bytes().await.unwrap());
    assert_eq!((w, hgt, components, progressive), (200, 100, 3, true));

    // `.avif`, the extension the API's client hints may choose.
    let res = http
        .get(signed(&images.base, "/id/1/60/40.avif"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/avif");
    assert_eq!(
        dimensions("image/avif", &res.bytes().await.unwrap()),
        (60, 40)
    );

    // Over AVIF's pixel budget: refused before any work, even when signed.
    let res = http
        .get(signed(&images.base, "/id/1/2600/2500.avif"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    let body = get_body(&http, &signed(&images.base, "/id/1/120/80.webp")).await;
    let (w, hgt, _, _) = decode_webp(&body);
    assert_eq!((w, hgt), (120, 80));

    let grey = get_body(&http, &signed(&images.base, "/id/1/50/50.jpg?grayscale")).await;
    assert_eq!(decode_jpeg(&grey).2, 1, "grayscale JPEG has one component");
    let plain = get_body(&http, &signed(&images.base, "/id/1/50/50.jpg")).await;
    let blurred = get_body(&http, &signed(&images.base, "/id/1/50/50.jpg?blur=10")).await;
    assert_ne!(decode_jpeg(&plain).4, decode_jpeg(&blurred).4);
}

#[tokio::test]
async fn answers_credit_the_photographer_from_the_catalog() {
    let dir = std::env::temp_dir().join(format!("picsum-credits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("manifest.json");
    std::fs::write(
        &manifest,
        r#"[{"id":"1","author":"Mikael Häggström, CC0 1.0","width":300,"height":400,
            "url":"https://commons.wikimedia.org/wiki/File:Fundus photograph.jpg"}]"#,
    )
    .unwrap();
    let images = spawn_app(&[("IMAGE_CATALOG_FILE_PATH", manifest.to_str().unwrap())]).await;
    let http = client();
    let res = http
        .get(signed(&images.base, "/id/1/20/10.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers();
    assert_eq!(h["picsum-author"], "Mikael H%C3%A4ggstr%C3%B6m, CC0 1.0");
    assert_eq!(
        h["link"],
        "<https://commons.wikimedia.org/wiki/File:Fundus%20photograph.jpg>; rel=\"author\""
    );
    // An id the catalog does not know still renders, without credit.
    let res = http
        .get(signed(&images.base, "/id/rounding/20/10.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("picsum-author").is_none());
}

#[tokio::test]
async fn refusals_are_picsums_messages() {
    let images = spawn_app(&[]).await;
    let http = client();
    let unsigned = format!("{}/id/1/200/100.jpg", images.base);
    let forged = format!("{}/id/1/200/100.jpg?hmac=AAAA", images.base);
    let cases = [
        (unsigned, 400, "Invalid parameters"),
        (forged, 400, "Invalid parameters"),
        (signed(&images.base, "/id/1/0/100.jpg"), 400, "Invalid size"),
        (
            signed(&images.base, "/id/1/5001/100.jpg"),
            400,
            "Invalid size",
        ),
        (
            signed(&images.base, "/id/1/200/100.png"),
            400,
            "Invalid file extension",
        ),
        (
            signed(&images.base, "/id/1/200/100.jpg?blur=11"),
            400,
            "Invalid blur amount",
        ),
        (
            signed(&images.base, "/id/9/10/10.jpg"),
            404,
            "Image does not exist",
        ),
        (
            signed(&images.base, "/id/2/10/10.jpg"),
            422,
            "Image cannot be processed",
        ),
        (
            signed(&images.base, "/id/3/10/10.jpg"),
            422,
            "Image cannot be processed",
        ),
        (
            signed(&images.base, "/id/5/10/10.jpg"),
            422,
            "Image cannot be processed",
        ),
    ];
    for (url, status, message) in cases {
        let res = http.get(&url).send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{url}");
        assert_eq!(res.text().await.unwrap(), format!("{message}\n"), "{url}");
    }
}

async fn get_body(http: &reqwest::Client, url: &str) -> bytes::Bytes {
    let (status, _, body) = get(http, url).await;
    assert_eq!(status, 200, "{url}");
    body
}
