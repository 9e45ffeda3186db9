//! `GET /id/{id}/{width}/{height}{ext}`: verify, load the source (the smallest pre-sized
//! variant that covers the output, imported or from the core's ladder), render Picsum's
//! pipeline once per key, answer.

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::header::{self, HeaderValue};
use picsum_image_core::ladder::{self, Original};
use picsum_image_core::{Core, ServiceError, source};
use picsum_imaging::PicsumTask;
use picsum_url::format::Format;
use picsum_url::params::{ImageParams, ParamError, RawParams, SizeSpec};
use picsum_url::query::Query;

use crate::Picsum;
use crate::error::PicsumError;
use crate::route::ImageRoute;
use crate::variants::LARGEST_VARIANT;

/// `Cache-Control` of rendered images: 30 days, immutable (the URL is signed and fixed).
pub const IMAGE_CACHE_CONTROL: &str =
    "public, max-age=2592000, stale-while-revalidate=60, stale-if-error=43200, immutable";

/// Serves one image request.
///
/// # Errors
/// Bad signature (400), malformed parameters (400), missing source (404), refused source
/// (422), overload or storage outage (503).
pub async fn handle(
    core: &Arc<Core>,
    picsum: &Picsum,
    route: &ImageRoute,
    path: &str,
    raw_query: &str,
) -> Result<Response, ServiceError> {
    let query = Query::parse(raw_query);
    if !picsum.signer.verify(path, &query) {
        return Err(PicsumError::BadSignature.into());
    }
    let params = RawParams::parse(
        SizeSpec::Rect(&route.width, &route.height),
        &route.ext,
        &query,
    )
    .and_then(RawParams::validate)
    .and_then(ImageParams::within_budget)
    .map_err(PicsumError::Params)?;
    if params.width == 0 || params.height == 0 {
        return Err(PicsumError::Params(ParamError::InvalidSize).into());
    }
    // The original must exist (a deleted photo is gone, whatever variants or renders are
    // left), and its version names the render.
    let original = source::open(core, &format!("{}.jpg", route.id))
        .await?
        .original;
    let render_key = render_key(&route.id, &original.version, &params);
    let (encoded, _) = core
        .renders
        .get_or_else(&render_key, || render(core, &route.id, &original, params))
        .await?;
    let mut res = image_response(route, &params, encoded);
    if let Some(credit) = picsum.credits.as_ref().and_then(|c| c.credit(&route.id)) {
        crate::credit::add_headers(res.headers_mut(), &credit);
    }
    Ok(res)
}

/// Cache key of a rendered image: the original's version is in it, so a replaced photo is
/// rendered again; so is the render's output tag, which changes whenever its bytes do (and
/// differs between the default and the compatibility build).
fn render_key(id: &str, version: &str, params: &ImageParams) -> String {
    format!(
        "img:{}/{id}@{version}/{}x{}/b{}/g{}.{}",
        picsum_imaging::Flavour::built().output_tag(),
        params.width,
        params.height,
        params.blur.unwrap_or(0),
        u8::from(params.grayscale),
        params.format.extension()
    )
}

/// Loads the source and renders it on the pool; a render from a large original starts its
/// ladder.
async fn render(
    core: &Arc<Core>,
    id: &str,
    original: &Original,
    params: ImageParams,
) -> Result<Bytes, ServiceError> {
    let (source, from_original) = load_source(core, id, original, &params).await?;
    let ladder_source = from_original.then(|| source.clone());
    let task = PicsumTask {
        width: params.width,
        height: params.height,
        blur: params.blur.map(f64::from),
        grayscale: params.grayscale,
        comment: Some(format!("Picsum ID: {id}")),
        format: params.format,
    };
    let limits = core.limits;
    // Variants and originals are JPEGs; one whose header cannot be read is taken at the
    // largest size Picsum serves, so its estimate errs high.
    let dimensions = picsum_imaging::jpeg_dimensions(&source).unwrap_or((5000, 5000));
    let estimate = picsum_imaging::cost::of_picsum(dimensions, &task);
    let cpu = core.budget.admit(estimate)?;
    let started = std::time::Instant::now();
    let encoded = core
        .pool
        .run_as(cpu, move || {
            let _working = picsum_imaging::reserve(estimate.memory, limits)?;
            picsum_imaging::render_picsum(&source, &task, limits)
        })
        .await??;
    if let Some(source) = ladder_source {
        ladder::after_original(core, original, &source, params.width.max(params.height));
    }
    metrics::histogram!("picsum_render_duration_seconds", "format" => format_label(params.format))
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("image_processor_processed_images_total", "dimension" => variant_size(&params).to_string()).increment(1);
    Ok(Bytes::from(encoded))
}

/// The smallest pre-sized variant that covers the output without upscaling, else the
/// smallest rung of the original's ladder that does, else the original (`true`).
///
/// Picsum's bucket (`variant_size`) fits the output's longer side only; when the output's
/// aspect differs from the photo's, that variant is too small for a cover crop and would be
/// enlarged (blurry). Larger variants are then tried, read from their headers, until one
/// covers the output or none is left.
async fn load_source(
    core: &Core,
    id: &str,
    original: &Original,
    params: &ImageParams,
) -> Result<(Bytes, bool), ServiceError> {
    let mut size = variant_size(params);
    while size <= LARGEST_VARIANT {
        match source::load(core, &format!("{id}_{size}.jpg")).await {
            Ok(bytes) if covers(&bytes, params) => return Ok((bytes, false)),
            Ok(_) => size += 500,
            Err(ServiceError::ImageNotFound) => break,
            Err(e) => return Err(e),
        }
    }
    let fits = |_: &ladder::Index, (w, h): (u32, u32)| params.width <= w && params.height <= h;
    if let Some(rung) = ladder::pick(core, original, fits).await {
        return Ok((rung, false));
    }
    Ok((source::load(core, &original.key).await?, true))
}

/// Whether a variant covers the output without enlarging: a cover scale of at most 1, that
/// is, at least as wide and as high as the output.
fn covers(variant: &[u8], params: &ImageParams) -> bool {
    picsum_imaging::jpeg_dimensions(variant)
        .is_some_and(|(w, h)| params.width <= w && params.height <= h)
}

/// `max(ceil(w/500), ceil(h/500)) × 500`: the pre-sized bucket Picsum picks.
fn variant_size(params: &ImageParams) -> u32 {
    params.width.div_ceil(500).max(params.height.div_ceil(500)) * 500
}

fn format_label(format: Format) -> &'static str {
    match format {
        Format::Webp => "webp",
        Format::Avif => "avif",
        _ => "jpeg",
    }
}

fn image_response(route: &ImageRoute, params: &ImageParams, encoded: Bytes) -> Response {
    let mut filename = format!("{}-{}x{}", route.id, route.width, route.height);
    if let Some(blur) = params.blur {
        filename.push_str(&format!("-blur_{blur}"));
    }
    if params.grayscale {
        filename.push_str("-grayscale");
    }
    filename.push('.');
    filename.push_str(params.format.extension());
    let disposition = format!(
        "inline; filename=\"{}\"",
        filename.replace(['"', '\\'], "_")
    );
    let mut res = Response::new(Body::from(encoded));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(params.format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(IMAGE_CACHE_CONTROL),
    );
    if let Ok(v) = HeaderValue::from_str(&route.id) {
        h.insert("picsum-id", v);
    }
    h.insert("timing-allow-origin", HeaderValue::from_static("*"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_buckets() {
        let p = |w, h| ImageParams {
            width: w,
            height: h,
            format: Format::Jpeg,
            grayscale: false,
            blur: None,
        };
        assert_eq!(variant_size(&p(200, 120)), 500);
        assert_eq!(variant_size(&p(500, 501)), 1000);
        assert_eq!(variant_size(&p(4500, 1)), 4500);
        assert_eq!(variant_size(&p(4501, 1)), 5000);
    }
}
