//! The noisy-neighbour drill's deployment, the simplest one that runs the production flow:
//! the API over the manifest catalog and one image service over a local folder (a
//! throwaway copy of the gallery's photos), both release binaries on 127.0.0.1 with their
//! default settings. Only what they need to start is set (ports, HMAC key, the manifest,
//! the folder), plus, for the write part, picfit with its signature key and anonymous
//! writes opted in.

use std::path::{Path, PathBuf};

use anyhow::Context;
use picsum_testkit::{TempDir, free_port};

use crate::replica::Replica;

/// The HMAC key the API signs with and the image service checks.
pub const KEY: &str = "abuse-drill-hmac-key";
/// picfit's `secret_key`: the attacker's `/get` writes are signed with it.
pub const PICFIT_SECRET: &str = "abuse-drill-picfit-secret";

/// A running API and image service; both stop on drop.
pub struct Stage {
    /// The image service.
    pub images: Replica,
    /// The API.
    pub api: Replica,
    /// The image service's storage folder (originals, and picfit's derived store under it).
    pub store: PathBuf,
    /// Catalog ids.
    pub ids: Vec<String>,
    /// The settings that differ from the defaults, besides ports, key and paths.
    pub opted_in: Vec<(&'static str, String)>,
    /// Logs and the storage folder.
    pub dir: TempDir,
}

impl Stage {
    /// Copies the gallery's photos into a fresh folder and starts both services.
    ///
    /// # Errors
    /// When the manifest or photos cannot be read or copied, or a service does not start.
    pub fn start(bin_dir: &Path, manifest: &Path, writes: bool) -> anyhow::Result<Self> {
        let manifest = manifest.canonicalize().context("the manifest")?;
        let ids = ids(&manifest)?;
        let dir = TempDir::new("abuse");
        let store = dir.path().join("photos");
        copy_flat(&manifest.with_file_name("photos"), &store)?;
        let opted_in = if writes {
            vec![
                ("IMAGE_DIALECTS", "picsum,picfit".to_owned()),
                ("IMAGE_PICFIT_SECRET_KEY", PICFIT_SECRET.to_owned()),
                ("IMAGE_ALLOW_ANONYMOUS_WRITES", "true".to_owned()),
            ]
        } else {
            Vec::new()
        };
        let (port, ops) = (free_port(), free_port());
        let mut env = vec![
            ("IMAGE_LISTEN", format!("127.0.0.1:{port}")),
            ("IMAGE_METRICS_LISTEN", format!("127.0.0.1:{ops}")),
            ("IMAGE_STORAGE_PATH", path(&store)?),
            ("IMAGE_CATALOG_FILE_PATH", path(&manifest)?),
            ("IMAGE_HMAC_KEY", KEY.to_owned()),
            ("IMAGE_LOG_LEVEL", "warn".to_owned()),
            ("VIPS_WARNING", "0".to_owned()),
        ];
        env.extend(opted_in.iter().cloned());
        let binary = bin_dir.join("picsum-image-service");
        let mut images = Replica::new("image", binary, owned(env), (port, ops), dir.path());
        images.start()?;
        images.wait_ready()?;
        let (api_port, api_ops) = (free_port(), free_port());
        let env = vec![
            ("PICSUM_LISTEN", format!("127.0.0.1:{api_port}")),
            ("PICSUM_METRICS_LISTEN", format!("127.0.0.1:{api_ops}")),
            ("PICSUM_IMAGE_SERVICE_URL", images.url()),
            ("PICSUM_HMAC_KEY", KEY.to_owned()),
            ("PICSUM_DATABASE_FILE_PATH", path(&manifest)?),
            ("PICSUM_LOG_LEVEL", "warn".to_owned()),
        ];
        let binary = bin_dir.join("picsum-api");
        let mut api = Replica::new("api", binary, owned(env), (api_port, api_ops), dir.path());
        api.start()?;
        api.wait_ready()?;
        Ok(Self {
            images,
            api,
            store,
            ids,
            opted_in,
            dir,
        })
    }

    /// Bytes and files under the storage folder, every level.
    pub fn stored(&self) -> (u64, u64) {
        let mut total = (0, 0);
        let mut folders = vec![self.store.clone()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                match entry.metadata() {
                    Ok(m) if m.is_dir() => folders.push(entry.path()),
                    Ok(m) => total = (total.0 + m.len(), total.1 + 1),
                    Err(_) => {}
                }
            }
        }
        total
    }

    /// The last `lines` lines of both logs.
    pub fn log_tails(&self, lines: usize) -> String {
        crate::replica::log_tails([&self.images, &self.api], lines)
    }
}

/// The manifest's ids.
fn ids(manifest: &Path) -> anyhow::Result<Vec<String>> {
    let list: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(manifest).context("read the manifest")?)?;
    let ids: Vec<String> = list
        .iter()
        .filter_map(|image| image.get("id")?.as_str().map(str::to_owned))
        .collect();
    anyhow::ensure!(!ids.is_empty(), "the manifest lists no image");
    Ok(ids)
}

/// Copies the files of `from` (not its folders) into a new folder `to`.
fn copy_flat(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("read {}", from.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

fn path(p: &Path) -> anyhow::Result<String> {
    p.to_str()
        .map(str::to_owned)
        .context("a path that is not UTF-8")
}

fn owned(pairs: Vec<(&str, String)>) -> Vec<(String, String)> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
