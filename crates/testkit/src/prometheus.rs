//! A real Prometheus (Debian's `prometheus`, found through `PICSUM_PROMETHEUS`), scraping
//! the given targets every second and evaluating the given rule file every second.

use std::fmt::Write as _;
use std::process::{Child, Command, Stdio};

use crate::{TempDir, find_program, free_port, wait_for_port};

/// One Prometheus server; stopped and its data removed on drop.
#[derive(Debug)]
pub struct Prometheus {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Prometheus {
    /// Starts Prometheus scraping each `(job, "host:port")` target's `/metrics`, with the
    /// rules of `rules` (a Prometheus rule file's text).
    pub fn start(targets: &[(&str, &str)], rules: &str) -> Self {
        let dir = TempDir::new("prometheus");
        std::fs::write(dir.path().join("rules.yml"), rules).expect("write rules");
        let mut config = String::from(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             rule_files: [rules.yml]\nscrape_configs:\n",
        );
        for (job, target) in targets {
            let _ = write!(
                config,
                "  - job_name: {job}\n    static_configs:\n      - targets: ['{target}']\n"
            );
        }
        let config_file = dir.path().join("prometheus.yml");
        std::fs::write(&config_file, config).expect("write config");
        let port = free_port();
        let mut child = Command::new(find_program("PICSUM_PROMETHEUS", "prometheus"))
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus");
        wait_for_port(port, "prometheus", &mut child);
        Self {
            child,
            port,
            _dir: dir,
        }
    }

    /// `http://127.0.0.1:port`, the HTTP API's base.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
