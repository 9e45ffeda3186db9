//! A real Google Cloud Storage emulator (`fake-gcs-server`, the JSON API over plain HTTP)
//! over a throwaway folder, reached through `object_store`'s own settings for a custom
//! endpoint: a service-account key with `gcs_base_url` and `disable_oauth`.
//!
//! The emulator serves object_store's reads (the XML API's GET and HEAD) but not its writes
//! (an XML `PUT` lands on the JSON upload handler and is refused), so objects are seeded
//! from files at start-up.

use std::process::{Child, Command, Stdio};

use crate::{TempDir, find_program, free_port, wait_for_port};

/// A running `fake-gcs-server` with a filesystem backend: objects survive a restart.
#[derive(Debug)]
pub struct GcsServer {
    child: Option<Child>,
    port: u16,
    root: TempDir,
}

impl GcsServer {
    /// Starts a server with one bucket named `bucket` holding `objects` (name, bytes).
    pub fn start(bucket: &str, objects: &[(&str, &[u8])]) -> Self {
        let root = TempDir::new("gcs");
        // Folders under `seed/` are buckets, and their files objects, loaded at start-up.
        let seed = root.path().join("seed").join(bucket);
        for (name, bytes) in objects {
            let file = seed.join(name);
            std::fs::create_dir_all(file.parent().expect("object folder")).expect("seed dir");
            std::fs::write(file, bytes).expect("seed object");
        }
        std::fs::create_dir_all(&seed).expect("bucket dir");
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

    /// The service-account key that points `object_store` at this server, without OAuth.
    pub fn service_account_key(&self) -> String {
        format!(
            r#"{{"gcs_base_url":"{}","disable_oauth":true,"client_email":"","private_key":"","private_key_id":""}}"#,
            self.endpoint()
        )
    }

    /// The `GOOGLE_*` variables a service needs.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("GOOGLE_SERVICE_ACCOUNT_KEY", self.service_account_key()),
            ("GOOGLE_ALLOW_HTTP", "true".into()),
        ]
    }

    /// The same settings as `object_store` option pairs.
    pub fn options(&self) -> Vec<(&'static str, String)> {
        vec![
            ("google_service_account_key", self.service_account_key()),
            ("google_allow_http", "true".into()),
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
        let root = self.root.path();
        let mut child = Command::new(find_program("PICSUM_FAKE_GCS", "fake-gcs-server"))
            .args(["-scheme", "http", "-host", "127.0.0.1"])
            .args(["-port", &self.port.to_string()])
            // The XML API (object_store's) answers only on the public host.
            .args(["-public-host", &format!("127.0.0.1:{}", self.port)])
            .args(["-backend", "filesystem", "-log-level", "error"])
            .arg("-filesystem-root")
            .arg(root.join("objects"))
            .arg("-data")
            .arg(root.join("seed"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start fake-gcs-server");
        wait_for_port(self.port, "fake-gcs-server", &mut child);
        self.child = Some(child);
    }
}

impl Drop for GcsServer {
    fn drop(&mut self) {
        self.stop();
    }
}
