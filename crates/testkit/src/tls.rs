//! Throwaway certificate authorities for servers that speak TLS in tests: a CA made at test
//! time with the `openssl` program, and a server certificate it signed for `127.0.0.1` and
//! `localhost`, so that clients can verify the full chain and the name (`verify-full`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::TempDir;

/// A CA and one server certificate, in PEM files under a folder removed on drop.
#[derive(Debug)]
pub struct TestCa {
    dir: TempDir,
}

impl TestCa {
    /// Makes a new CA named `name` and a server certificate it signed.
    pub fn new(name: &str) -> Self {
        let dir = TempDir::new(&format!("ca-{name}"));
        let run = |args: &[&str]| {
            let status = Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("openssl (run scripts/deps.sh --services)");
            assert!(status.success(), "openssl {args:?} failed");
        };
        let subject = format!("/CN=picsum test CA {name}");
        run(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &subject,
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ]);
        std::fs::write(
            dir.path().join("server.ext"),
            // Cluster nodes present it as clients of each other, too.
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n",
        )
        .expect("write extensions");
        run(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ]);
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ]);
        Self { dir }
    }

    /// The CA's certificate: what a client trusts.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The server's certificate and key.
    pub fn server(&self) -> (PathBuf, PathBuf) {
        (
            self.dir.path().join("server.pem"),
            self.dir.path().join("server.key"),
        )
    }

    /// The folder holding the files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}
