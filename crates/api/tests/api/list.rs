//! Info and list documents, byte for byte.

use super::*;

#[tokio::test]
async fn info_bytes() {
    let s = state("metadata.json");
    let a = get(&s, "/id/1/info").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(
        a.header("cache-control"),
        Some("private, no-cache, no-store, must-revalidate")
    );
    assert_eq!(
        a.body,
        "{\"id\":\"1\",\"author\":\"John Doe\",\"width\":300,\"height\":400,\"url\":\"https://picsum.photos\",\"download_url\":\"https://picsum.photos/id/1/300/400\"}\n"
    );
}

#[tokio::test]
async fn v2_list_pages_and_links() {
    let s = state("metadata_multiple.json");
    let a = get(&s, "/v2/list").await;
    assert_eq!(
        a.header("link"),
        Some("<https://picsum.photos/v2/list?page=2&limit=30>; rel=\"next\"")
    );
    assert_eq!(a.header("access-control-expose-headers"), Some("Link"));
    let items: Vec<serde_json::Value> = serde_json::from_str(&a.body).unwrap();
    assert_eq!(items.len(), 2);
    assert!(a.body.ends_with("]\n"));
    let a = get(&s, "/v2/list?page=2&limit=1").await;
    assert_eq!(
        a.header("link"),
        Some(
            "<https://picsum.photos/v2/list?page=1&limit=1>; rel=\"prev\", <https://picsum.photos/v2/list?page=3&limit=1>; rel=\"next\""
        )
    );
    assert!(a.body.starts_with("[{\"id\":\"2\""));
    let a = get(&s, "/v2/list?page=3&limit=1000").await;
    assert_eq!(
        a.header("link"),
        Some("<https://picsum.photos/v2/list?page=2&limit=100>; rel=\"prev\"")
    );
    assert_eq!(a.body, "[]\n");
    let a = get(&s, "/v2/list?page=9223372036854775807&limit=100").await;
    assert_eq!((a.status.as_u16(), a.body.as_str()), (200, "[]\n"));
}

#[tokio::test]
async fn legacy_list() {
    let s = state("metadata.json");
    let a = get(&s, "/list").await;
    assert_eq!(
        a.body,
        "[{\"format\":\"jpeg\",\"width\":300,\"height\":400,\"filename\":\"1.jpeg\",\"id\":1,\"author\":\"John Doe\",\"author_url\":\"https://picsum.photos\",\"post_url\":\"https://picsum.photos\"}]\n"
    );
    assert_eq!(a.header("link"), None);
}

#[test]
fn invalid_manifest_fails_at_startup() {
    assert!(Catalog::load(&CatalogSource::Manifest(fixture("invalid_metadata.json"))).is_err());
}
