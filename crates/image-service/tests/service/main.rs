//! In-process HTTP tests of the image service, one file per dialect: the real router and
//! state (`AppState::from_config`, the same code `serve` runs) on a port-0 listener in the
//! test's own runtime, over an in-memory store holding the fixtures. No processes: the
//! cross-process flows (API -> 302 -> render, Redis, S3, faults) live in the cli crate's
//! e2e suite.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers panic on failure"
)]

mod budget;
mod cancel;
mod deletes;
mod fairness;
mod ladder;
mod openapi;
mod picfit;
mod picsum;
mod pixlserv;
mod policy;
mod props;
mod routing;
mod uploads;
mod writes;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use picsum_image_service::{AppState, ImageConfig, router};
pub use picsum_testkit::images::*;

/// The HMAC key of every test app.
pub const KEY: &str = "test";

/// Sources in the store: Picsum's fixture photo (6000x4000) with its 500 px variant, and
/// the synthetic transformation fixtures.
const SOURCES: [(&str, &str); 8] = [
    ("picsum/file/1.jpg", "1.jpg"),
    ("picsum/file/1_500.jpg", "1_500.jpg"),
    ("transform/rounding.jpg", "rounding.jpg"),
    ("transform/quadrants.png", "quadrants.png"),
    ("transform/quadrants.jpg", "quadrants.jpg"),
    ("transform/rotated-exif6.jpg", "rotated-exif6.jpg"),
    ("transform/alpha.png", "alpha.png"),
    ("transform/animated.gif", "animated.gif"),
];

/// Sources no request may get past: `2.jpg` truncated in the middle of the scan, `3.jpg`
/// a decompression bomb (its header claims 60000x60000), `5.jpg` not an image.
fn hostile() -> [(&'static str, Vec<u8>); 3] {
    let full = std::fs::read(fixture("picsum/file/1.jpg")).unwrap();
    let mut bomb = std::fs::read(fixture("picsum/file/1_500.jpg")).unwrap();
    let sof = bomb.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bomb[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    [
        ("2.jpg", full[..full.len() / 2].to_vec()),
        ("3.jpg", bomb),
        (
            "5.jpg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
        ),
    ]
}

/// A running service; stops when dropped.
pub struct App {
    /// `http://127.0.0.1:{port}`.
    pub base: String,
    /// The state the router serves (its store, caches, settings).
    pub state: Arc<AppState>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

/// Every dialect on, unsigned and anonymous requests allowed: the dialects' own behaviour
/// is what most tests look at (`policy.rs` tests the production defaults).
const OPEN: [(&str, &str); 3] = [
    ("IMAGE_DIALECTS", "picsum,picfit,pixlserv"),
    ("IMAGE_ALLOW_UNSIGNED", "true"),
    ("IMAGE_ALLOW_ANONYMOUS_WRITES", "true"),
];

/// The service with every dialect open ([`OPEN`]) and `settings` (environment names, as
/// in production) over a memory store holding [`SOURCES`].
pub async fn spawn_app(settings: &[(&str, &str)]) -> App {
    let mut all = OPEN.to_vec();
    all.extend_from_slice(settings);
    spawn_production(&all).await
}

/// The service with production defaults and `settings`, on 127.0.0.1.
pub async fn spawn_production(settings: &[(&str, &str)]) -> App {
    spawn_on("127.0.0.1:0", settings).await
}

/// The service with production defaults and `settings`, listening on `listen`.
pub async fn spawn_on(listen: &str, settings: &[(&str, &str)]) -> App {
    let mut values: HashMap<String, String> = [
        ("IMAGE_STORAGE_URL", "memory://"),
        ("IMAGE_HMAC_KEY", KEY),
        ("IMAGE_WORKERS", "2"),
        ("IMAGE_QUEUE_SIZE", "16"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    values.extend(
        settings
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let config: ImageConfig = picsum_web::config::parse_layered(
        vec!["picsum-image-service".into()],
        Some((Path::new("in-process test"), values)),
    )
    .expect("settings");
    // The process-wide recorder, as `serve` installs it: tests read the metrics from it.
    picsum_web::telemetry::prometheus();
    let state = Arc::new(AppState::from_config(&config).await.expect("state"));
    for (from, key) in SOURCES {
        let bytes = std::fs::read(fixture(from)).unwrap();
        state.core.storage.put(key, bytes.into()).await.unwrap();
    }
    for (key, bytes) in hostile() {
        state.core.storage.put(key, bytes.into()).await.unwrap();
    }
    let listener = tokio::net::TcpListener::bind(listen).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(Arc::clone(&state)).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    App {
        base,
        state,
        _stop: stop,
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Status, content type and body of a GET.
pub async fn get(http: &reqwest::Client, url: &str) -> (u16, String, bytes::Bytes) {
    let res = http.get(url).send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, res.bytes().await.unwrap())
}

/// A Picsum URL signed with [`KEY`].
pub fn signed(base: &str, path_and_query: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    format!(
        "{base}{}",
        picsum_signing::Signer::new(KEY).sign_path(path, picsum_url::query::Query::parse(query))
    )
}

/// The whole seconds of an answer's `Retry-After`.
pub fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}
