//! Real Redis: one `redis-server` (plain, or TLS-only with a certificate from a
//! [`TestCa`]), or a three-master Redis Cluster.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::tls::TestCa;
use crate::{TempDir, find_program, free_port, wait_for_port};

/// A running `redis-server` (no persistence).
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: TempDir,
    /// Certificate, key and CA when it speaks TLS only.
    tls: Option<(PathBuf, PathBuf, PathBuf)>,
}

impl RedisServer {
    /// Starts a server.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts a server that speaks TLS only (no plain port), with a certificate `ca`
    /// signed for `127.0.0.1`.
    pub fn start_tls(ca: &TestCa) -> Self {
        let (cert, key) = ca.server();
        Self::start_with(Some((cert, key, ca.ca())))
    }

    fn start_with(tls: Option<(PathBuf, PathBuf, PathBuf)>) -> Self {
        let mut server = Self {
            child: None,
            port: free_port(),
            dir: TempDir::new("redis"),
            tls,
        };
        server.resume();
        server
    }

    /// `redis://127.0.0.1:port`, or `rediss://…` for a TLS server.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Kills the server (an outage).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (empty).
    pub fn resume(&mut self) {
        let mut command = Command::new(find_program("PICSUM_REDIS_SERVER", "redis-server"));
        command.args(["--bind", "127.0.0.1"]);
        match &self.tls {
            None => command.args(["--port", &self.port.to_string()]),
            Some((cert, key, ca)) => command
                .args(["--port", "0", "--tls-port", &self.port.to_string()])
                .arg("--tls-cert-file")
                .arg(cert)
                .arg("--tls-key-file")
                .arg(key)
                .arg("--tls-ca-cert-file")
                .arg(ca)
                .args(["--tls-auth-clients", "no"]),
        };
        let mut child = command
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        wait_for_port(self.port, "redis-server", &mut child);
        self.child = Some(child);
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A three-master Redis Cluster (no replicas), every node a `redis-server` process.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<Child>,
    ports: Vec<u16>,
    _dir: TempDir,
    /// The CA when the nodes speak TLS only (to clients and to each other).
    ca: Option<PathBuf>,
}

impl RedisCluster {
    /// Starts three nodes and joins them with `redis-cli --cluster create`.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts three nodes that speak TLS only, to clients and on the cluster bus, with
    /// certificates `ca` signed for `127.0.0.1`.
    pub fn start_tls(ca: &TestCa) -> Self {
        Self::start_with(Some(ca))
    }

    /// `redis-cli`, speaking TLS when the nodes do.
    fn cli(&self) -> Command {
        cli(self.ca.as_deref())
    }

    fn start_with(ca: Option<&TestCa>) -> Self {
        let dir = TempDir::new("redis-cluster");
        let server = find_program("PICSUM_REDIS_SERVER", "redis-server");
        let mut nodes = Vec::new();
        let mut ports = Vec::new();
        for n in 0..3 {
            let port = free_port();
            let node_dir = dir.path().join(format!("node{n}"));
            std::fs::create_dir_all(&node_dir).expect("node dir");
            let mut command = Command::new(&server);
            command.args(["--bind", "127.0.0.1"]);
            match ca {
                None => command.args(["--port", &port.to_string()]),
                Some(ca) => {
                    let (cert, key) = ca.server();
                    command
                        .args(["--port", "0", "--tls-port", &port.to_string()])
                        .arg("--tls-cert-file")
                        .arg(cert)
                        .arg("--tls-key-file")
                        .arg(key)
                        .arg("--tls-ca-cert-file")
                        .arg(ca.ca())
                        .args(["--tls-auth-clients", "no", "--tls-cluster", "yes"])
                        // With no plain port the bus port would be 10000 for every node.
                        .args(["--cluster-port", &free_port().to_string()])
                }
            };
            let mut child = command
                .args([
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                ])
                .args(["--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(&node_dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start redis cluster node");
            wait_for_port(port, "redis cluster node", &mut child);
            nodes.push(child);
            ports.push(port);
        }
        let addrs: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let ca = ca.map(TestCa::ca);
        let status = cli(ca.as_deref())
            .arg("--cluster")
            .arg("create")
            .args(&addrs)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli --cluster create");
        assert!(
            status.success(),
            "redis-cli --cluster create failed: {status}"
        );
        let cluster = Self {
            nodes,
            ports,
            _dir: dir,
            ca,
        };
        cluster.wait_until_ok();
        cluster
    }

    fn wait_until_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        for port in &self.ports {
            loop {
                let out = self
                    .cli()
                    .args(["-p", &port.to_string(), "cluster", "info"])
                    .output()
                    .expect("redis-cli cluster info");
                if String::from_utf8_lossy(&out.stdout).contains("cluster_state:ok") {
                    break;
                }
                assert!(Instant::now() < deadline, "cluster not ok within 20 s");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3` (`rediss+cluster://` for
    /// TLS nodes).
    pub fn url(&self) -> String {
        let nodes: Vec<String> = self
            .ports
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        let scheme = if self.ca.is_some() { "rediss" } else { "redis" };
        format!("{scheme}+cluster://{}", nodes.join(","))
    }
}

/// `redis-cli`, over TLS trusting `ca` when given.
fn cli(ca: Option<&std::path::Path>) -> Command {
    let mut command = Command::new(find_program("PICSUM_REDIS_CLI", "redis-cli"));
    if let Some(ca) = ca {
        command.arg("--tls").arg("--cacert").arg(ca);
    }
    command
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for child in &mut self.nodes {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
