//! Animated sources (GIF, WebP): every frame resized, fitted or filled, within the same
//! pixel limits as still images, written as an animated GIF or WebP.
//!
//! All frames are decoded at once as one tall strip (`page-height` high frames), so memory
//! follows `frames × width × height`, which [`crate::pipeline::check_limits`] bounds for the
//! source and [`check_output`] for the result. Only the scaling steps and grey keep their
//! meaning frame by frame; anything else on an animation is refused.

use rs_vips::VipsImage;
use rs_vips::enums::{Interpretation, Size as VipsSize};
use rs_vips::voption::{Setter, VOption};

use crate::ImagingError;
use crate::bounds::{check_output, dims, side};
use crate::model::geometry::Gravity;
use crate::ops::Op;
use crate::ops::step::Scale;
use crate::pipeline::Pipeline;
use crate::source::{Limits, Probe};
use crate::vips::{decode_error, vips_error};
use picsum_url::format::Format;

/// Most frames an animation may have (each is a libvips image while it is cropped).
pub(crate) const MAX_FRAMES: u32 = 1_000;

/// Whether `pipeline` can run on an animation of `pages` frames written as `format`.
pub(crate) fn supported(pipeline: &Pipeline, format: Format, pages: u32) -> bool {
    pages <= MAX_FRAMES
        && matches!(format, Format::Gif | Format::Webp)
        && pipeline
            .ops
            .iter()
            .enumerate()
            .all(|(i, op)| op.step().animates(i == 0))
}

/// Runs a [`supported`] pipeline on every frame; returns the strip, `page-height` set.
pub(crate) fn process(
    source: &[u8],
    pipeline: &Pipeline,
    header: &Probe,
    limits: Limits,
) -> Result<VipsImage, ImagingError> {
    let pages = header.pages.max(1);
    let frame = (header.width, header.height);
    let first = pipeline.ops.first();
    let target = match first.and_then(|op| op.step().plan(frame)) {
        Some(Scale::To(w, h)) => (w, h),
        _ => frame,
    };
    check_output(target.0, target.1.saturating_mul(pages), limits)?;
    let options = "n=-1,fail-on=truncated";
    let mut strip = if target == frame {
        VipsImage::new_from_buffer(source, &format!("[{options}]"))
    } else {
        VipsImage::thumbnail_buffer_with_opts(
            source,
            side(target.0)?,
            VOption::new()
                .set("height", side(target.1)?)
                .set("size", VipsSize::Force as i32)
                .set("option-string", options),
        )
    }
    .map_err(|_| decode_error())?;
    if let Some(Op::Fill(fill)) = first {
        let (size, gravity) = (fill.size, fill.gravity);
        let cut = (
            size.width.unwrap_or(target.0).min(target.0),
            size.height.unwrap_or(target.1).min(target.1),
        );
        if cut != target {
            strip = crop_frames(&strip, target, cut, gravity, pages)?;
        }
    }
    if pipeline
        .ops
        .iter()
        .skip(1)
        .any(|op| matches!(op, Op::Grayscale(_)))
    {
        strip = strip
            .colourspace(Interpretation::BW)
            .map_err(|_| vips_error("colourspace"))?;
    }
    let height = (dims(&strip).1 / pages).max(1);
    strip
        .set_int("page-height", side(height)?)
        .map_err(|_| vips_error("page-height"))?;
    Ok(strip)
}

/// Cuts `cut` out of every `frame`-sized frame at `gravity` and stacks the results.
fn crop_frames(
    strip: &VipsImage,
    frame: (u32, u32),
    cut: (u32, u32),
    gravity: Gravity,
    pages: u32,
) -> Result<VipsImage, ImagingError> {
    let (x, y) = gravity.place(frame, cut);
    let frames = (0..pages)
        .map(|i| {
            strip
                .extract_area(side(x)?, side(i * frame.1 + y)?, side(cut.0)?, side(cut.1)?)
                .map_err(|_| vips_error("extract_area"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    VipsImage::arrayjoin_with_opts(&frames, VOption::new().set("across", 1))
        .map_err(|_| vips_error("arrayjoin"))
}
