//! Runs a [`Pipeline`] on a still image. When the first step scales, the source is
//! decoded straight to the size it needs (libvips' shrink-on-load), so the decode cost
//! follows the output size. EXIF orientation is applied before the first step. Each step
//! is asked what it plans ([`Step::plan`]) and does the rest itself ([`Step::apply`]); the
//! executor knows no operation by name.

use rs_vips::VipsImage;
use rs_vips::enums::Size as VipsSize;
use rs_vips::voption::{Setter, VOption};

use crate::ImagingError;
use crate::bounds::{check_output, dims, side, spend};
use crate::draw::Layers;
use crate::ops::step::{Ctx, Scale, Step};
use crate::pipeline::Pipeline;
use crate::source::Limits;
use crate::vips::{decode_error, take_error, vips_error};

/// Applies every step of `pipeline` to a still `source`; the result is not yet encoded.
///
/// # Errors
/// Corrupt sources, outputs above the limits, missing layers, libvips faults.
pub(crate) fn still(
    source: &[u8],
    pipeline: &Pipeline,
    limits: Limits,
    layers: &Layers,
) -> Result<VipsImage, ImagingError> {
    let ctx = Ctx { limits, layers };
    let lazy =
        VipsImage::new_from_buffer(source, "[fail-on=truncated]").map_err(|_| decode_error())?;
    let oriented = oriented_size(&lazy);
    let mut steps = pipeline.ops.iter().map(crate::ops::Op::step).peekable();
    // The first scaling step decodes at the size it needs; otherwise decode and orient.
    let mut image = match steps.peek().and_then(|step| step.plan(oriented)) {
        Some(Scale::To(w, h)) => {
            check_output(w, h, limits)?;
            let first = steps.next();
            let scaled = VipsImage::thumbnail_buffer_with_opts(
                source,
                side(w)?,
                VOption::new()
                    .set("height", side(h)?)
                    .set("size", VipsSize::Force as i32)
                    .set("option-string", "fail-on=truncated"),
            )
            .map_err(|_| decode_error())?;
            crate::cancel::watch(&scaled);
            // The shrunk decode reads its source once, top to bottom; smart crops and later
            // steps that may read it in another order need it (output-sized) in memory.
            // Overlays, grey and mirroring read row by row and stream.
            let rest_streams = pipeline.ops.iter().skip(1).all(|op| op.step().streams());
            let random = first.is_some_and(Step::random_access);
            let scaled = if !rest_streams || random {
                scaled.copy_memory().map_err(|_| decode_error())?
            } else {
                scaled
            };
            match first {
                Some(step) => step.apply(scaled, &ctx)?,
                None => scaled,
            }
        }
        _ => {
            spend(oriented.0, oriented.1)?;
            lazy.autorot().map_err(|_| decode_error())?
        }
    };
    for step in steps {
        image = run(image, step, &ctx)?;
    }
    Ok(image)
}

/// One step on a decoded image: its scaling, then the rest.
/// Steps that do not scale still produce an image, which libvips may hold in memory
/// (a rotation, a blur): it counts against the budget.
fn run(image: VipsImage, step: &dyn Step, ctx: &Ctx<'_>) -> Result<VipsImage, ImagingError> {
    let plan = step.plan(dims(&image));
    let scaled = matches!(plan, Some(Scale::To(..)));
    let image = match plan {
        Some(Scale::To(w, h)) => {
            check_output(w, h, ctx.limits)?;
            image
                .thumbnail_image_with_opts(
                    side(w)?,
                    VOption::new()
                        .set("height", side(h)?)
                        .set("size", VipsSize::Force as i32),
                )
                .map_err(|_| vips_error("thumbnail_image"))?
        }
        _ => image,
    };
    let out = step.apply(image, ctx)?;
    if !scaled {
        let (w, h) = dims(&out);
        spend(w, h)?;
    }
    Ok(out)
}

/// Width and height after EXIF orientation.
fn oriented_size(image: &VipsImage) -> (u32, u32) {
    let w = u32::try_from(image.get_width()).unwrap_or(0);
    let h = u32::try_from(image.get_height()).unwrap_or(0);
    match image.get_int("orientation") {
        Ok(5..=8) => (h, w),
        Ok(_) => (w, h),
        Err(_) => {
            let _ = take_error(); // no orientation field: not an error
            (w, h)
        }
    }
}
