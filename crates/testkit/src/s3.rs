//! A real S3-protocol server (`s3s-fs`) over a throwaway folder.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::{TempDir, find_program, free_port, wait_for_port};

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
