//! A real PgBouncer (Debian's) in transaction mode in front of a [`Postgres`], the way
//! managed PostgreSQL offers connection pools: server connections are shared between
//! clients transaction by transaction, so session state (named prepared statements,
//! advisory locks) does not survive from one statement to the next.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::{Postgres, TempDir, free_port, wait_for_port};

/// A running `pgbouncer` with `pool_mode = transaction` and two server connections.
#[derive(Debug)]
pub struct PgBouncer {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl PgBouncer {
    /// Starts one in front of `pg` (database and user `picsum`, no password).
    pub fn start(pg: &Postgres) -> Self {
        let program = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .expect("pgbouncer not found (run scripts/deps.sh --services)");
        let dir = TempDir::new("pgbouncer");
        let port = free_port();
        let ini = format!(
            "[databases]\npicsum = host=127.0.0.1 port={pg_port} dbname=picsum user=picsum\n\
             [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
             auth_type = trust\nauth_file = {dir}/users.txt\npool_mode = transaction\n\
             default_pool_size = 2\nmax_client_conn = 100\nlogfile = {dir}/pgbouncer.log\n",
            pg_port = pg.port(),
            dir = dir.path().display(),
        );
        std::fs::write(dir.path().join("pgbouncer.ini"), ini).expect("write pgbouncer.ini");
        std::fs::write(dir.path().join("users.txt"), "\"picsum\" \"\"\n").expect("users");
        // PgBouncer refuses to run as root: as root, it runs as the `postgres` user.
        let mut command = if crate::postgres::is_root() {
            let status = Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(status.success(), "chown of the pgbouncer dir failed");
            // setpriv executes the program itself, so killing the child kills PgBouncer.
            let mut c = Command::new("setpriv");
            c.args(["--reuid=postgres", "--regid=postgres", "--init-groups"])
                .arg(program);
            c
        } else {
            Command::new(program)
        };
        let mut child = command
            .arg(dir.path().join("pgbouncer.ini"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pgbouncer");
        wait_for_port(port, "pgbouncer", &mut child);
        Self {
            child,
            port,
            _dir: dir,
        }
    }

    /// `postgres://picsum@127.0.0.1:port/picsum`: the pool's address.
    pub fn url(&self) -> String {
        format!("postgres://picsum@127.0.0.1:{}/picsum", self.port)
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
