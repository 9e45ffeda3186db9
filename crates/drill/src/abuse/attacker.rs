//! The attacker, from its own address (127.0.0.2): workers that each send one expensive
//! request after the other, never the same twice so nothing is cached, and slow readers
//! ([`super::slow`]).
//!
//! * Renders: the API's `/id/{id}/5000/{h}.webp?blur=10`, `/id/{id}/2500/{h}.avif` and
//!   `/id/{id}/5000/{h}.jpg`, the redirect followed and the answer read whole.
//! * Writes (when the service takes them): picfit's `/get?path={id}.jpg&op=resize&w=…&h=…
//!   &fmt=…` on the image service, signed with picfit's key, each a new derivative to store.
//!
//! Every answer is kept with its status and whether it carried `Retry-After`.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use picsum_signing::dialects::picfit_sign;

use super::stage::PICFIT_SECRET;

/// The attacker's source address.
pub const ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// How long the attacker waits for an answer: it is in no hurry, and leaving would let the
/// service cancel the render.
const TIMEOUT: Duration = Duration::from_secs(300);

/// What an attacker request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// An expensive render through the API.
    Render,
    /// A picfit `/get` that stores a derivative.
    Write,
    /// A slow reader's large answer.
    Slow,
}

/// One attacker answer.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    /// What was asked.
    pub kind: Kind,
    /// The status of the last answer (after the redirect); 0 when none came.
    pub status: u16,
    /// Whether it carried `Retry-After`.
    pub retry_after: bool,
}

/// Where the attacker aims, and what it shares between its workers.
#[derive(Clone)]
pub struct Aim {
    /// The API's base URL.
    pub api: String,
    /// The image service's base URL.
    pub images: String,
    /// Catalog ids.
    pub ids: Arc<Vec<String>>,
    /// Numbers every request's size, so none is asked twice.
    pub counter: Arc<AtomicU64>,
    /// Every answer so far.
    pub answers: Arc<Mutex<Vec<Answer>>>,
    /// Set when the attack ends.
    pub stop: Arc<AtomicBool>,
    /// The service speaks picfit (and takes writes).
    pub picfit: bool,
    /// Requests sent, by [`Kind`] (renders, writes, slow readers).
    pub sent: Arc<[AtomicU64; 3]>,
}

impl Aim {
    /// Keeps an answer.
    pub fn record(&self, kind: Kind, status: u16, retry_after: bool) {
        if let Ok(mut answers) = self.answers.lock() {
            answers.push(Answer {
                kind,
                status,
                retry_after,
            });
        }
    }

    /// Counts a request of `kind` as sent.
    pub fn send(&self, kind: Kind) {
        if let Some(sent) = self.sent.get(kind as usize) {
            sent.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Requests sent, by kind.
    pub fn sent(&self) -> [u64; 3] {
        [0, 1, 2].map(|i| self.sent.get(i).map_or(0, |s| s.load(Ordering::Relaxed)))
    }

    /// A catalog id at random.
    pub fn id(&self) -> &str {
        fastrand::choice(self.ids.iter()).map_or("0", String::as_str)
    }

    /// The next request number.
    pub fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }
}

/// Starts `renders` render workers and `writes` write workers.
///
/// # Errors
/// When the HTTP client cannot be built.
pub fn start(
    aim: &Aim,
    renders: usize,
    writes: usize,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let http = super::http::client(ADDRESS, TIMEOUT, true)?;
    let kinds =
        std::iter::repeat_n(Kind::Render, renders).chain(std::iter::repeat_n(Kind::Write, writes));
    Ok(kinds
        .map(|kind| {
            let (aim, http) = (aim.clone(), http.clone());
            tokio::spawn(async move {
                while !aim.stop.load(Ordering::Relaxed) {
                    let url = match kind {
                        Kind::Write => write_url(&aim),
                        _ => render_url(&aim),
                    };
                    aim.send(kind);
                    let (status, retry_after) = send(&http, &url).await;
                    aim.record(kind, status, retry_after);
                    if status == 0 {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            })
        })
        .collect())
}

/// An expensive render never asked before, on the API.
fn render_url(aim: &Aim) -> String {
    let (n, id) = (aim.next(), aim.id());
    let path = match n % 3 {
        0 => format!("/id/{id}/5000/{}.webp?blur=10", 1000 + n % 4000),
        // AVIF is limited to 2500x2500.
        1 => format!("/id/{id}/2500/{}.avif", 1000 + n % 1500),
        _ => format!("/id/{id}/5000/{}.jpg", 1000 + n % 4000),
    };
    format!("{}{path}", aim.api)
}

/// A picfit `/get` that stores a new large derivative, signed as picfit signs.
fn write_url(aim: &Aim) -> String {
    let (n, id) = (aim.next(), aim.id());
    let w = 2500 + n % 2500;
    let h = w * 2 / 3;
    let fmt = match n % 3 {
        0 => "jpg",
        1 => "png",
        _ => "webp",
    };
    let query = picfit_signed(&format!("fmt={fmt}&h={h}&op=resize&path={id}.jpg&w={w}"));
    format!("{}/get?{query}", aim.images)
}

/// picfit parameters, sorted by name as Go's `url.Values.Encode` writes them, with their
/// `sig`.
pub fn picfit_signed(sorted: &str) -> String {
    let sig = picfit_sign(PICFIT_SECRET.as_bytes(), sorted);
    format!("{sorted}&sig={sig}")
}

/// Sends a GET and reads the answer whole: its status (0: none) and whether it carried
/// `Retry-After`.
async fn send(http: &reqwest::Client, url: &str) -> (u16, bool) {
    let Ok(res) = http.get(url).send().await else {
        return (0, false);
    };
    let status = res.status().as_u16();
    let retry_after = res.headers().contains_key(reqwest::header::RETRY_AFTER);
    let _ = res.bytes().await;
    (status, retry_after)
}
