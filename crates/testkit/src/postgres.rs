//! A real PostgreSQL 15 server on a throwaway data folder, plain or TLS-only.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::free_port;
use crate::tls::TestCa;

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
        Self::start_with(None)
    }

    /// Creates and starts a cluster that accepts TLS connections only (`hostssl`; plain
    /// ones are rejected), with a certificate `ca` signed for `127.0.0.1`.
    pub fn start_tls(ca: &TestCa) -> Self {
        Self::start_with(Some(ca))
    }

    fn start_with(ca: Option<&TestCa>) -> Self {
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
        if let Some(ca) = ca {
            pg.require_tls(ca);
        }
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

    /// Server certificate in the data folder, `ssl = on`, and TCP clients only over TLS.
    fn require_tls(&self, ca: &TestCa) {
        let (cert, key) = ca.server();
        std::fs::copy(cert, self.data.join("server.pem")).expect("copy certificate");
        std::fs::copy(key, self.data.join("server.key")).expect("copy key");
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(
            self.data.join("server.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .expect("key permissions");
        let conf = self.data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).expect("postgresql.conf");
        text.push_str("\nssl = on\nssl_cert_file = 'server.pem'\nssl_key_file = 'server.key'\n");
        std::fs::write(&conf, text).expect("write postgresql.conf");
        std::fs::write(
            self.data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 0.0.0.0/0 reject\n",
        )
        .expect("write pg_hba.conf");
        if is_root() {
            let status = Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(&self.data)
                .status()
                .expect("chown");
            assert!(status.success(), "chown of the data dir failed");
        }
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

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `postgres://picsum@127.0.0.1:port/picsum`.
    pub fn url(&self) -> String {
        format!("postgres://picsum@127.0.0.1:{}/picsum", self.port)
    }

    /// The URL with `sslmode=verify-full` against the CA certificate at `ca`.
    pub fn url_verified_by(&self, ca: &Path) -> String {
        format!(
            "{}?sslmode=verify-full&sslrootcert={}",
            self.url(),
            ca.display()
        )
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

    /// Kills the server as a crash would (`SIGKILL` to the postmaster and every backend);
    /// [`Postgres::resume`] then starts it with crash recovery.
    pub fn kill(&mut self) {
        if !self.running {
            return;
        }
        let pid = std::fs::read_to_string(self.data.join("postmaster.pid"))
            .ok()
            .and_then(|s| s.lines().next().map(str::to_owned))
            .unwrap_or_default();
        if !pid.is_empty() {
            // Backends first: they would otherwise outlive the postmaster for a moment and
            // hold the shared memory the next start needs.
            let _ = Command::new("pkill").args(["-9", "-P", &pid]).status();
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
        let gone = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            && gone.elapsed() < std::time::Duration::from_secs(10)
        {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        self.running = false;
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

pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}
