//! Steady mixed load, as clients use the service: the Picsum flow through the API (302 to a
//! signed image URL, followed, the JPEG decoded and its size checked), the catalog's JSON,
//! picfit and pixlserv renders on the image service, and uploads whose acknowledgement is
//! remembered so a drill can check later that none was lost. Every answer is logged with
//! its time.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};

/// What a request exercised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `/id/{id}/{w}/{h}` on the API, redirect followed, JPEG decoded.
    Picsum,
    /// `/{w}/{h}` (a random photo), followed and decoded.
    Random,
    /// `/v2/list` and `/id/{id}/info`: the catalog.
    Catalog,
    /// picfit's `/display` on the image service.
    Picfit,
    /// pixlserv's `/image/w_{w}/…`.
    Pixlserv,
    /// A picfit upload.
    Upload,
}

/// One answered (or failed) request.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// When it finished, from the run's start.
    pub at: Duration,
    /// What it exercised.
    pub kind: Kind,
    /// The answer was right (status, body, image).
    pub ok: bool,
    /// Its status; 0 when no answer came (refused, reset, timed out).
    pub status: u16,
    /// How long it took.
    pub latency: Duration,
}

/// Where the load goes and what the catalog holds.
#[derive(Debug, Clone)]
pub struct Target {
    /// The API (or its balancer).
    pub api: String,
    /// The image service (or its balancer).
    pub images: String,
    /// Catalog ids.
    pub ids: Vec<String>,
    /// A JPEG to upload.
    pub upload: Vec<u8>,
}

/// Load running on the tokio runtime until [`Load::stop`].
pub struct Load {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    outcomes: Arc<Mutex<Vec<Outcome>>>,
    uploads: Arc<Mutex<Vec<String>>>,
}

struct Worker {
    http: reqwest::Client,
    target: Arc<Target>,
    epoch: Instant,
    counter: Arc<AtomicU64>,
    outcomes: Arc<Mutex<Vec<Outcome>>>,
    uploads: Arc<Mutex<Vec<String>>>,
}

impl Load {
    /// Starts `clients` clients, each sending one request after the other.
    pub fn start(target: Target, clients: usize, epoch: Instant) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let uploads = Arc::new(Mutex::new(Vec::new()));
        let target = Arc::new(target);
        let counter = Arc::new(AtomicU64::new(0));
        let tasks = (0..clients)
            .map(|_| {
                let worker = Worker {
                    http: client(),
                    target: Arc::clone(&target),
                    epoch,
                    counter: Arc::clone(&counter),
                    outcomes: Arc::clone(&outcomes),
                    uploads: Arc::clone(&uploads),
                };
                let stop = Arc::clone(&stop);
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        worker.one().await;
                    }
                })
            })
            .collect();
        Self {
            stop,
            tasks,
            outcomes,
            uploads,
        }
    }

    /// The outcomes so far.
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.outcomes.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// Uploads acknowledged so far (their stored paths).
    pub fn uploads(&self) -> Vec<String> {
        self.uploads.lock().map(|u| u.clone()).unwrap_or_default()
    }

    /// Stops the clients after their current request.
    pub async fn stop(mut self) -> Vec<Outcome> {
        self.stop.store(true, Ordering::Relaxed);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
        self.outcomes()
    }
}

/// A client as browsers and CDNs are: follows redirects, gives up after 15 s.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .pool_max_idle_per_host(4)
        .build()
        .unwrap_or_default()
}

impl Worker {
    async fn one(&self) {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let kind = match n % 20 {
            0..=6 => Kind::Picsum,
            7..=9 => Kind::Random,
            10..=12 => Kind::Catalog,
            13..=15 => Kind::Picfit,
            16..=18 => Kind::Pixlserv,
            _ => Kind::Upload,
        };
        let started = Instant::now();
        let (ok, status) = match kind {
            Kind::Upload => self.upload(n).await,
            _ => self.get(kind).await,
        };
        let outcome = Outcome {
            at: self.epoch.elapsed(),
            kind,
            ok,
            status,
            latency: started.elapsed(),
        };
        if let Ok(mut outcomes) = self.outcomes.lock() {
            outcomes.push(outcome);
        }
        if !ok {
            // A failing service is not hammered in a tight loop.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Whether the answer was right, and its status.
    async fn get(&self, kind: Kind) -> (bool, u16) {
        let t = &self.target;
        let Some(id) = fastrand::choice(&t.ids) else {
            return (false, 0);
        };
        let (w, h) = (fastrand::u32(40..=400), fastrand::u32(40..=400));
        let (url, size) = match kind {
            Kind::Picsum => (format!("{}/id/{id}/{w}/{h}", t.api), Some((w, h))),
            Kind::Random => (format!("{}/{w}/{h}", t.api), Some((w, h))),
            Kind::Catalog if w % 2 == 0 => (format!("{}/v2/list?limit=5", t.api), None),
            Kind::Catalog => (format!("{}/id/{id}/info", t.api), None),
            Kind::Picfit => (
                format!(
                    "{}/display?path={id}.jpg&op=thumbnail&w={w}&h={h}&fmt=jpg",
                    t.images
                ),
                Some((w, h)),
            ),
            _ => (format!("{}/image/w_{w}/{id}.jpg", t.images), None),
        };
        let Ok(res) = self.http.get(&url).send().await else {
            return (false, 0);
        };
        let status = res.status().as_u16();
        let Ok(body) = res.bytes().await else {
            return (false, status);
        };
        let right = status == 200
            && match (kind, size) {
                (Kind::Catalog, _) => serde_json::from_slice::<serde_json::Value>(&body).is_ok(),
                (_, Some(size)) => jpeg_size(&body) == Some(size),
                _ => jpeg_size(&body).is_some_and(|(got, _)| got == w),
            };
        (right, status)
    }

    async fn upload(&self, n: u64) -> (bool, u16) {
        let name = format!("drill-{}-{n}.jpg", std::process::id());
        let form = Form::new().part(
            "data",
            Part::bytes(self.target.upload.clone()).file_name(name.clone()),
        );
        let url = format!("{}/upload", self.target.images);
        let Ok(res) = self.http.post(url).multipart(form).send().await else {
            return (false, 0);
        };
        let status = res.status().as_u16();
        let body = res.bytes().await.unwrap_or_default();
        let answer = serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default();
        match answer.get("path").and_then(serde_json::Value::as_str) {
            Some(path) if status == 200 => {
                if let Ok(mut uploads) = self.uploads.lock() {
                    uploads.push(path.to_owned());
                }
                (true, status)
            }
            _ => (false, status),
        }
    }
}

/// The size of a JPEG that decodes whole, or `None`.
pub fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.decode().ok()?;
    let info = decoder.info()?;
    Some((u32::from(info.width), u32::from(info.height)))
}
