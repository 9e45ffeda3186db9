//! Real servers for tests, never mocks: each helper starts the actual program as a plain
//! process on `127.0.0.1`, on a free port, with a throwaway data folder, and stops it and
//! removes the folder on drop. `scripts/deps.sh --services` installs the programs.
//!
//! * [`S3Server`], `s3s-fs` (SigV4, path-style), found through `PICSUM_S3S_FS`, the
//!   workspace's `.tools/bin` or `PATH`.
//! * [`GcsServer`], `fake-gcs-server` (the GCS JSON API over HTTP), found the same way
//!   (`PICSUM_FAKE_GCS`).
//! * [`RedisServer`], `redis-server`; [`RedisCluster`], three of them joined by `redis-cli`.
//! * [`Postgres`], PostgreSQL 15 from Debian, run as the `postgres` user when we are root;
//!   plain, or TLS-only with a certificate from a [`TestCa`] made at test time; and
//!   [`PgBouncer`] in transaction mode in front of one.
//!
//! * [`Prometheus`], Debian's `prometheus`, scraping given targets with given rules.
//! * [`Nginx`], Debian's `nginx-light` as a caching proxy (`proxy_cache`) in front of the
//!   services.
//! * [`OtlpReceiver`], the one stand-in: an OTLP/HTTP JSON receiver (no OpenTelemetry
//!   Collector can be installed here).
//!
//! [`images`] decodes and measures the images tests get back; [`rss`] samples a process's
//! resident memory.
//!
//! Helpers panic with a clear message when a program is missing: a test that needs a real
//! server must fail, not pass silently, when it cannot have one.
#![expect(clippy::expect_used, reason = "test support fails loudly")]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

mod gcs;
pub mod images;
mod nginx;
pub mod openapi;
mod otlp;
mod pgbouncer;
mod postgres;
mod prometheus;
mod redis;
pub mod rss;
mod s3;
mod tls;

pub use gcs::GcsServer;
pub use nginx::Nginx;
pub use otlp::OtlpReceiver;
pub use pgbouncer::PgBouncer;
pub use postgres::Postgres;
pub use prometheus::Prometheus;
pub use redis::{RedisCluster, RedisServer};
pub use s3::{S3_ACCESS_KEY, S3_SECRET_KEY, S3Server};
pub use tls::TestCa;

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A fresh, empty folder removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `<tmp>/picsum-<tag>-<pid>-<n>`.
    pub fn new(tag: &str) -> Self {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("picsum-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn wait_for_port(port: u16, what: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on {port} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn find_program(env: &str, name: &str) -> PathBuf {
    if let Ok(p) = std::env::var(env) {
        return PathBuf::from(p);
    }
    let local = workspace_root().join(".tools/bin").join(name);
    if local.exists() {
        return local;
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.exists())
        })
        .unwrap_or_else(|| panic!("{name} not found (set {env} or run scripts/deps.sh --services)"))
}
