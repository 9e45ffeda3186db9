//! Deletes stick: a deleted photo is gone from every route (its variants, derivatives and
//! cached renders with it), and a photo replaced under the same name is rendered again
//! under a new entity tag.

use super::*;

async fn delete(http: &reqwest::Client, url: &str) -> u16 {
    http.delete(url).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn a_deleted_photo_is_gone_from_the_picsum_route() {
    let images = spawn_app(&[("IMAGE_DELETES", "true")]).await;
    let http = client();
    let small = signed(&images.base, "/id/1/20/20.jpg");
    let large = signed(&images.base, "/id/1/600/400.jpg");
    for url in [&small, &large] {
        assert_eq!(get(&http, url).await.0, 200);
    }
    assert_eq!(delete(&http, &format!("{}/1.jpg", images.base)).await, 200);
    for url in [&small, &large] {
        let (status, _, body) = get(&http, url).await;
        assert_eq!((status, &body[..]), (404, &b"Image does not exist\n"[..]));
    }
    let store = &images.state.core.storage;
    assert!(
        !store.exists("1_500.jpg").await.unwrap(),
        "its variant stayed"
    );
}

#[tokio::test]
async fn a_replaced_source_is_rendered_again_under_a_new_tag() {
    let images = spawn_app(&[("IMAGE_DELETES", "true")]).await;
    let http = client();
    let urls = [
        format!("{}/display?path=quadrants.png&op=resize&w=50", images.base),
        format!("{}/image/w_50/quadrants.png", images.base),
    ];
    let mut before = Vec::new();
    for url in &urls {
        let res = http.get(url).send().await.unwrap();
        let tag = res.headers()["etag"].to_str().unwrap().to_owned();
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(dimensions(&ct, &res.bytes().await.unwrap()), (50, 25));
        before.push(tag);
    }
    assert_eq!(
        delete(&http, &format!("{}/quadrants.png", images.base)).await,
        200
    );
    for url in &urls {
        assert_eq!(get(&http, url).await.0, 404, "{url}");
    }
    // Another image under the same name (120x80).
    let other = std::fs::read(fixture("transform/alpha.png")).unwrap();
    let store = &images.state.core.storage;
    store.put("quadrants.png", other.into()).await.unwrap();
    // picfit rounds 33.3 to 33, pixlserv (floor(x + 0.7)) to 34.
    for ((url, old), height) in urls.iter().zip(&before).zip([33, 34]) {
        let res = http
            .get(url)
            .header("if-none-match", old)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{url} revalidated the old render");
        assert_ne!(res.headers()["etag"].to_str().unwrap(), old.as_str());
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(
            dimensions(&ct, &res.bytes().await.unwrap()),
            (50, height),
            "{url}"
        );
    }
}
