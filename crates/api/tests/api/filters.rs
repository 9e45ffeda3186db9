//! Filtered and stable-seed picks through the router: `?orientation=`, `?tag=`,
//! `?seed_mode=`, `/v2/list?tag=`, and their errors.

use picsum_catalog::filter::{Filter, Tag};
use picsum_catalog::select::SeedMode;
use picsum_catalog::{Catalog, Image};

use crate::{get, state_with};

/// Ids 0..20: even ids landscape, odd portrait; every third tagged `snow`; 7 also `city`.
fn catalog() -> Catalog {
    let images = (0..20u32)
        .map(|i| {
            let mut tags = Vec::new();
            if i.is_multiple_of(3) {
                tags.push(Tag::parse("snow").unwrap());
            }
            if i == 7 {
                tags.push(Tag::parse("city").unwrap());
            }
            let (w, h) = if i.is_multiple_of(2) {
                (600, 400)
            } else {
                (400, 600)
            };
            Image {
                id: i.to_string(),
                author: format!("Author {i}"),
                width: w,
                height: h,
                url: format!("https://example.com/{i}"),
                tags,
                placeholder: None,
            }
        })
        .collect();
    Catalog::from_images(images).unwrap()
}

fn id_of(location: &str) -> u32 {
    let rest = location.split("/id/").nth(1).unwrap();
    rest.split('/').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn random_picks_stay_inside_the_filter() {
    let s = state_with(catalog(), SeedMode::Picsum);
    for _ in 0..40 {
        let a = get(&s, "/200/300?orientation=portrait&tag=snow").await;
        assert_eq!(a.status, 302);
        let id = id_of(a.header("location").unwrap());
        assert!(!id.is_multiple_of(2) && id.is_multiple_of(3), "{id}");
        let a = get(&s, "/g/200?tag=Snow").await;
        let location = a.header("location").unwrap();
        assert_eq!(id_of(location) % 3, 0);
        assert!(location.contains("grayscale"), "{location}");
    }
}

#[tokio::test]
async fn seeded_picks_are_deterministic_within_the_filter() {
    let s = state_with(catalog(), SeedMode::Picsum);
    let snow: Vec<u32> = (0..20).filter(|i| i % 3 == 0).collect();
    for seed in ["a", "picsum", "hello%20world", "42"] {
        let a = get(&s, &format!("/seed/{seed}/100?tag=snow")).await;
        let id = id_of(a.header("location").unwrap());
        let decoded = seed.replace("%20", " ");
        let want = snow[picsum_catalog::seed::seed_index(&decoded, snow.len())];
        assert_eq!(id, want, "{seed}");
        let again = get(&s, &format!("/seed/{seed}/100?tag=snow")).await;
        assert_eq!(again.header("location"), a.header("location"));
        let info = get(&s, &format!("/seed/{seed}/info?tag=snow")).await;
        let info: serde_json::Value = serde_json::from_str(&info.body).unwrap();
        assert_eq!(info["id"], id.to_string());
    }
    // The id routes name one image and ignore filters.
    let a = get(&s, "/id/1/100?tag=snow").await;
    assert_eq!(id_of(a.header("location").unwrap()), 1);
}

#[tokio::test]
async fn stable_seeds_by_setting_or_url() {
    let c = catalog();
    let all = Filter::default();
    let stable = state_with(c.clone(), SeedMode::Stable);
    let picsum = state_with(c.clone(), SeedMode::Picsum);
    let mut differ = 0;
    for i in 0..30 {
        let seed = format!("s{i}");
        let want = c.seeded(&seed, &all, SeedMode::Stable).unwrap().id.clone();
        let a = get(&stable, &format!("/seed/{seed}/100")).await;
        assert_eq!(id_of(a.header("location").unwrap()).to_string(), want);
        let b = get(&picsum, &format!("/seed/{seed}/100?seed_mode=stable")).await;
        assert_eq!(a.header("location"), b.header("location"));
        let p = get(&stable, &format!("/seed/{seed}/100?seed_mode=picsum")).await;
        let picsum_id = c.by_seed(&seed).unwrap().id.clone();
        assert_eq!(id_of(p.header("location").unwrap()).to_string(), picsum_id);
        differ += usize::from(picsum_id != want);
    }
    assert!(
        differ > 10,
        "the two modes should mostly differ ({differ}/30)"
    );
}

#[tokio::test]
async fn no_match_is_a_404_and_bad_filters_are_400s() {
    let s = state_with(catalog(), SeedMode::Picsum);
    let a = get(&s, "/seed/x/100?tag=city&orientation=landscape").await;
    assert_eq!(a.status, 404);
    assert_eq!(
        a.body,
        "No image matches tag \"city\" and orientation landscape\n"
    );
    let a = get(&s, "/100?tag=beach").await;
    assert_eq!(
        (a.status.as_u16(), a.body.as_str()),
        (404, "No image matches tag \"beach\"\n")
    );
    let a = get(&s, "/v2/list?tag=beach").await;
    assert_eq!(a.status, 404);
    for (uri, body) in [
        (
            "/100?orientation=wide",
            "Invalid orientation \"wide\": use landscape, portrait or square\n",
        ),
        (
            "/seed/x/info?tag=a%20b",
            "Invalid tag \"a b\": tags are 1 to 32 characters of a-z, 0-9 and '-' (case is ignored)\n",
        ),
        (
            "/seed/x/100?seed_mode=fast",
            "Invalid seed_mode: use picsum or stable\n",
        ),
    ] {
        let a = get(&s, uri).await;
        assert_eq!((a.status.as_u16(), a.body.as_str()), (400, body), "{uri}");
    }
    // Picsum's own errors still come first: a bad size before a bad filter.
    let a = get(&s, "/200.gif?orientation=wide").await;
    assert_eq!(a.status, 400);
    assert!(!a.body.contains("orientation"), "{}", a.body);
}

#[tokio::test]
async fn list_filters_and_keeps_the_filter_in_links() {
    let s = state_with(catalog(), SeedMode::Picsum);
    let a = get(&s, "/v2/list?tag=snow&orientation=landscape&limit=2").await;
    assert_eq!(a.status, 200);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&a.body).unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["0", "6"]);
    assert_eq!(
        a.header("link").unwrap(),
        "<https://picsum.photos/v2/list?page=2&limit=2&orientation=landscape&tag=snow>; rel=\"next\""
    );
    // Tagged JSON documents keep Picsum's keys: tags are not in them.
    assert!(!a.body.contains("tags"));
    let a = get(&s, "/v2/list?tag=snow&orientation=landscape&limit=2&page=9").await;
    assert_eq!((a.status.as_u16(), a.body.as_str()), (200, "[]\n"));
}
