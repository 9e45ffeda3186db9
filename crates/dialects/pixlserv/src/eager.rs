//! Eager presets: the upload hook that renders every preset marked `eager` into the
//! caches after an upload, so that the first requests for them are hits.

use std::sync::Arc;

use bytes::Bytes;
use picsum_image_core::ladder::Original;
use picsum_image_core::{Core, ServiceError, UploadHook, render, source};

use crate::Pixlserv;
use crate::parse::{Request, Route};

/// The hook, registered with the core when presets are configured.
pub struct EagerPresets(pub Arc<Pixlserv>);

impl UploadHook for EagerPresets {
    /// Renders the eager presets one after the other on the render pool. Failures are
    /// logged and counted, never reported to the uploader.
    fn uploaded(&self, core: &Arc<Core>, key: &str, source: Bytes) {
        let mut names: Vec<String> = self
            .0
            .presets
            .iter()
            .filter(|(_, p)| p.eager)
            .map(|(name, _)| name.clone())
            .collect();
        if names.is_empty() {
            return;
        }
        names.sort_unstable();
        let (core, pixlserv, key) = (Arc::clone(core), Arc::clone(&self.0), key.to_owned());
        tokio::spawn(async move {
            for name in names {
                let route = Route {
                    api_key: None,
                    params: format!("t_{name}"),
                    path: key.clone(),
                };
                let result = match crate::parse::parse(&route, |n| pixlserv.presets.get(n)) {
                    Ok(req) => eager(&core, req, source.clone()).await,
                    Err(e) => Err(e.into()),
                };
                let outcome = if let Err(e) = result {
                    tracing::warn!(preset = %name, key = %key, error = %e, "eager transformation failed");
                    "error"
                } else {
                    "ok"
                };
                metrics::counter!("picsum_eager_renders_total", "outcome" => outcome).increment(1);
            }
        });
    }
}

/// Renders one preset under the key a request for it will look up (the original's
/// version included).
async fn eager(core: &Arc<Core>, req: Request, source: Bytes) -> Result<(), ServiceError> {
    let stat = source::stat(core, &req.path).await?;
    let key = format!("{}@{}", req.path, stat.version);
    let original = Original {
        key: req.path,
        version: stat.version,
    };
    render::render(core, &key, source, Some(&original), req.pipeline)
        .await
        .map(drop)
}
