//! Real servers for tests, never mocks: each helper starts the actual program as a plain
//! process on `127.0.0.1`, on a free port, with a throwaway data folder, and stops it and
//! removes the folder on drop. `scripts/deps.sh --services` installs the programs.
//!
//! * [`S3Server`], `s3s-fs` (SigV4, path-style), found through `PICSUM_S3S_FS`, the
//!   workspace's `.tools/bin` or `PATH`.
//! * [`RedisServer`], `redis-server`; [`RedisCluster`], three of them joined by `redis-cli`.
//! * [`Postgres`], PostgreSQL 15 from Debian, run as the `postgres` user when we are root.
//!
//! Helpers panic with a clear message when a program is missing: a test that needs a real
//! server must fail, not pass silently, when it cannot have one.
#![expect(clippy::expect_used, reason = "test support fails loudly")]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

fn wait_for_port(port: u16, what: &str, child: &mut Child) {
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

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn find_program(env: &str, name: &str) -> PathBuf {
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

/// A running `s3s-fs`: an S3-protocol server over a folder.
#[derive(Debug)]
pub struct S3Server {
    child: Option<Child>,
    port: u16,
    root: TempDir,
}

/// Access key of every test S3 server.
pub const S3_ACCESS_KEY: &str = "picsum-test";
/// Secret key of every test S3 server.
pub const S3_SECRET_KEY: &str = "picsum-test-secret";

impl S3Server {
    /// Starts a server with one empty bucket named `bucket`.
    pub fn start(bucket: &str) -> Self {
        let root = TempDir::new("s3");
        std::fs::create_dir_all(root.path().join(bucket)).expect("bucket dir");
        let mut server = Self {
            child: None,
            port: free_port(),
            root,
        };
        server.resume();
        server
    }

    /// `http://127.0.0.1:port`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The folder of a bucket: files put there are objects.
    pub fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.path().join(bucket)
    }

    /// The `AWS_*` variables a client needs (path-style, plain HTTP).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", S3_ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", S3_SECRET_KEY.into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    /// The same settings as `object_store` option pairs.
    pub fn options(&self) -> Vec<(&'static str, String)> {
        vec![
            ("aws_access_key_id", S3_ACCESS_KEY.into()),
            ("aws_secret_access_key", S3_SECRET_KEY.into()),
            ("aws_region", "us-east-1".into()),
            ("aws_endpoint", self.endpoint()),
            ("aws_allow_http", "true".into()),
        ]
    }

    /// Stops the server (an outage); objects stay on disk.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn resume(&mut self) {
        let mut child = Command::new(find_program("PICSUM_S3S_FS", "s3s-fs"))
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", S3_ACCESS_KEY, "--secret-key", S3_SECRET_KEY])
            .arg(self.root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start s3s-fs");
        wait_for_port(self.port, "s3s-fs", &mut child);
        self.child = Some(child);
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A running `redis-server` (no persistence).
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: TempDir,
}

impl RedisServer {
    /// Starts a server.
    pub fn start() -> Self {
        let mut server = Self {
            child: None,
            port: free_port(),
            dir: TempDir::new("redis"),
        };
        server.resume();
        server
    }

    /// `redis://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
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
        let mut child = Command::new(find_program("PICSUM_REDIS_SERVER", "redis-server"))
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
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
}

impl RedisCluster {
    /// Starts three nodes and joins them with `redis-cli --cluster create`.
    pub fn start() -> Self {
        let dir = TempDir::new("redis-cluster");
        let server = find_program("PICSUM_REDIS_SERVER", "redis-server");
        let mut nodes = Vec::new();
        let mut ports = Vec::new();
        for n in 0..3 {
            let port = free_port();
            let node_dir = dir.path().join(format!("node{n}"));
            std::fs::create_dir_all(&node_dir).expect("node dir");
            let mut child = Command::new(&server)
                .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
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
        let status = Command::new(find_program("PICSUM_REDIS_CLI", "redis-cli"))
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
        };
        cluster.wait_until_ok();
        cluster
    }

    fn wait_until_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let cli = find_program("PICSUM_REDIS_CLI", "redis-cli");
        for port in &self.ports {
            loop {
                let out = Command::new(&cli)
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

    /// `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`.
    pub fn url(&self) -> String {
        let nodes: Vec<String> = self
            .ports
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        format!("redis+cluster://{}", nodes.join(","))
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for child in &mut self.nodes {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A PostgreSQL 15 server with trust authentication, user and database `picsum`, on a
/// throwaway data folder (under `/dev/shm` when it exists: cluster creation is much faster
/// there). As root, the server runs as the `postgres` system user: PostgreSQL refuses root.
#[derive(Debug)]
pub struct Postgres {
    port: u16,
    data: PathBuf,
    bin: PathBuf,
    running: bool,
}

impl Postgres {
    /// Creates and starts a cluster.
    pub fn start() -> Self {
        let bin = std::env::var("PICSUM_PG_BIN").map_or_else(
            |_| PathBuf::from("/usr/lib/postgresql/15/bin"),
            PathBuf::from,
        );
        assert!(
            bin.join("initdb").exists(),
            "PostgreSQL not found in {} (run scripts/deps.sh --services)",
            bin.display()
        );
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let data = base.join(format!("picsum-pg-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data).expect("pg data dir");
        let pg = Self {
            port: free_port(),
            data,
            bin,
            running: false,
        };
        if is_root() {
            let status = Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(&pg.data)
                .status()
                .expect("chown");
            assert!(status.success(), "chown of the data dir failed");
        }
        let status = pg
            .command("initdb")
            .args(["-D"])
            .arg(&pg.data)
            .args([
                "-U",
                "picsum",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("initdb");
        assert!(status.success(), "initdb failed");
        let mut pg = pg;
        pg.resume();
        let status = pg
            .command("createdb")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &pg.port.to_string(),
                "-U",
                "picsum",
                "picsum",
            ])
            .status()
            .expect("createdb");
        assert!(status.success(), "createdb failed");
        pg
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    /// `postgres://picsum@127.0.0.1:port/picsum`.
    pub fn url(&self) -> String {
        format!("postgres://picsum@127.0.0.1:{}/picsum", self.port)
    }

    /// Stops the server (an outage); data stays.
    pub fn stop(&mut self) {
        if self.running {
            let _ = self
                .command("pg_ctl")
                .arg("-D")
                .arg(&self.data)
                .args(["-m", "fast", "-w", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            self.running = false;
        }
    }

    /// Starts it again on the same port.
    pub fn resume(&mut self) {
        let options = format!(
            "-h 127.0.0.1 -p {} -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            self.port,
            self.data.display()
        );
        let status = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-o", &options, "-l"])
            .arg(self.data.join("server.log"))
            .args(["-w", "start"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("pg_ctl start");
        assert!(
            status.success(),
            "pg_ctl start failed; see {}/server.log",
            self.data.display()
        );
        self.running = true;
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}
