//! Uploads live apart from the catalog: no upload can shadow or replace a catalog photo or
//! one of its pre-sized variants.

use reqwest::multipart::{Form, Part};

use super::*;

#[tokio::test]
async fn uploads_never_shadow_or_replace_catalog_images() {
    let images = spawn_app(&[("IMAGE_UPLOADS", "true")]).await;
    let http = client();
    let store = &images.state.core.storage;
    let photo = signed(&images.base, "/id/1/1100/800.jpg");
    let (status, _, before) = get(&http, &photo).await;
    assert_eq!(status, 200);
    let original = store.get("1.jpg").await.unwrap();
    let variant = store.get("1_500.jpg").await.unwrap();
    // A green 40x20 image under the names of photo 1, its variant, and a variant it lacks
    // (which the Picsum route would otherwise pick for 1100x800).
    let mark = std::fs::read(fixture("transform/mark.png")).unwrap();
    for name in ["1_1500.jpg", "1_500.jpg", "1.jpg"] {
        let form = Form::new().part("data", Part::bytes(mark.clone()).file_name(name));
        let res = http
            .post(format!("{}/upload", images.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{name}");
        let json: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
        assert_eq!(json["path"], format!("uploads/{name}"));
        assert_eq!(json["filename"], name);
    }
    assert_eq!(store.get("1.jpg").await.unwrap(), original);
    assert_eq!(store.get("1_500.jpg").await.unwrap(), variant);
    assert!(!store.exists("1_1500.jpg").await.unwrap());
    assert_eq!(get(&http, &photo).await.2, before, "the photo changed");
    // The uploads are served under their own path.
    let url = format!("{}/display?path=uploads/1.jpg&op=noop", images.base);
    let (status, ct, body) = get(&http, &url).await;
    assert_eq!((status, dimensions(&ct, &body)), (200, (40, 20)));
}
