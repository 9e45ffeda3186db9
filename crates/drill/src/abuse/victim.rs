//! The victim: an ordinary Picsum client from its own address (127.0.0.3). Each of its
//! workers asks the API for a common size (`/{w}/{h}`, `/id/{id}/{w}/{h}`,
//! `/seed/{seed}/{w}/{h}`, some with `?grayscale` or `?blur=2`), follows the 302 to the
//! image service, reads the JPEG and decodes it. A request is timed from its start to the
//! last byte of the image (decoding is not timed); anything but a 200 from the image
//! service holding a JPEG of the asked size is an error.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::load::jpeg_size;

/// The victim's source address.
pub const ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));

/// How long the victim waits for one answer, as a browser might.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// Sizes people ask Picsum for.
const SIZES: [(u32, u32); 5] = [(200, 300), (400, 300), (640, 480), (800, 600), (1200, 800)];

/// One victim request.
#[derive(Debug, Clone)]
pub struct Sample {
    /// When it started, from the run's start.
    pub started: Duration,
    /// From its start to the image's last byte (or to the failure).
    pub latency: Duration,
    /// What went wrong (`status 503`, `no answer`, `not a JPEG`, …), if anything did.
    pub error: Option<String>,
}

/// The victim's workers, running until [`Victim::stop`].
pub struct Victim {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    samples: Arc<Mutex<Vec<Sample>>>,
}

struct Worker {
    http: reqwest::Client,
    api: String,
    images: String,
    ids: Arc<Vec<String>>,
    epoch: Instant,
    counter: Arc<AtomicU64>,
}

impl Victim {
    /// Starts `concurrency` workers, each sending one request after the other.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn start(
        (api, images): (&str, &str),
        ids: Arc<Vec<String>>,
        concurrency: usize,
        epoch: Instant,
    ) -> anyhow::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::new()));
        let counter = Arc::new(AtomicU64::new(0));
        let http = super::http::client(ADDRESS, TIMEOUT, true)?;
        let tasks = (0..concurrency)
            .map(|_| {
                let worker = Worker {
                    http: http.clone(),
                    api: api.to_owned(),
                    images: images.to_owned(),
                    ids: Arc::clone(&ids),
                    epoch,
                    counter: Arc::clone(&counter),
                };
                let (stop, samples) = (Arc::clone(&stop), Arc::clone(&samples));
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let sample = worker.one().await;
                        let failed = sample.error.is_some();
                        if let Ok(mut samples) = samples.lock() {
                            samples.push(sample);
                        }
                        if failed {
                            // A failing service is not hammered in a tight loop.
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                })
            })
            .collect();
        Ok(Self {
            stop,
            tasks,
            samples,
        })
    }

    /// Stops the workers after their current request (which is kept) and returns every
    /// sample.
    pub async fn stop(mut self) -> Vec<Sample> {
        self.stop.store(true, Ordering::Relaxed);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
        self.samples.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Worker {
    /// The `n`-th request's path on the API and the size it asks for.
    fn path(&self, n: u64) -> (String, (u32, u32)) {
        let (w, h) = fastrand::choice(SIZES).unwrap_or((640, 480));
        let id = fastrand::choice(self.ids.iter()).map_or("0", String::as_str);
        let path = match n % 3 {
            0 => format!("/{w}/{h}"),
            1 => format!("/id/{id}/{w}/{h}"),
            _ => format!("/seed/victim-{}/{w}/{h}", fastrand::u32(..100)),
        };
        let query = match fastrand::u8(..6) {
            0 => "?grayscale",
            1 => "?blur=2",
            _ => "",
        };
        (format!("{path}{query}"), (w, h))
    }

    async fn one(&self) -> Sample {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let (path, size) = self.path(n);
        let started = self.epoch.elapsed();
        let clock = Instant::now();
        let fetched = self.fetch(&path).await;
        let latency = clock.elapsed();
        let error = match fetched {
            Err(error) => Some(error),
            Ok(body) => match tokio::task::spawn_blocking(move || jpeg_size(&body)).await {
                Ok(Some(got)) if got == size => None,
                Ok(Some((w, h))) => Some(format!("size {w}x{h}")),
                _ => Some("not a JPEG".to_owned()),
            },
        };
        Sample {
            started,
            latency,
            error,
        }
    }

    /// The image's bytes, or what went wrong.
    async fn fetch(&self, path: &str) -> Result<Vec<u8>, String> {
        let res = self
            .http
            .get(format!("{}{path}", self.api))
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "timeout"
                } else {
                    "no answer"
                }
                .to_owned()
            })?;
        let status = res.status().as_u16();
        if !res.url().as_str().starts_with(&self.images) {
            return Err(format!("status {status} from the API"));
        }
        if status != 200 {
            return Err(format!("status {status}"));
        }
        res.bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|_| "body cut".to_owned())
    }
}
