//! Ladders: a large original without pre-sized variants gets its copies after its first
//! render, later renders start from the smallest copy that covers them (the same bytes as
//! rendering that copy directly), a replaced original never renders from its predecessor's
//! copies, and a delete takes them away.

use std::time::Duration;

use picsum_image_core::ladder::{self, Index, Original};
use picsum_image_core::source;
use picsum_imaging::PicsumTask;
use picsum_imaging::model::Format;

use super::*;

async fn original(app: &App, key: &str) -> Original {
    let stat = source::stat(&app.state.core, key).await.unwrap();
    Original {
        key: key.to_owned(),
        version: stat.version,
    }
}

/// Waits (at most 30 s) for the ladder of `key` and returns its index.
pub(crate) async fn ladder_of(app: &App, key: &str) -> (Original, Index) {
    let original = original(app, key).await;
    for _ in 0..300 {
        if let Some(index) = ladder::index(&app.state.core, &original).await {
            return (original, index);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no ladder for {key}");
}

#[tokio::test]
async fn picsum_renders_start_from_the_smallest_covering_rung() {
    let images = spawn_app(&[]).await;
    let http = client();
    // 1.jpg is 6000x4000 with only a 500 px variant: 1200x800 needs the original.
    let (status, ct, body) = get(&http, &signed(&images.base, "/id/1/1200/800.jpg")).await;
    assert_eq!((status, dimensions(&ct, &body)), (200, (1200, 800)));

    let (original, index) = ladder_of(&images, "1.jpg").await;
    assert_eq!(index.original, (6000, 4000));
    let sides: Vec<u32> = index.rungs.iter().map(|&(w, h)| w.max(h)).collect();
    assert_eq!(sides, picsum_imaging::ladder::rung_sides(6000));

    // 900x600 is covered by 1061x707, the smallest rung at least that large.
    let rung = *index
        .rungs
        .iter()
        .rev()
        .find(|&&(w, h)| w >= 900 && h >= 600)
        .unwrap();
    assert_eq!(rung, (1061, 707));
    let path = format!(
        "{}{}x{}.jpg",
        ladder::folder(&images.state.core, &original),
        rung.0,
        rung.1
    );
    let rung_bytes = images.state.core.storage.get(&path).await.unwrap();
    let (status, ct, body) = get(&http, &signed(&images.base, "/id/1/900/600.jpg")).await;
    assert_eq!((status, dimensions(&ct, &body)), (200, (900, 600)));
    let task = PicsumTask {
        width: 900,
        height: 600,
        blur: None,
        grayscale: false,
        comment: Some("Picsum ID: 1".into()),
        format: Format::Jpeg,
    };
    let from_rung =
        picsum_imaging::render_picsum(&rung_bytes, &task, picsum_imaging::Limits::default())
            .unwrap();
    assert_eq!(&body[..], &from_rung[..], "not rendered from the rung");

    // Beyond the largest rung the original serves.
    let (status, ct, body) = get(&http, &signed(&images.base, "/id/1/5000/3000.jpg")).await;
    assert_eq!((status, dimensions(&ct, &body)), (200, (5000, 3000)));
}

#[tokio::test]
async fn transformations_use_the_ladder_and_look_the_same() {
    let plain = spawn_app(&[("IMAGE_LADDERS", "false")]).await;
    let laddered = spawn_app(&[]).await;
    let http = client();
    let url = "/image/w_600,h_400/1.jpg";
    let (_, _, want) = get(&http, &format!("{}{url}", plain.base)).await;
    // The first render decodes the original and starts the ladder.
    let (_, _, first) = get(
        &http,
        &format!("{}/image/w_1000,h_700/1.jpg", laddered.base),
    )
    .await;
    assert_eq!(dimensions("image/jpeg", &first), (1000, 700));
    ladder_of(&laddered, "1.jpg").await;
    let (status, ct, got) = get(&http, &format!("{}{url}", laddered.base)).await;
    assert_eq!((status, dimensions(&ct, &got)), (200, (600, 400)));
    assert_ne!(got, want, "rendered from the original, not from a rung");
    // The same picture: every pixel of a 10x10 grid within a few levels.
    for y in (20..400).step_by(40) {
        for x in (30..600).step_by(60) {
            let (a, b) = (pixel(&got, x, y), pixel(&want, x, y));
            assert!(
                a.iter().zip(b).all(|(p, q)| p.abs_diff(q) <= 12),
                "{x},{y}: {a:?} vs {b:?}"
            );
        }
    }
    // Without a ladder nothing was written.
    let core = &plain.state.core;
    let original = original(&plain, "1.jpg").await;
    assert!(ladder::index(core, &original).await.is_none());
    assert_eq!(
        core.storage
            .usage(core.derived.prefix().trim_end_matches('/'))
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_replaced_or_deleted_original_leaves_its_ladder_behind() {
    let images = spawn_app(&[("IMAGE_DELETES", "true")]).await;
    let http = client();
    assert_eq!(
        get(&http, &signed(&images.base, "/id/1/1200/800.jpg"))
            .await
            .0,
        200
    );
    let (old, _) = ladder_of(&images, "1.jpg").await;
    let core = &images.state.core;

    // Another photo under the same name: its renders never come from the old copies.
    let other = std::fs::read(fixture("transform/rounding.jpg")).unwrap();
    core.storage
        .put("1.jpg", other.clone().into())
        .await
        .unwrap();
    core.sources
        .remove(&source::stat_key("1.jpg"))
        .await
        .unwrap();
    core.sources.remove("src:1.jpg").await.unwrap();
    let new = original(&images, "1.jpg").await;
    assert_ne!(new.version, old.version);
    assert!(ladder::index(core, &new).await.is_none());
    // (600x400: beyond the old photo's imported 500 px variant, which is Picsum's business.)
    let (status, ct, body) = get(&http, &signed(&images.base, "/id/1/600/400.jpg")).await;
    assert_eq!((status, dimensions(&ct, &body)), (200, (600, 400)));
    let task = PicsumTask {
        width: 600,
        height: 400,
        blur: None,
        grayscale: false,
        comment: Some("Picsum ID: 1".into()),
        format: Format::Jpeg,
    };
    let want =
        picsum_imaging::render_picsum(&other, &task, picsum_imaging::Limits::default()).unwrap();
    assert_eq!(&body[..], &want[..]);

    // A delete takes every ladder of the name with it.
    let derived = core.derived.prefix().trim_end_matches('/').to_owned();
    assert!(core.storage.usage(&derived).await.unwrap() > 0);
    let url = format!("{}/1.jpg", images.base);
    assert_eq!(http.delete(&url).send().await.unwrap().status(), 200);
    assert_eq!(core.storage.usage(&derived).await.unwrap(), 0);
}
