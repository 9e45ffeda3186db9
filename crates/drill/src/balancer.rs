//! HAProxy as the load balancer in front of the replicas, behaving as a Kubernetes Service
//! over ready endpoints does: round robin over the replicas whose `/ready` answers 200
//! (asked every second on their ops port; out after 3 failures, back after 1 success), and
//! a request that could not reach a replica, or got a 503 from one, tried once more on
//! another.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A running HAProxy; stopped on drop.
#[derive(Debug)]
pub struct Balancer {
    child: Child,
}

/// One balanced service: where HAProxy listens and the replicas' ports behind it.
#[derive(Debug, Clone)]
pub struct Pool {
    /// `images`, `api`.
    pub name: &'static str,
    /// The port HAProxy listens on.
    pub listen: u16,
    /// The replicas' ports and ops ports.
    pub replicas: Vec<(u16, u16)>,
}

impl Balancer {
    /// Writes the configuration into `dir` and starts HAProxy in the foreground.
    ///
    /// # Errors
    /// When HAProxy is missing (`scripts/deps.sh --chaos` installs it) or does not listen.
    pub fn start(dir: &Path, pools: &[Pool]) -> anyhow::Result<Self> {
        let conf = dir.join("haproxy.cfg");
        std::fs::write(&conf, config(pools))?;
        let log = std::fs::File::create(dir.join("haproxy.log"))?;
        let child = Command::new(haproxy()?)
            .arg("-db")
            .arg("-f")
            .arg(&conf)
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()
            .context("start haproxy")?;
        let started = Instant::now();
        for pool in pools {
            while std::net::TcpStream::connect(("127.0.0.1", pool.listen)).is_err() {
                if started.elapsed() > Duration::from_secs(10) {
                    bail!("haproxy does not listen; see {}/haproxy.log", dir.display());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(Self { child })
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn haproxy() -> anyhow::Result<PathBuf> {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    candidates
        .into_iter()
        .chain([PathBuf::from("/usr/sbin")])
        .map(|d| d.join("haproxy"))
        .find(|p| p.exists())
        .context("haproxy not found (run scripts/deps.sh --chaos)")
}

fn config(pools: &[Pool]) -> String {
    let mut conf = String::from(
        "global\n  maxconn 4096\n\
         defaults\n  mode http\n  timeout connect 1s\n  timeout client 30s\n\
         \x20 timeout server 30s\n  timeout http-keep-alive 10s\n  retries 1\n\
         \x20 option redispatch 1\n  retry-on conn-failure empty-response 503\n",
    );
    for pool in pools {
        let _ = write!(
            conf,
            "frontend {name}\n  bind 127.0.0.1:{listen}\n  default_backend {name}_replicas\n\
             backend {name}_replicas\n  balance roundrobin\n  option httpchk GET /ready\n\
             \x20 http-check expect status 200\n  default-server inter 1s fall 3 rise 1\n",
            name = pool.name,
            listen = pool.listen,
        );
        for (n, (port, ops)) in pool.replicas.iter().enumerate() {
            let _ = writeln!(conf, "  server r{n} 127.0.0.1:{port} check port {ops}");
        }
    }
    conf
}
