//! End-to-end: the real `picsum-api` and `picsum-image-service` binaries on free ports,
//! redirects followed, images decoded and compared with Lorem Picsum's fixtures.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers panic on failure"
)]

mod abuse;
mod access;
mod cache;
mod cdn;
mod dev;
mod fuzz;
mod images;
mod keys;
mod operability;
mod overlays;
mod pixlserv;
mod policy;
mod production;
mod remote;
mod robustness;
mod sign;
mod storage;
mod traces;
mod upload;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub use picsum_testkit::images::*;

pub const KEY: &str = "test";

/// One running service binary; killed on drop.
pub struct Service {
    pub child: Child,
    pub base: String,
    pub ops: String,
    /// Its latest log lines (stdout), up to [`KEPT_LOG_LINES`].
    pub logs: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<String>>>,
}

/// How many of a service's latest log lines a test can read.
pub const KEPT_LOG_LINES: usize = 10_000;

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A service binary: from `PICSUM_E2E_BIN_DIR` when set (`make test` builds the release
/// binaries once and points here), else beside the `picsum` this test was built with.
pub fn binary(name: &str) -> PathBuf {
    let path = match std::env::var_os("PICSUM_E2E_BIN_DIR") {
        Some(dir) => PathBuf::from(dir).join(name),
        None => Path::new(env!("CARGO_BIN_EXE_picsum")).with_file_name(name),
    };
    assert!(
        path.exists(),
        "{} is not built; run the workspace tests",
        path.display()
    );
    path
}

/// Starts a binary with `env` and waits for its "started" log line to learn its addresses.
pub fn spawn(name: &str, env: &[(&str, String)]) -> Service {
    let mut child = Command::new(binary(name))
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn service");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let fields = loop {
        let line = lines
            .next()
            .expect("service exited before starting")
            .expect("read log");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if v["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("started"))
        {
            break v["fields"].clone();
        }
    };
    // Keep draining the log so the child never blocks on a full pipe, keeping the latest.
    let logs: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<String>>> =
        std::sync::Arc::default();
    let kept = std::sync::Arc::clone(&logs);
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let mut kept = kept.lock().unwrap();
            if kept.len() == KEPT_LOG_LINES {
                kept.pop_front();
            }
            kept.push_back(line);
        }
    });
    Service {
        child,
        base: format!("http://{}", fields["listen"].as_str().unwrap()),
        ops: format!("http://{}", fields["metrics"].as_str().unwrap()),
        logs,
    }
}

/// A storage folder with Picsum's fixture sources plus hostile ones, and a manifest.
pub struct Gallery {
    pub dir: PathBuf,
}

impl Gallery {
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("picsum-e2e-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("photos")).unwrap();
        let full = std::fs::read(fixture("file/1.jpg")).unwrap();
        let small = std::fs::read(fixture("file/1_500.jpg")).unwrap();
        std::fs::write(dir.join("photos/1.jpg"), &full).unwrap();
        std::fs::write(dir.join("photos/1_500.jpg"), &small).unwrap();
        // 2: truncated in the middle of the scan.
        std::fs::write(dir.join("photos/2.jpg"), &full[..full.len() / 2]).unwrap();
        // 3: a decompression bomb (header claims 60000x60000).
        let mut bomb = small.clone();
        let sof = bomb.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        bomb[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        std::fs::write(dir.join("photos/3.jpg"), &bomb).unwrap();
        // 5: not an image at all.
        std::fs::write(
            dir.join("photos/5.jpg"),
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        )
        .unwrap();
        let manifest = serde_json::json!([
            {"id": "1", "author": "John Doe", "url": "https://picsum.photos", "width": 300, "height": 400},
            {"id": "2", "author": "Truncated", "url": "https://picsum.photos", "width": 6000, "height": 4000},
            {"id": "3", "author": "Bomb", "url": "https://picsum.photos", "width": 60000, "height": 60000},
            {"id": "4", "author": "Missing", "url": "https://picsum.photos", "width": 10, "height": 10},
            {"id": "5", "author": "Not an image", "url": "https://picsum.photos", "width": 10, "height": 10}
        ]);
        std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
        Self { dir }
    }

    pub fn image_service(&self, workers: u16, queue: usize) -> Service {
        self.image_service_with(workers, queue, Vec::new())
    }

    /// The image service with extra environment (which wins over the defaults here).
    pub fn image_service_with(
        &self,
        workers: u16,
        queue: usize,
        extra: Vec<(&'static str, String)>,
    ) -> Service {
        let mut env = vec![
            ("IMAGE_LISTEN", "127.0.0.1:0".into()),
            ("IMAGE_METRICS_LISTEN", "127.0.0.1:0".into()),
            (
                "IMAGE_STORAGE_PATH",
                self.dir.join("photos").display().to_string(),
            ),
            ("IMAGE_HMAC_KEY", KEY.into()),
            ("IMAGE_WORKERS", workers.to_string()),
            ("IMAGE_QUEUE_SIZE", queue.to_string()),
            ("IMAGE_LOG_LEVEL", "info".into()),
            ("VIPS_WARNING", "0".into()),
            // Every dialect open: these tests look at what the dialects do; the production
            // defaults have their own tests.
            ("IMAGE_DIALECTS", "picsum,picfit,pixlserv".into()),
            ("IMAGE_ALLOW_UNSIGNED", "true".into()),
            ("IMAGE_ALLOW_ANONYMOUS_WRITES", "true".into()),
        ];
        env.extend(extra);
        spawn("picsum-image-service", &env)
    }

    pub fn api(&self, image_service: &Service) -> Service {
        self.api_with(image_service, Vec::new())
    }

    /// The API with extra environment (which wins over the defaults here).
    pub fn api_with(&self, image_service: &Service, extra: Vec<(&'static str, String)>) -> Service {
        let mut env = vec![
            ("PICSUM_LISTEN", "127.0.0.1:0".into()),
            ("PICSUM_METRICS_LISTEN", "127.0.0.1:0".into()),
            ("PICSUM_ROOT_URL", "https://picsum.example".into()),
            ("PICSUM_IMAGE_SERVICE_URL", image_service.base.clone()),
            ("PICSUM_HMAC_KEY", KEY.into()),
            (
                "PICSUM_DATABASE_FILE_PATH",
                self.dir.join("manifest.json").display().to_string(),
            ),
            ("PICSUM_LOG_LEVEL", "info".into()),
        ];
        env.extend(extra);
        spawn("picsum-api", &env)
    }
}

impl Drop for Gallery {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Transformation sources, beside the gallery's Picsum fixtures (`1.jpg` is 6000x4000).
const SOURCES: [&str; 6] = [
    "rounding.jpg",
    "quadrants.png",
    "quadrants.jpg",
    "rotated-exif6.jpg",
    "alpha.png",
    "animated.gif",
];

/// A gallery with the transformation sources too.
pub fn gallery(tag: &str) -> Gallery {
    let gallery = Gallery::new(tag);
    for name in SOURCES {
        std::fs::copy(
            fixture(&format!("../transform/{name}")),
            gallery.dir.join("photos").join(name),
        )
        .unwrap();
    }
    gallery
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

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/picsum")
        .join(rel)
}

/// What the image service answers for `/id/1/200/120.jpg` over the fixture gallery: Lorem
/// Picsum's own bytes on the compatibility build, this build's render of the 500-px variant
/// otherwise.
pub fn photo_1_200x120_jpg() -> Vec<u8> {
    if picsum_imaging::Flavour::built() == picsum_imaging::Flavour::Lorem {
        return std::fs::read(fixture("api/width_height_linux.jpg")).unwrap();
    }
    images::render_file("file/1_500.jpg", (200, 120), None, false, "jpg")
}

/// The body of a GET, as text.
pub async fn get_text(http: &reqwest::Client, url: &str) -> String {
    http.get(url).send().await.unwrap().text().await.unwrap()
}

/// The body of a GET, as bytes.
pub async fn get_bytes(http: &reqwest::Client, url: &str) -> bytes::Bytes {
    http.get(url).send().await.unwrap().bytes().await.unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn signed(base: &str, path_and_query: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    format!(
        "{base}{}",
        picsum_signing::Signer::new(KEY).sign_path(path, picsum_url::query::Query::parse(query))
    )
}
