//! Router tests for the API: Picsum's behaviour spec, case by case, through the real router
//! with the Picsum test manifests (no socket needed).
#![expect(clippy::unwrap_used, reason = "test helpers panic on failure")]

mod cases;
mod filters;
mod hints;
mod list;
mod openapi;
mod placeholders;

use std::sync::Arc;

use axum::body::Body;
use http::{HeaderMap, Request, StatusCode};
use picsum_api::AppState;
use picsum_catalog::select::SeedMode;
use picsum_catalog::{Catalog, CatalogSource};
use picsum_signing::Signer;
use tower::ServiceExt;

pub const ROOT: &str = "https://picsum.photos";
pub const IMAGES: &str = "https://fastly.picsum.photos";

pub fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/picsum/file")
        .join(name)
}

pub fn state(manifest: &str) -> Arc<AppState> {
    state_with(
        Catalog::load(&CatalogSource::Manifest(fixture(manifest))).unwrap(),
        SeedMode::Picsum,
    )
}

pub fn state_with(catalog: Catalog, seed_mode: SeedMode) -> Arc<AppState> {
    Arc::new(AppState {
        catalog: picsum_api::LiveCatalog::new(catalog),
        signer: Signer::new("test"),
        root_url: ROOT.into(),
        image_service_url: IMAGES.into(),
        site: picsum_api::web::Site::new(ROOT),
        seed_mode,
        client_hints: false,
    })
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

pub async fn call(
    state: &Arc<AppState>,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = picsum_api::router(Arc::clone(state))
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 8 << 20)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

pub async fn get(state: &Arc<AppState>, uri: &str) -> Answer {
    call(state, "GET", uri, &[]).await
}
