//! Renders a pipeline once per canonical key: the render cache (memory, Redis,
//! single-flight) in front of the pool, overlay images loaded first; and the one way every
//! dialect answers with a transformed image ([`answer`]).

use std::sync::Arc;

use axum::response::Response;
use bytes::Bytes;
use http::header::HeaderMap;
use picsum_imaging::model::{Format, Pipeline};

use crate::error::ServiceError;
use crate::ladder::{self, Original};
use crate::respond::{self, Rendered};
use crate::source::load_layers;
use crate::{Core, cost};

/// Renders `pipeline` (its format already chosen) on `source`, once per canonical key.
/// When `source` is a stored `original`, a rung of its ladder may serve instead, and a
/// render from a large original starts its ladder.
///
/// # Errors
/// Refused sources (422), overload (503), libvips faults (500).
pub async fn render(
    core: &Arc<Core>,
    source_key: &str,
    source: Bytes,
    original: Option<&Original>,
    pipeline: Pipeline,
) -> Result<Bytes, ServiceError> {
    // The libvips build is in the key: the default and the compatibility build differ in bytes.
    let key = format!(
        "tx:v2-{}/{source_key}/{}",
        picsum_imaging::LIBVIPS_BUILD,
        pipeline.canonical()
    );
    for op in &pipeline.ops {
        metrics::counter!("picsum_transform_operations_total", "op" => op.name()).increment(1);
    }
    let format = pipeline.output.format.map_or("source", Format::extension);
    metrics::counter!("picsum_transform_requests_total", "format" => format).increment(1);
    let limits = core.limits;
    let started = std::time::Instant::now();
    let work = move || async move {
        let layers = load_layers(core, &pipeline).await?;
        let (source, from_original) = match original {
            Some(o) => match ladder::pick_for(core, o, &source, &pipeline).await {
                Some(rung) => (rung, None),
                None => (source.clone(), Some((o, source))),
            },
            None => (source, None),
        };
        let needed = from_original
            .as_ref()
            .and_then(|(_, bytes)| ladder::worth_for(bytes, &pipeline));
        let output = pipeline.output.format.unwrap_or(Format::Jpeg);
        let estimate = cost::of_pipeline(&source, &pipeline, output);
        let cpu = core.budget.admit(estimate)?;
        let rendered = core
            .pool
            .run_as(cpu, move || {
                let _working = picsum_imaging::reserve(estimate.memory, limits)?;
                picsum_imaging::process_layered(&source, &pipeline, limits, &layers)
            })
            .await??;
        if let (Some((o, bytes)), Some(needed)) = (from_original, needed) {
            ladder::after_original(core, o, &bytes, needed);
        }
        metrics::histogram!("picsum_transform_duration_seconds", "format" => format)
            .record(started.elapsed().as_secs_f64());
        Ok::<_, ServiceError>(Bytes::from(rendered.bytes))
    };
    let (bytes, _) = core.renders.get_or_else(&key, work).await?;
    Ok(bytes)
}

/// A transformation a dialect parsed, with its source loaded.
#[derive(Debug, Clone)]
pub struct Transform {
    /// Names the source in render-cache keys (changes when the source does).
    pub source_key: String,
    /// The source's bytes.
    pub source: Bytes,
    /// What to do; `output.format` `None` is chosen by [`respond::choose_format`].
    pub pipeline: Pipeline,
    /// The original in storage the source is, when it is one (its ladder may serve).
    pub original: Option<Original>,
    /// The dialect's entity tag for this request (unquoted).
    pub tag: String,
    /// The original's modification time, when known.
    pub modified: Option<std::time::SystemTime>,
    /// Whether a request that names no format gets one from `Accept`.
    pub negotiate: bool,
    /// The format when none is named, negotiated or sniffed from the source.
    pub fallback: Format,
    /// Whether conditional headers are honoured (a dialect's "force" turns them off).
    pub conditional: bool,
}

/// Answers with the transformed image, or 304 when the client's copy is current.
///
/// # Errors
/// As [`render`].
pub async fn answer(
    core: &Arc<Core>,
    headers: &HeaderMap,
    t: Transform,
) -> Result<Response, ServiceError> {
    let mut pipeline = t.pipeline;
    let (format, negotiated) = respond::choose_format(
        pipeline.output.format,
        t.negotiate,
        headers,
        Format::sniff(&t.source),
        t.fallback,
    );
    let format = cost::cap_avif(format, negotiated, &t.source, &pipeline)?;
    pipeline.output.format = Some(format);
    let v = respond::validators(&t.tag, format, negotiated, t.modified);
    if t.conditional && respond::not_modified(headers, &v, false) {
        return Ok(respond::not_modified_response(&v, negotiated));
    }
    let bytes = render(core, &t.source_key, t.source, t.original.as_ref(), pipeline).await?;
    if t.conditional && respond::not_modified(headers, &v, true) {
        return Ok(respond::not_modified_response(&v, negotiated));
    }
    let rendered = Rendered {
        bytes,
        format,
        negotiated,
    };
    Ok(respond::image_response(rendered, &v))
}

/// Answers with the source's own bytes, untouched (a dialect's no-op), once they were
/// decoded in full (and that verdict cached): nothing is relayed that is not the image its
/// `Content-Type` says.
///
/// # Errors
/// 422 for bytes that do not decode, 503 when the pool is full.
pub async fn untouched(
    core: &Core,
    headers: &HeaderMap,
    source_key: &str,
    source: Bytes,
    tag: &str,
    modified: Option<std::time::SystemTime>,
    conditional: bool,
) -> Result<Response, ServiceError> {
    let format = Format::sniff(&source).ok_or(ServiceError::Unprocessable(
        picsum_imaging::ImagingError::UnsupportedInput,
    ))?;
    // The verdict is kept per source key, which names the source's version (a source
    // replaced under the same name is checked again) without hashing it on the runtime.
    let check = crate::source::verify(core, source.clone());
    core.renders
        .get_or_load(&format!("ok:{source_key}"), async {
            check.await.map(|()| Bytes::from_static(b"1"))
        })
        .await?;
    let v = respond::validators(tag, format, false, modified);
    if conditional && respond::not_modified(headers, &v, true) {
        return Ok(respond::not_modified_response(&v, false));
    }
    let rendered = Rendered {
        bytes: source,
        format,
        negotiated: false,
    };
    Ok(respond::image_response(rendered, &v))
}
