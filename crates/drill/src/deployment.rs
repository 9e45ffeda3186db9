//! The whole production shape on one machine, all on 127.0.0.1: PostgreSQL (the catalog),
//! Redis (the shared cache), an S3-protocol server (originals, uploads, derived images), the
//! catalog migrated and the sample gallery imported by the `picsum` CLI, the release
//! binaries as replicas, and, with more than one replica, HAProxy in front of each service.

use std::path::{Path, PathBuf};

use anyhow::{Context, ensure};
use picsum_testkit::{Postgres, RedisServer, S3Server, TempDir, free_port};

use crate::balancer::{Balancer, Pool};
use crate::replica::Replica;

/// The HMAC key of every drill deployment.
pub const KEY: &str = "drill";
/// The bucket of originals.
pub const BUCKET: &str = "photos";

/// What to start.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Where `picsum`, `picsum-api` and `picsum-image-service` are (release builds).
    pub bin_dir: PathBuf,
    /// The gallery's manifest (its photos beside it, under `photos/`).
    pub manifest: PathBuf,
    /// Replicas of the image service and of the API; HAProxy in front when more than one.
    pub replicas: usize,
    /// Render workers per image-service replica.
    pub workers: usize,
}

/// A running deployment; everything stops on drop.
pub struct Deployment {
    /// Replicas of the image service.
    pub images: Vec<Replica>,
    /// Replicas of the API.
    pub apis: Vec<Replica>,
    /// Where clients reach the image service (HAProxy, or the one replica).
    pub image_url: String,
    /// Where clients reach the API.
    pub api_url: String,
    /// The catalog database.
    pub postgres: Postgres,
    /// The shared cache.
    pub redis: RedisServer,
    /// The object store.
    pub s3: S3Server,
    balancer: Option<Balancer>,
    /// Logs of every replica and HAProxy.
    pub dir: TempDir,
}

impl Deployment {
    /// Starts the backends, imports the gallery and starts the replicas.
    ///
    /// # Errors
    /// When a part does not start or the import fails; logs are in [`Deployment::dir`].
    pub fn start(shape: &Shape) -> anyhow::Result<Self> {
        ensure!(shape.replicas >= 1, "at least one replica");
        let dir = TempDir::new("drill");
        let postgres = Postgres::start();
        let redis = RedisServer::start();
        let s3 = S3Server::start(BUCKET);
        import(shape, &postgres, &s3)?;
        let balanced = shape.replicas > 1;
        let (image_lb, api_lb) = (free_port(), free_port());
        let images: Vec<Replica> = (1..=shape.replicas)
            .map(|n| image_replica(shape, n, dir.path(), &redis, &s3))
            .collect();
        let image_url = match images.first() {
            Some(only) if !balanced => only.url(),
            _ => format!("http://127.0.0.1:{image_lb}"),
        };
        let apis: Vec<Replica> = (1..=shape.replicas)
            .map(|n| api_replica(shape, n, dir.path(), &postgres, &image_url))
            .collect();
        let api_url = match apis.first() {
            Some(only) if !balanced => only.url(),
            _ => format!("http://127.0.0.1:{api_lb}"),
        };
        let mut deployment = Self {
            images,
            apis,
            image_url,
            api_url,
            postgres,
            redis,
            s3,
            balancer: None,
            dir,
        };
        for replica in deployment.images.iter_mut().chain(&mut deployment.apis) {
            replica.start()?;
        }
        if balanced {
            let pools = [
                pool("images", image_lb, &deployment.images),
                pool("api", api_lb, &deployment.apis),
            ];
            deployment.balancer = Some(Balancer::start(deployment.dir.path(), &pools)?);
        }
        Ok(deployment)
    }

    /// The last `lines` lines of every replica's log, each under its name.
    pub fn log_tails(&self, lines: usize) -> String {
        crate::replica::log_tails(self.images.iter().chain(&self.apis), lines)
    }

    /// The files under the bucket's `prefix/` (`originals`, `originals/uploads`), as the
    /// object store holds them.
    pub fn stored(&self, prefix: &str) -> Vec<String> {
        let root = self.s3.bucket_dir(BUCKET).join(prefix);
        let mut out: Vec<String> = std::fs::read_dir(root)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.path().is_file())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}

fn pool(name: &'static str, listen: u16, replicas: &[Replica]) -> Pool {
    Pool {
        name,
        listen,
        replicas: replicas.iter().map(|r| (r.port, r.ops_port)).collect(),
    }
}

fn owned(pairs: Vec<(&str, String)>) -> Vec<(String, String)> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn image_replica(
    shape: &Shape,
    n: usize,
    logs: &Path,
    redis: &RedisServer,
    s3: &S3Server,
) -> Replica {
    let (port, ops) = (free_port(), free_port());
    let mut env = s3.env();
    env.extend([
        ("IMAGE_LISTEN", format!("127.0.0.1:{port}")),
        ("IMAGE_METRICS_LISTEN", format!("127.0.0.1:{ops}")),
        ("IMAGE_STORAGE_URL", format!("s3://{BUCKET}/originals")),
        ("IMAGE_CACHE_URL", redis.url()),
        ("IMAGE_HMAC_KEY", KEY.into()),
        ("IMAGE_WORKERS", shape.workers.to_string()),
        // The dialects open on purpose, as the abuse suite does: the drill measures
        // availability and memory, not admission (which has its own tests).
        ("IMAGE_DIALECTS", "picsum,picfit,pixlserv".into()),
        ("IMAGE_ALLOW_UNSIGNED", "true".into()),
        ("IMAGE_UPLOADS", "true".into()),
        ("IMAGE_ALLOW_ANONYMOUS_WRITES", "true".into()),
        ("IMAGE_LOG_LEVEL", "warn".into()),
        // The soak and chaos drills send all their load as one client: they measure
        // capacity and faults, not fair shares (the abuse drill does), so one client may
        // use the whole pool.
        ("IMAGE_CLIENT_CPU_SECONDS", "0".into()),
        ("IMAGE_CLIENT_WORKERS", shape.workers.to_string()),
        ("IMAGE_CLIENT_QUEUE", "64".into()),
        ("VIPS_WARNING", "0".into()),
    ]);
    let binary = shape.bin_dir.join("picsum-image-service");
    Replica::new(&format!("image-{n}"), binary, owned(env), (port, ops), logs)
}

fn api_replica(
    shape: &Shape,
    n: usize,
    logs: &Path,
    postgres: &Postgres,
    image_url: &str,
) -> Replica {
    let (port, ops) = (free_port(), free_port());
    let env = vec![
        ("PICSUM_LISTEN", format!("127.0.0.1:{port}")),
        ("PICSUM_METRICS_LISTEN", format!("127.0.0.1:{ops}")),
        ("PICSUM_IMAGE_SERVICE_URL", image_url.to_owned()),
        ("PICSUM_HMAC_KEY", KEY.into()),
        ("PICSUM_DATABASE_URL", postgres.url()),
        ("PICSUM_DATABASE_REFRESH_MS", "1000".into()),
        ("PICSUM_LOG_LEVEL", "warn".into()),
    ];
    let binary = shape.bin_dir.join("picsum-api");
    Replica::new(&format!("api-{n}"), binary, owned(env), (port, ops), logs)
}

/// `picsum migrate` and `picsum import`: the catalog rows and their originals in the bucket.
fn import(shape: &Shape, postgres: &Postgres, s3: &S3Server) -> anyhow::Result<()> {
    let mut env = s3.env();
    env.push(("PICSUM_DATABASE_URL", postgres.url()));
    env.push(("IMAGE_STORAGE_URL", format!("s3://{BUCKET}/originals")));
    let manifest = shape.manifest.to_str().context("manifest path")?;
    for args in [&["migrate"][..], &["import", manifest][..]] {
        let status = std::process::Command::new(shape.bin_dir.join("picsum"))
            .args(args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .context("run picsum")?;
        ensure!(status.success(), "picsum {args:?} failed");
    }
    Ok(())
}
