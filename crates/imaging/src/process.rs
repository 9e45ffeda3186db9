//! The entry point of the transformation pipeline: the source's header is checked against
//! the limits, then an animation goes to [`crate::animation`] and a still image to
//! [`crate::execute`], and the result is encoded.

use crate::ImagingError;
use crate::animation;
use crate::bounds::{begin_budget, dims};
use crate::draw::Layers;
use crate::encode::encode;
use crate::execute;
use crate::pipeline::Pipeline;
use crate::source::{Limits, blame, check_limits, loader_format, probe};
use picsum_url::format::Format;

/// An encoded result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The encoded image.
    pub bytes: Vec<u8>,
    /// Its format.
    pub format: Format,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Applies `pipeline` to `source`.
///
/// # Errors
/// Client errors for unsupported, animated, oversized or corrupt sources and for outputs
/// above the limits; [`ImagingError::Vips`] for libvips faults.
pub fn process(
    source: &[u8],
    pipeline: &Pipeline,
    limits: Limits,
) -> Result<Rendered, ImagingError> {
    process_layered(source, pipeline, limits, &Layers::new())
}

/// [`process`] for pipelines that draw overlay images: `layers` holds them by storage key.
///
/// # Errors
/// As [`process`]; [`ImagingError::MissingLayer`] when an overlay image is not in `layers`.
pub fn process_layered(
    source: &[u8],
    pipeline: &Pipeline,
    limits: Limits,
    layers: &Layers,
) -> Result<Rendered, ImagingError> {
    run(source, pipeline, limits, layers).map_err(|e| {
        let overlays = layers.values().map(|b| b.as_ref());
        blame(std::iter::once(source).chain(overlays), e)
    })
}

fn run(
    source: &[u8],
    pipeline: &Pipeline,
    limits: Limits,
    layers: &Layers,
) -> Result<Rendered, ImagingError> {
    let header = probe(source)?;
    check_limits(&header, limits)?;
    let _budget = begin_budget(limits);
    let format = pipeline
        .output
        .format
        .or_else(|| loader_format(&header.loader))
        .unwrap_or(Format::Jpeg);
    let pages = header.pages.max(1);
    let image = if pages > 1 {
        if !animation::supported(pipeline, format, pages) {
            return Err(ImagingError::Animated { pages });
        }
        animation::process(source, pipeline, &header, limits)?
    } else {
        execute::still(source, pipeline, limits, layers)?
    };
    let (width, height) = dims(&image);
    // The encoder computes the whole pipeline: that is where a cancelled render stops.
    crate::cancel::watch(&image);
    let bytes = encode(&image, format, pipeline.output.quality)?;
    Ok(Rendered {
        bytes,
        format,
        width,
        height: height / pages,
    })
}
