//! Storage of original photos, addressed by key (`{id}.jpg`, `{id}_{500..4500}.jpg`).
//!
//! [`Storage`] is one concrete type over `object_store`, so handlers never know the backend:
//! a local folder (`file:///path`, Picsum's `-storage-path`), S3 and S3-compatible stores
//! such as DigitalOcean Spaces or MinIO (`s3://bucket/prefix`, path-style addressing,
//! credentials and endpoint from the standard `AWS_*` variables), Google Cloud Storage
//! (`gs://bucket/prefix`, `GOOGLE_*` variables) and memory (`memory://`, for tests).
//!
//! Requests to remote stores are bounded (connect 2 s, request 10 s, two quick retries) so an
//! outage surfaces as [`StorageError::Unavailable`] (the services answer 503) instead of a
//! hang; the next request tries again, so service recovers by itself.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ClientOptions, ObjectStore, PutPayload, RetryConfig};

/// The credential variables the stores read from the environment; the binaries also accept
/// each as `NAME_FILE` (a mounted secret, see `picsum_web::config::export_secret_files`).
pub const SECRET_VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "GOOGLE_SERVICE_ACCOUNT_KEY",
];

/// Why an object could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No object under this key.
    #[error("object {0:?} not found")]
    NotFound(String),
    /// The key is not a plain file name.
    #[error("invalid storage key {0:?}")]
    InvalidKey(String),
    /// The object is larger than the configured limit.
    #[error("object {key:?} is {size} bytes, above the {max}-byte limit")]
    TooLarge {
        /// The key.
        key: String,
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The storage URL or its settings are invalid.
    #[error("invalid storage configuration: {0}")]
    Config(String),
    /// The backend failed (I/O, network, credentials).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

/// Originals, from one backend. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    max_object_bytes: u64,
}

impl Storage {
    /// Opens the store a URL names: `file:///path`, `s3://bucket[/prefix]`,
    /// `gs://bucket[/prefix]` or `memory://`.
    ///
    /// # Errors
    /// [`StorageError::Config`] for an unknown scheme or bad settings; a local folder must exist.
    pub fn from_url(url: &str, max_object_bytes: u64) -> Result<Self, StorageError> {
        Self::from_url_with(url, &[], max_object_bytes)
    }

    /// [`Storage::from_url`] with extra `object_store` settings (e.g. `aws_endpoint`,
    /// `aws_access_key_id`) applied over the environment's.
    ///
    /// # Errors
    /// As [`Storage::from_url`], and for an unknown setting.
    pub fn from_url_with(
        url: &str,
        options: &[(&str, &str)],
        max_object_bytes: u64,
    ) -> Result<Self, StorageError> {
        let bad = |e: object_store::Error| StorageError::Config(e.to_string());
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| StorageError::Config(format!("{url:?} is not a URL")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let store: Arc<dyn ObjectStore> = match scheme {
            "file" => return Self::local(rest, max_object_bytes),
            "memory" => Arc::new(object_store::memory::InMemory::new()),
            "s3" => Arc::new({
                // Client options first: `with_client_options` replaces them wholesale, and
                // `AWS_ALLOW_HTTP` or a timeout from the environment must survive.
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_client_options(client_options())
                    .with_retry(retry_config());
                for (key, value) in settings("AWS_", options) {
                    if let Ok(key) = key.parse() {
                        builder = builder.with_config(key, value);
                    }
                }
                builder.with_bucket_name(bucket).build().map_err(bad)?
            }),
            "gs" => Arc::new({
                let mut builder = object_store::gcp::GoogleCloudStorageBuilder::new()
                    .with_client_options(client_options())
                    .with_retry(retry_config());
                for (key, value) in settings("GOOGLE_", options) {
                    if let Ok(key) = key.parse() {
                        builder = builder.with_config(key, value);
                    }
                }
                builder.with_bucket_name(bucket).build().map_err(bad)?
            }),
            other => {
                return Err(StorageError::Config(format!(
                    "unsupported storage scheme {other:?}"
                )));
            }
        };
        Ok(Self {
            store,
            prefix: Path::from(prefix),
            max_object_bytes,
        })
    }

    /// A local folder, which must exist.
    ///
    /// # Errors
    /// [`StorageError::Config`] when `root` is not a folder.
    pub fn local(
        root: impl AsRef<std::path::Path>,
        max_object_bytes: u64,
    ) -> Result<Self, StorageError> {
        let root = root.as_ref();
        if !root.is_dir() {
            return Err(StorageError::Config(format!(
                "{} is not a directory",
                root.display()
            )));
        }
        let store = object_store::local::LocalFileSystem::new_with_prefix(root)
            .map_err(|e| StorageError::Config(e.to_string()))?;
        Ok(Self {
            store: Arc::new(store),
            prefix: Path::default(),
            max_object_bytes,
        })
    }

    /// An empty in-memory store.
    pub fn memory(max_object_bytes: u64) -> Self {
        Self {
            store: Arc::new(object_store::memory::InMemory::new()),
            prefix: Path::default(),
            max_object_bytes,
        }
    }

    /// A key's object path: `/`-separated segments, none empty, none starting with `.`
    /// (no `..`, no hidden files), no `\\` or NUL.
    fn path(&self, key: &str) -> Result<Path, StorageError> {
        let bad = |s: &str| s.is_empty() || s.starts_with('.') || s.contains(['\\', '\0']);
        if key.split('/').any(bad) {
            return Err(StorageError::InvalidKey(key.to_owned()));
        }
        Ok(key.split('/').fold(self.prefix.clone(), |p, s| p.child(s)))
    }

    /// Reads one object, refusing it before download when it is over the size limit.
    ///
    /// # Errors
    /// Not found, invalid key, too large, or backend failure.
    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        let path = self.path(key)?;
        let result = self.store.get(&path).await.map_err(|e| classify(key, e))?;
        let size = result.meta.size;
        if size > self.max_object_bytes {
            return Err(StorageError::TooLarge {
                key: key.to_owned(),
                size,
                max: self.max_object_bytes,
            });
        }
        result.bytes().await.map_err(|e| classify(key, e))
    }

    /// Writes one object atomically (readers see the old object or the whole new one).
    ///
    /// # Errors
    /// Invalid key or backend failure.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        let path = self.path(key)?;
        self.store
            .put(&path, PutPayload::from_bytes(bytes))
            .await
            .map_err(|e| classify(key, e))?;
        Ok(())
    }

    /// Deletes one object; a missing one is not an error.
    ///
    /// # Errors
    /// Invalid key or backend failure.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.store.delete(&self.path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(classify(key, e)),
        }
    }

    /// Deletes every object under the folder `prefix` (a key without a trailing `/`);
    /// returns how many.
    ///
    /// # Errors
    /// Invalid prefix or backend failure.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<usize, StorageError> {
        use futures::TryStreamExt as _;
        let folder = self.path(prefix)?;
        let objects: Vec<object_store::ObjectMeta> = self
            .store
            .list(Some(&folder))
            .try_collect()
            .await
            .map_err(|e| classify(prefix, e))?;
        for meta in &objects {
            match self.store.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(classify(prefix, e)),
            }
        }
        Ok(objects.len())
    }

    /// Bytes stored under the folder `prefix` (a key without a trailing `/`).
    ///
    /// # Errors
    /// Invalid prefix or backend failure.
    pub async fn usage(&self, prefix: &str) -> Result<u64, StorageError> {
        use futures::TryStreamExt as _;
        let folder = self.path(prefix)?;
        self.store
            .list(Some(&folder))
            .try_fold(0u64, |sum, meta| async move {
                Ok(sum.saturating_add(meta.size))
            })
            .await
            .map_err(|e| classify(prefix, e))
    }

    /// What a `HEAD` says of an object: when it was last written and its version.
    ///
    /// # Errors
    /// Not found, invalid key, or backend failure.
    pub async fn stat(&self, key: &str) -> Result<Stat, StorageError> {
        let meta = self
            .store
            .head(&self.path(key)?)
            .await
            .map_err(|e| classify(key, e))?;
        let secs = u64::try_from(meta.last_modified.timestamp()).ok();
        let nanos = meta.last_modified.timestamp_nanos_opt().unwrap_or_default();
        Ok(Stat {
            modified: secs.map(|s| std::time::UNIX_EPOCH + std::time::Duration::from_secs(s)),
            version: meta.e_tag.filter(|t| !t.is_empty()).map_or_else(
                || format!("{nanos:x}-{:x}", meta.size),
                |t| t.replace('"', ""),
            ),
        })
    }

    /// When an object was last written, to the second (`None` when the backend does not
    /// say).
    ///
    /// # Errors
    /// Not found, invalid key, or backend failure.
    pub async fn modified(&self, key: &str) -> Result<Option<std::time::SystemTime>, StorageError> {
        Ok(self.stat(key).await?.modified)
    }

    /// Whether an object exists.
    ///
    /// # Errors
    /// Invalid key or backend failure.
    pub async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        match self.store.head(&self.path(key)?).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(classify(key, e)),
        }
    }
}

/// What the store says of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// When it was last written, to the second (`None` when the backend does not say).
    pub modified: Option<std::time::SystemTime>,
    /// Changes whenever the object is written: its entity tag, else its modification
    /// time (in nanoseconds) and size.
    pub version: String,
}

/// `PREFIX*` environment variables (lower-cased, as `object_store` names its settings), then
/// the explicit options, which win.
fn settings(prefix: &str, options: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    all.extend(
        options
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    all
}

fn classify(key: &str, e: object_store::Error) -> StorageError {
    match e {
        object_store::Error::NotFound { .. } => StorageError::NotFound(key.to_owned()),
        other => StorageError::Unavailable(other.to_string()),
    }
}

fn client_options() -> ClientOptions {
    ClientOptions::new()
        .with_connect_timeout(Duration::from_secs(2))
        .with_timeout(Duration::from_secs(10))
}

fn retry_config() -> RetryConfig {
    RetryConfig {
        max_retries: 2,
        retry_timeout: Duration::from_secs(5),
        ..RetryConfig::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_reads_and_refuses() {
        let dir = std::env::temp_dir().join(format!("picsum-storage-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("1.jpg"), b"abc").unwrap();
        std::fs::write(dir.join("big.jpg"), vec![0u8; 11]).unwrap();
        let s = Storage::from_url(&format!("file://{}", dir.display()), 10).unwrap();
        assert_eq!(&s.get("1.jpg").await.unwrap()[..], b"abc");
        let file_time = std::fs::metadata(dir.join("1.jpg"))
            .unwrap()
            .modified()
            .unwrap();
        let stored = s.modified("1.jpg").await.unwrap().unwrap();
        assert!(file_time.duration_since(stored).unwrap() < std::time::Duration::from_secs(1));
        // A rewrite under the same name is a new version.
        let before = s.stat("1.jpg").await.unwrap().version;
        std::thread::sleep(std::time::Duration::from_millis(20));
        s.put("1.jpg", bytes::Bytes::from_static(b"abd"))
            .await
            .unwrap();
        assert_ne!(s.stat("1.jpg").await.unwrap().version, before);
        assert!(matches!(
            s.modified("2.jpg").await,
            Err(StorageError::NotFound(_))
        ));
        assert!(matches!(
            s.get("2.jpg").await,
            Err(StorageError::NotFound(_))
        ));
        assert!(matches!(
            s.get("big.jpg").await,
            Err(StorageError::TooLarge { size: 11, .. })
        ));
        assert!(matches!(
            s.get("../1.jpg").await,
            Err(StorageError::InvalidKey(_))
        ));
        for bad in [".hidden", "a//b.jpg", "a/../1.jpg", "/1.jpg", "a/", "a\\b"] {
            assert!(
                matches!(s.get(bad).await, Err(StorageError::InvalidKey(_))),
                "{bad}"
            );
        }
        // Nested keys are folders.
        s.put("sub/dir/n.jpg", Bytes::from_static(b"abc"))
            .await
            .unwrap();
        assert_eq!(std::fs::read(dir.join("sub/dir/n.jpg")).unwrap(), b"abc");
        assert_eq!(&s.get("sub/dir/n.jpg").await.unwrap()[..], b"abc");
        assert!(s.exists("1.jpg").await.unwrap() && !s.exists("healthcheck.jpg").await.unwrap());
        s.put("new.jpg", Bytes::from_static(b"xyz")).await.unwrap();
        assert_eq!(std::fs::read(dir.join("new.jpg")).unwrap(), b"xyz");
        assert!(Storage::local(dir.join("missing"), 10).is_err());
        assert!(matches!(
            Storage::from_url("ftp://x", 1),
            Err(StorageError::Config(_))
        ));
        assert!(matches!(
            Storage::from_url("nonsense", 1),
            Err(StorageError::Config(_))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn memory_roundtrip() {
        let s = Storage::memory(100);
        s.put("a.jpg", Bytes::from_static(b"1")).await.unwrap();
        assert_eq!(&s.get("a.jpg").await.unwrap()[..], b"1");
        let first = s.stat("a.jpg").await.unwrap().version;
        s.put("a.jpg", Bytes::from_static(b"1")).await.unwrap();
        assert_ne!(
            s.stat("a.jpg").await.unwrap().version,
            first,
            "same bytes, new write"
        );
        assert!(matches!(
            s.get("b.jpg").await,
            Err(StorageError::NotFound(_))
        ));
        s.put("d/x/1.jpg", Bytes::from_static(b"123"))
            .await
            .unwrap();
        s.put("d/2.jpg", Bytes::from_static(b"45")).await.unwrap();
        s.put("dx.jpg", Bytes::from_static(b"6789")).await.unwrap();
        assert_eq!(s.usage("d").await.unwrap(), 5, "the folder only");
        assert_eq!(s.usage("none").await.unwrap(), 0);
    }
}
