//! Drills on a whole local deployment, with figures: real PostgreSQL, Redis and S3 server
//! (started by `picsum-testkit`), the release binaries as replicas, HAProxy in front of them.
//!
//! * [`soak`]: steady mixed load for a long time, resident memory sampled every second
//!   (`make soak`; the test command runs a short one).
//! * [`chaos`]: the same load while every part is killed and brought back, and both services
//!   are rolled (`make chaos`).
//! * [`abuse`]: the noisy-neighbour drill, on a smaller deployment (the API over the
//!   manifest, one image service over a folder): an ordinary client's latency and errors,
//!   alone and next to a hostile one, and what the hostile one got (`make abuse`).
//!
//! Everything listens on 127.0.0.1 and stops when the drill ends.

pub mod abuse;
pub mod balancer;
pub mod chaos;
pub mod deployment;
pub mod load;
pub mod replica;
pub mod soak;

use anyhow::Context;

use deployment::{Deployment, Shape};
use load::Target;

/// The load's target: the deployment's addresses, the gallery's ids, a photo to upload.
///
/// # Errors
/// When the manifest or its photos cannot be read.
pub fn target(deployment: &Deployment, shape: &Shape) -> anyhow::Result<Target> {
    let manifest: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&shape.manifest).context("read the manifest")?)?;
    let ids: Vec<String> = manifest
        .iter()
        .filter_map(|image| image.get("id")?.as_str().map(str::to_owned))
        .collect();
    let first = ids.first().context("the manifest lists no image")?;
    let photos = shape.manifest.with_file_name("photos");
    let upload = std::fs::read(photos.join(format!("{first}_500.jpg")))
        .or_else(|_| std::fs::read(photos.join(format!("{first}.jpg"))))
        .context("read a photo to upload")?;
    Ok(Target {
        api: deployment.api_url.clone(),
        images: deployment.image_url.clone(),
        ids,
        upload,
    })
}
