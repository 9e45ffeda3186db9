//! Opt-in JSON with placeholders: `/id/{id}/meta`, `/v2/list?fields=`, and `/v2/pick`.

use picsum_catalog::select::SeedMode;
use picsum_catalog::{Catalog, Image, Placeholder, Tag};
use serde_json::Value;

use crate::{IMAGES, get, state_with};

/// Ids 0..12, 600×400; even ids blue with a ThumbHash, odd ones without; 5 tagged `snow`.
fn catalog() -> Catalog {
    let images = (0..12u32)
        .map(|i| Image {
            id: i.to_string(),
            author: format!("Author {i}"),
            width: 600,
            height: 400,
            url: format!("https://example.com/{i}"),
            tags: if i == 5 {
                vec![Tag::parse("snow").unwrap()]
            } else {
                Vec::new()
            },
            placeholder: i.is_multiple_of(2).then(|| {
                Placeholder::new(
                    if i == 0 {
                        real_hash()
                    } else {
                        format!("hash{i}")
                    },
                    "#2050c0".into(),
                )
            }),
        })
        .collect();
    Catalog::from_images(images).unwrap()
}

/// The ThumbHash of a 6×4 blue image.
fn real_hash() -> String {
    picsum_placeholder::Placeholder::from_rgb(6, 4, &[32, 80, 192].repeat(24))
        .unwrap()
        .thumbhash_base64()
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap()
}

#[tokio::test]
async fn meta_has_every_field() {
    let s = state_with(catalog(), SeedMode::Picsum);
    let a = get(&s, "/id/4/meta").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert!(
        a.body
            .starts_with(r#"{"id":"4","author":"Author 4","width":600,"height":400,"#)
    );
    let v = json(&a.body);
    assert_eq!(v["orientation"], "landscape");
    assert_eq!(v["tags"], serde_json::json!(["blue", "landscape"]));
    assert_eq!(v["color"], "#2050c0");
    assert_eq!(v["thumbhash"], "hash4");
    assert!(v["css_lqip"].is_null(), "not a ThumbHash: no integer");
    let v = json(&get(&s, "/id/0/meta").await.body);
    assert!(v["css_lqip"].is_i64(), "{v}");
    let v = json(&get(&s, "/id/5/meta").await.body);
    assert_eq!(v["tags"], serde_json::json!(["landscape", "snow"]));
    assert!(v["thumbhash"].is_null() && v["color"].is_null());
    // The seed route picks as /seed/{seed}/info does, filters included.
    let v = json(&get(&s, "/seed/x/meta?tag=snow").await.body);
    assert_eq!(v["id"], "5");
    assert_eq!(get(&s, "/id/99/meta").await.status, 404);
    // The computed colour family filters too.
    let v = json(&get(&s, "/v2/list?tag=blue").await.body);
    assert_eq!(v.as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn list_fields_are_opt_in() {
    let s = state_with(catalog(), SeedMode::Picsum);
    let plain = get(&s, "/v2/list?limit=2").await;
    assert!(!plain.body.contains("thumbhash") && !plain.body.contains("tags"));
    let a = get(&s, "/v2/list?limit=2&fields=thumbhash,color").await;
    let v = json(&a.body);
    assert_eq!(v[0]["thumbhash"], real_hash());
    assert!(v[1]["thumbhash"].is_null());
    assert!(v[0].get("tags").is_none());
    assert_eq!(
        a.header("link").unwrap(),
        "<https://picsum.photos/v2/list?page=2&limit=2&fields=color,thumbhash>; rel=\"next\""
    );
    // The CSS-only placeholder: an integer CSS keeps exactly, made from the ThumbHash.
    let v = json(&get(&s, "/v2/list?limit=2&fields=css_lqip").await.body);
    let lqip = v[0]["css_lqip"].as_i64().unwrap();
    assert_eq!(
        Some(lqip),
        picsum_placeholder::css_lqip(&real_hash()).map(i64::from)
    );
    assert!((-999_999..=999_999).contains(&lqip));
    assert!(v[1]["css_lqip"].is_null() && v[0].get("thumbhash").is_none());
    let bad = get(&s, "/v2/list?fields=size").await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.body,
        "Invalid field \"size\": use orientation, tags, color, thumbhash or css_lqip\n"
    );
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn pick_returns_distinct_photos_with_srcsets() {
    let s = state_with(catalog(), SeedMode::Picsum);
    let a = get(
        &s,
        "/v2/pick?count=5&seed=page&width=200&height=100&grayscale",
    )
    .await;
    assert_eq!(a.status, 200);
    let v = json(&a.body);
    let picked = ids(&v);
    assert_eq!(picked.len(), 5);
    let mut unique = picked.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5);
    assert_eq!(
        ids(&json(
            &get(&s, "/v2/pick?count=5&seed=page&width=200&height=100")
                .await
                .body
        )),
        picked
    );
    let first = &v[0];
    let id = first["id"].as_str().unwrap();
    assert_eq!(first["author"], format!("Author {id}"));
    assert_eq!(first["url"], format!("https://example.com/{id}"));
    assert_eq!(
        first["download_url"],
        format!("https://picsum.photos/id/{id}/600/400")
    );
    let src = first["src"].as_str().unwrap();
    assert!(
        src.starts_with(&format!("{IMAGES}/id/{id}/200/100")),
        "{src}"
    );
    assert!(src.contains("grayscale") && src.contains("hmac="), "{src}");
    let srcset = first["srcset"].as_str().unwrap();
    let parts: Vec<&str> = srcset.split(", ").collect();
    assert_eq!(parts.len(), 3, "{srcset}");
    for (part, (w, h, d)) in parts
        .iter()
        .zip([(200, 100, 1), (400, 200, 2), (600, 300, 3)])
    {
        assert!(part.contains(&format!("/id/{id}/{w}/{h}")) && part.ends_with(&format!(" {d}x")));
    }
    // The `w` form: half size, then 1x, 2x and 3x, with a `sizes` hint.
    let widths = first["srcset_widths"].as_str().unwrap();
    let parts: Vec<&str> = widths.split(", ").collect();
    assert_eq!(parts.len(), 4, "{widths}");
    for (part, (w, h)) in parts
        .iter()
        .zip([(100, 50), (200, 100), (400, 200), (600, 300)])
    {
        assert!(
            part.contains(&format!("/id/{id}/{w}/{h}")) && part.ends_with(&format!(" {w}w")),
            "{part}"
        );
    }
    assert_eq!(first["sizes"], "(max-width: 200px) 100vw, 200px");
    let narrow = json(&get(&s, "/v2/pick?count=1&width=150&height=90").await.body);
    let widths = narrow[0]["srcset_widths"].as_str().unwrap();
    assert!(
        widths.starts_with(&format!("{IMAGES}/id/")) && !widths.contains(" 75w"),
        "{widths}"
    );
    assert!(widths.ends_with(" 450w"), "{widths}");
    // Sizes past 5000 px leave their densities out; height defaults to width.
    let big = json(&get(&s, "/v2/pick?count=1&width=2000").await.body);
    let srcset = big[0]["srcset"].as_str().unwrap();
    assert!(
        srcset.contains("/2000/2000") && srcset.contains("/4000/4000") && srcset.ends_with(" 2x")
    );
    assert!(!srcset.contains(" 3x"));
    let widths = big[0]["srcset_widths"].as_str().unwrap();
    assert!(
        widths.contains("/4000/4000") && widths.ends_with(" 4000w"),
        "{widths}"
    );
    assert!(
        widths.contains(" 1000w") && !widths.contains(" 6000w"),
        "{widths}"
    );
    // Without a seed, still distinct; asking for more than match gives what matches.
    assert_eq!(
        ids(&json(&get(&s, "/v2/pick?count=100&width=10").await.body)).len(),
        12
    );
    let snow = json(&get(&s, "/v2/pick?count=3&width=10&tag=snow").await.body);
    assert_eq!(ids(&snow), ["5"]);
}

#[tokio::test]
async fn pick_refuses_bad_requests() {
    let s = state_with(catalog(), SeedMode::Picsum);
    for (uri, status, body) in [
        (
            "/v2/pick?count=0&width=10",
            400,
            "Invalid count: use 1 to 100\n",
        ),
        (
            "/v2/pick?count=101&width=10",
            400,
            "Invalid count: use 1 to 100\n",
        ),
        (
            "/v2/pick?count=x&width=10",
            400,
            "Invalid count: use 1 to 100\n",
        ),
        (
            "/v2/pick?count=2&width=10&tag=beach",
            404,
            "No image matches tag \"beach\"\n",
        ),
    ] {
        let a = get(&s, uri).await;
        assert_eq!(
            (a.status.as_u16(), a.body.as_str()),
            (status, body),
            "{uri}"
        );
    }
    for uri in [
        "/v2/pick",
        "/v2/pick?width=0",
        "/v2/pick?width=6000",
        "/v2/pick?width=10&blur=11",
    ] {
        assert_eq!(get(&s, uri).await.status, 400, "{uri}");
    }
}

#[tokio::test]
async fn lqip_and_colour_images() {
    let s = state_with(catalog(), SeedMode::Picsum);
    let a = get(&s, "/id/0/300/200?lqip").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("image/png"));
    assert_eq!(
        a.header("cache-control"),
        Some(picsum_api::handlers::ID_REDIRECT_CACHE)
    );
    // The body went through lossy UTF-8; the chunk names survive.
    assert!(a.body.contains("PNG\r\n") && a.body.contains("IHDR") && a.body.contains("IEND"));
    let a = get(&s, "/id/2/300/200?color").await;
    assert_eq!(a.header("content-type"), Some("image/svg+xml"));
    assert!(a.body.contains("width=\"300\" height=\"200\"") && a.body.contains("fill=\"#2050c0\""));
    // Seeded placeholders may change with the catalog: an hour, as their redirects.
    let a = get(&s, "/seed/x/50?color&tag=blue").await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.header("cache-control"),
        Some(picsum_api::handlers::SEED_REDIRECT_CACHE)
    );
    let a = get(&s, "/50?color").await;
    assert_eq!(
        a.header("cache-control"),
        Some(picsum_web::response::NO_CACHE)
    );
    // No placeholder computed: 404; a bad size is still Picsum's 400 first.
    let a = get(&s, "/id/1/300/200?lqip").await;
    assert_eq!(
        (a.status.as_u16(), a.body.as_str()),
        (404, "No placeholder for this image\n")
    );
    assert_eq!(get(&s, "/id/0/6000/200?lqip").await.status, 400);
    // Without either, the same 302 as ever.
    assert_eq!(get(&s, "/id/0/300/200").await.status, 302);
}
