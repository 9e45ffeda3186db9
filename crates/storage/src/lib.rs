//! Storage of original photos, addressed by key (`{id}.jpg`, `{id}_{500..4500}.jpg`).
//!
//! [`Storage`] is one concrete type whose variants are the backends, so handlers never know
//! which one they have. The first backend is a local folder (Picsum's `-storage-path`);
//! object stores (S3, Spaces, GCS) join as variants later.

use std::path::{Path, PathBuf};

use bytes::Bytes;

/// Why an object could not be read.
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
    /// The backend failed (I/O, network).
    #[error("storage unavailable: {0}")]
    Unavailable(#[from] std::io::Error),
}

/// Originals, from one backend.
#[derive(Debug, Clone)]
pub enum Storage {
    /// Files in a local folder.
    Local {
        /// The folder.
        root: PathBuf,
        /// Largest object read, in bytes.
        max_object_bytes: u64,
    },
}

impl Storage {
    /// A local folder, which must exist.
    ///
    /// # Errors
    /// [`StorageError::Unavailable`] when `root` is not a readable folder.
    pub fn local(root: impl Into<PathBuf>, max_object_bytes: u64) -> Result<Self, StorageError> {
        let root = root.into();
        if !std::fs::metadata(&root)?.is_dir() {
            return Err(StorageError::Unavailable(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                format!("{} is not a directory", root.display()),
            )));
        }
        Ok(Self::Local {
            root,
            max_object_bytes,
        })
    }

    /// Reads one object.
    ///
    /// # Errors
    /// Not found, invalid key, too large, or backend failure.
    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        match self {
            Self::Local {
                root,
                max_object_bytes,
            } => {
                let path = local_path(root, key)?;
                let meta = match tokio::fs::metadata(&path).await {
                    Ok(m) if m.is_file() => m,
                    Ok(_) => return Err(StorageError::NotFound(key.to_owned())),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Err(StorageError::NotFound(key.to_owned()));
                    }
                    Err(e) => return Err(e.into()),
                };
                if meta.len() > *max_object_bytes {
                    return Err(StorageError::TooLarge {
                        key: key.to_owned(),
                        size: meta.len(),
                        max: *max_object_bytes,
                    });
                }
                Ok(Bytes::from(tokio::fs::read(&path).await?))
            }
        }
    }

    /// Whether an object exists.
    ///
    /// # Errors
    /// Invalid key or backend failure.
    pub async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        match self {
            Self::Local { root, .. } => Ok(tokio::fs::try_exists(local_path(root, key)?).await?),
        }
    }
}

/// Keys are plain file names: no separators, no leading dot, no NUL.
fn local_path(root: &Path, key: &str) -> Result<PathBuf, StorageError> {
    if key.is_empty() || key.starts_with('.') || key.contains(['/', '\\', '\0']) {
        return Err(StorageError::InvalidKey(key.to_owned()));
    }
    Ok(root.join(key))
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
        let s = Storage::local(&dir, 10).unwrap();
        assert_eq!(&s.get("1.jpg").await.unwrap()[..], b"abc");
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
        assert!(matches!(
            s.get(".hidden").await,
            Err(StorageError::InvalidKey(_))
        ));
        assert!(s.exists("1.jpg").await.unwrap() && !s.exists("healthcheck.jpg").await.unwrap());
        assert!(Storage::local(dir.join("missing"), 10).is_err());
    }
}
