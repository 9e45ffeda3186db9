//! One replica of a service binary on fixed ports, so it can be killed, stopped and started
//! again where the load balancer expects it. Its log goes to a file, never to a pipe that
//! could fill.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A service process and what it needs to start again.
#[derive(Debug)]
pub struct Replica {
    /// `image-1`, `api-2`, …: for the report and the log's name.
    pub name: String,
    binary: PathBuf,
    env: Vec<(String, String)>,
    /// The port it serves on.
    pub port: u16,
    /// The port of its `/live`, `/ready` and `/metrics`.
    pub ops_port: u16,
    log: PathBuf,
    child: Option<Child>,
}

impl Replica {
    /// A replica of `binary` that will listen on `port` and `ops_port` (the caller puts them
    /// in `env` under the service's own names).
    pub fn new(
        name: &str,
        binary: PathBuf,
        env: Vec<(String, String)>,
        (port, ops_port): (u16, u16),
        logs: &Path,
    ) -> Self {
        Self {
            name: name.to_owned(),
            binary,
            env,
            port,
            ops_port,
            log: logs.join(format!("{name}.log")),
            child: None,
        }
    }

    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its log file.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Its process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Starts it and waits until `/live` answers.
    ///
    /// # Errors
    /// When it cannot start or is not live within 30 s (its log says why).
    pub fn start(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let child = Command::new(&self.binary)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()
            .with_context(|| format!("start {}", self.binary.display()))?;
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if answers_200(self.ops_port, "/live") {
                return Ok(());
            }
            if let Some(Some(status)) = self.child.as_mut().map(|c| c.try_wait().ok().flatten()) {
                bail!(
                    "{} exited with {status}; see {}",
                    self.name,
                    self.log.display()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!(
            "{} not live after 30 s; see {}",
            self.name,
            self.log.display()
        )
    }

    /// Waits until `/ready` answers 200 (its first health check passed).
    ///
    /// # Errors
    /// When it is not ready within 30 s.
    pub fn wait_ready(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        while !answers_200(self.ops_port, "/ready") {
            if started.elapsed() > Duration::from_secs(30) {
                bail!(
                    "{} not ready after 30 s; see {}",
                    self.name,
                    self.log.display()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// `kill -9`: the process is gone at once, in the middle of whatever it did.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `SIGTERM`, as Kubernetes stops a pod, and waits up to `grace` for it to exit (then
    /// kills it). Returns how long it took to exit by itself, if it did.
    pub fn terminate(&mut self, grace: Duration) -> Option<Duration> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let asked = Instant::now();
        while asked.elapsed() < grace {
            if let Ok(Some(_)) = child.try_wait() {
                return Some(asked.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether `path` on `port` answers 200, asked with a bare HTTP/1.0 request.
fn answers_200(port: u16, path: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.ends_with(b"200")
}

/// The last `lines` lines of each replica's log, each under its name.
pub fn log_tails<'a>(replicas: impl IntoIterator<Item = &'a Replica>, lines: usize) -> String {
    let mut out = String::new();
    for replica in replicas {
        let log = std::fs::read_to_string(replica.log()).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        out.push_str(&format!("== {}\n", replica.name));
        for line in all.iter().skip(all.len().saturating_sub(lines)) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
