//! Runs a [`Pipeline`] on a still image. When the first step scales, the source is
//! decoded straight to the size it needs (shrink-on-load, see [`decode_scaled`]), so the
//! decode cost follows the output size. EXIF orientation is applied before the first step.
//! Each step is asked what it plans ([`Step::plan`]) and does the rest itself
//! ([`Step::apply`]); the executor knows no operation by name.

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
            let scaled = decode_scaled(source, &lazy, oriented, (w, h))?;
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

/// Decodes `source` at `target` (oriented) size. A JPEG is decoded by libjpeg at the
/// smallest scale (1/8, 1/4, 1/2) still at least the target on both sides, then resized the
/// rest of the way, as sharp and imgproxy do; libvips' own thumbnail keeps a further factor
/// of two in reserve, which decodes up to four times the pixels (a 2 MP photo fitted to
/// 512 px was decoded whole). Other formats go through libvips' thumbnail, which uses their
/// own shrink-on-load.
fn decode_scaled(
    source: &[u8],
    header: &VipsImage,
    oriented: (u32, u32),
    (w, h): (u32, u32),
) -> Result<VipsImage, ImagingError> {
    let (width, height) = (side(w)?, side(h)?);
    let jpeg = header
        .get_string("vips-loader")
        .is_ok_and(|loader| loader.starts_with("jpegload"));
    let factor = jpeg_scale(oriented, (w, h));
    if jpeg && factor >= 2 {
        let options = format!("[fail-on=truncated,access=sequential,shrink={factor}]");
        let shrunk = VipsImage::new_from_buffer(source, &options).map_err(|_| decode_error())?;
        return shrunk
            .thumbnail_image_with_opts(
                width,
                VOption::new()
                    .set("height", height)
                    .set("size", VipsSize::Force as i32),
            )
            .map_err(|_| decode_error());
    }
    VipsImage::thumbnail_buffer_with_opts(
        source,
        width,
        VOption::new()
            .set("height", height)
            .set("size", VipsSize::Force as i32)
            .set("option-string", "fail-on=truncated"),
    )
    .map_err(|_| decode_error())
}

/// The largest libjpeg scale-down (8, 4, 2 or 1) that leaves `from` at least `to` on both
/// sides.
pub(crate) fn jpeg_scale(from: (u32, u32), to: (u32, u32)) -> u32 {
    let fits = |factor: u32| {
        u64::from(to.0) * u64::from(factor) <= u64::from(from.0)
            && u64::from(to.1) * u64::from(factor) <= u64::from(from.1)
    };
    [8, 4, 2].into_iter().find(|&f| fits(f)).unwrap_or(1)
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
pub(crate) fn oriented_size(image: &VipsImage) -> (u32, u32) {
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

#[cfg(test)]
mod tests {
    use super::jpeg_scale;

    #[test]
    fn jpeg_scale_keeps_both_sides_at_least_the_target() {
        assert_eq!(jpeg_scale((1732, 1155), (512, 341)), 2);
        assert_eq!(jpeg_scale((1024, 1024), (512, 512)), 2);
        assert_eq!(jpeg_scale((1023, 1024), (512, 512)), 1);
        assert_eq!(jpeg_scale((6028, 3391), (400, 300)), 8);
        assert_eq!(jpeg_scale((6028, 3391), (800, 600)), 4);
        assert_eq!(jpeg_scale((100, 100), (200, 200)), 1);
    }
}
