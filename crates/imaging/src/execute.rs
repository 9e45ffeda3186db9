//! Runs a [`Pipeline`] on libvips.
//!
//! The source's header is checked against the limits first. When the first step scales,
//! the source is decoded straight to the size it needs (libvips' shrink-on-load), so the
//! decode cost follows the output size. EXIF orientation is applied before the first step.

use rs_vips::VipsImage;
use rs_vips::enums::{Angle, Direction, Extend, Interesting, Interpretation, Size as VipsSize};
use rs_vips::voption::{Setter, VOption};

use crate::overlay::Layers;
use crate::pipeline::{check_limits, decode_error, vips_error};
use crate::transform::{Axis, Format, Gravity, Op, Pipeline, Rounding, Size, Turn};
use crate::vips::take_error;
use crate::{ImagingError, Limits, probe};
use crate::{animation, compose};

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

/// Largest side any step may produce.
pub const MAX_SIDE: u32 = 16_384;

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
    let header = probe(source)?;
    check_limits(&header, limits)?;
    let format = pipeline
        .output
        .format
        .or_else(|| Format::from_loader(&header.loader))
        .unwrap_or(Format::Jpeg);
    if header.pages > 1 {
        if !animation::supported(pipeline, format, header.pages) {
            return Err(ImagingError::Animated {
                pages: header.pages,
            });
        }
        let strip = animation::process(source, pipeline, &header, limits)?;
        let (width, height) = dims(&strip);
        let bytes = encode(&strip, format, pipeline.output.quality)?;
        return Ok(Rendered {
            bytes,
            format,
            width,
            height: height / header.pages,
        });
    }
    let lazy =
        VipsImage::new_from_buffer(source, "[fail-on=truncated]").map_err(|_| decode_error())?;
    let oriented = oriented_size(&lazy);

    let mut ops = pipeline.ops.iter().peekable();
    // The first scaling step decodes at the size it needs; otherwise decode and orient.
    let mut image = match ops.peek().and_then(|op| plan(op, oriented)) {
        Some(Scale::To(w, h)) => {
            check_output(w, h, limits)?;
            let _ = ops.next();
            let first = pipeline.ops.first();
            let scaled = VipsImage::thumbnail_buffer_with_opts(
                source,
                side(w)?,
                VOption::new()
                    .set("height", side(h)?)
                    .set("size", VipsSize::Force as i32)
                    .set("option-string", "fail-on=truncated"),
            )
            .map_err(|_| decode_error())?;
            // The shrunk decode reads its source once, top to bottom; smart crops and later
            // steps that may read it in another order need it (output-sized) in memory.
            // Overlays, grey and mirroring read row by row and stream.
            let rest = pipeline.ops.get(1..).unwrap_or_default();
            let scaled = if !rest.iter().all(streams) || needs_random_access(first) {
                scaled.copy_memory().map_err(|_| decode_error())?
            } else {
                scaled
            };
            match first {
                Some(op) => finish_scaled(scaled, op, limits, layers)?,
                None => scaled,
            }
        }
        _ => lazy.autorot().map_err(|_| decode_error())?,
    };
    for op in ops {
        image = apply(image, op, limits, layers)?;
    }
    let width = u32::try_from(image.get_width()).unwrap_or(0);
    let height = u32::try_from(image.get_height()).unwrap_or(0);
    let bytes = encode(&image, format, pipeline.output.quality)?;
    Ok(Rendered {
        bytes,
        format,
        width,
        height,
    })
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

/// Steps that read their input top to bottom, so they can follow a streaming decode.
fn streams(op: &Op) -> bool {
    matches!(
        op,
        Op::Watermark(_) | Op::Text(_) | Op::Flat(_) | Op::Grayscale | Op::Flip(Axis::Horizontal)
    )
}

/// Steps that read their input out of order.
fn needs_random_access(op: Option<&Op>) -> bool {
    matches!(
        op,
        Some(
            Op::Fill {
                gravity: Gravity::Attention | Gravity::Entropy,
                ..
            } | Op::Crop {
                gravity: Gravity::Attention | Gravity::Entropy,
                ..
            }
        )
    )
}

/// What a scaling step does to an image of `(w, h)`.
pub(crate) enum Scale {
    /// Scale to exactly this size first.
    To(u32, u32),
    /// Leave the size alone.
    Keep,
}

/// The scaling part of `op` on an image of `current` size; `None` for steps that do not
/// scale.
pub(crate) fn plan(op: &Op, current: (u32, u32)) -> Option<Scale> {
    let (cw, ch) = (f64::from(current.0.max(1)), f64::from(current.1.max(1)));
    let scale_to = |factor: f64, upscale: bool, target: (u32, u32)| {
        if factor >= 1.0 && !upscale || target == current {
            Scale::Keep
        } else {
            Scale::To(target.0, target.1)
        }
    };
    match *op {
        Op::Resize {
            size,
            upscale,
            rounding,
        } => Some(match (size.width, size.height) {
            (None, None) => Scale::Keep,
            (w, h) => {
                let target = (
                    w.unwrap_or_else(|| rounding.apply(cw * f64::from(h.unwrap_or(1)) / ch)),
                    h.unwrap_or_else(|| rounding.apply(ch * f64::from(w.unwrap_or(1)) / cw)),
                );
                let factor = (f64::from(target.0) / cw).max(f64::from(target.1) / ch);
                scale_to(factor, upscale, target)
            }
        }),
        Op::Fill { size, upscale, .. } => {
            let (w, h) = (size.width?, size.height?);
            let factor = (f64::from(w) / cw).max(f64::from(h) / ch);
            let target = (
                Rounding::Nearest.apply(cw * factor).max(w),
                Rounding::Nearest.apply(ch * factor).max(h),
            );
            Some(scale_to(factor, upscale, target))
        }
        Op::Fit {
            size,
            upscale,
            rounding,
        } => Some(fit(size, current, upscale, rounding)),
        Op::Pad { size, upscale, .. } => Some(fit(size, current, upscale, Rounding::Nearest)),
        _ => None,
    }
}

fn fit(size: Size, current: (u32, u32), upscale: bool, rounding: Rounding) -> Scale {
    let (cw, ch) = (f64::from(current.0.max(1)), f64::from(current.1.max(1)));
    let fx = size.width.map_or(f64::INFINITY, |w| f64::from(w) / cw);
    let fy = size.height.map_or(f64::INFINITY, |h| f64::from(h) / ch);
    let factor = fx.min(fy);
    if !factor.is_finite() || factor >= 1.0 && !upscale {
        return Scale::Keep;
    }
    let target = if fx <= fy {
        (size.width.unwrap_or(1), rounding.apply(ch * factor))
    } else {
        (rounding.apply(cw * factor), size.height.unwrap_or(1))
    };
    if target == current {
        Scale::Keep
    } else {
        Scale::To(target.0, target.1)
    }
}

/// Applies one step.
fn apply(
    image: VipsImage,
    op: &Op,
    limits: Limits,
    layers: &Layers,
) -> Result<VipsImage, ImagingError> {
    let current = dims(&image);
    let image = match plan(op, current) {
        Some(Scale::To(w, h)) => {
            check_output(w, h, limits)?;
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
    finish_scaled(image, op, limits, layers)
}

/// The part of a step after its scaling: crops, padding and the non-scaling steps.
fn finish_scaled(
    image: VipsImage,
    op: &Op,
    limits: Limits,
    layers: &Layers,
) -> Result<VipsImage, ImagingError> {
    match *op {
        Op::Resize { .. } | Op::Fit { .. } => Ok(image),
        Op::Fill { size, gravity, .. } | Op::Crop { size, gravity } => {
            let (w, h) = dims(&image);
            let cut = (
                size.width.unwrap_or(w).min(w),
                size.height.unwrap_or(h).min(h),
            );
            crop(image, cut, gravity)
        }
        Op::Pad {
            size,
            background,
            gravity,
            ..
        } => pad(image, size, background, gravity, limits),
        Op::Rotate(turn) => image
            .rot(match turn {
                Turn::Cw90 => Angle::D90,
                Turn::Cw180 => Angle::D180,
                Turn::Cw270 => Angle::D270,
            })
            .map_err(|_| vips_error("rot")),
        Op::Flip(axis) => image
            .flip(match axis {
                Axis::Horizontal => Direction::Horizontal,
                Axis::Vertical => Direction::Vertical,
            })
            .map_err(|_| vips_error("flip")),
        Op::Blur { sigma } if sigma > 0.0 => {
            image.gaussblur(sigma).map_err(|_| vips_error("gaussblur"))
        }
        Op::Blur { .. } => Ok(image),
        Op::Grayscale => image
            .colourspace(Interpretation::BW)
            .map_err(|_| vips_error("colourspace")),
        Op::Watermark(ref wm) => compose::watermark(image, wm, layers, limits),
        Op::Text(ref text) => compose::text(image, text, limits),
        Op::Flat(ref flat) => compose::flat(image, flat, layers, limits),
    }
}

fn crop(image: VipsImage, cut: (u32, u32), gravity: Gravity) -> Result<VipsImage, ImagingError> {
    let current = dims(&image);
    if cut == current {
        return Ok(image);
    }
    let smart = match gravity {
        Gravity::Attention => Some(Interesting::Attention),
        Gravity::Entropy => Some(Interesting::Entropy),
        _ => None,
    };
    if let Some(interesting) = smart {
        return image
            .smartcrop_with_opts(
                side(cut.0)?,
                side(cut.1)?,
                VOption::new().set("interesting", interesting as i32),
            )
            .map_err(|_| vips_error("smartcrop"));
    }
    let (x, y) = gravity.place(current, cut);
    image
        .extract_area(side(x)?, side(y)?, side(cut.0)?, side(cut.1)?)
        .map_err(|_| vips_error("extract_area"))
}

fn pad(
    image: VipsImage,
    size: Size,
    background: [u8; 4],
    gravity: Gravity,
    limits: Limits,
) -> Result<VipsImage, ImagingError> {
    let current = dims(&image);
    let boxed = (
        size.width.unwrap_or(current.0).max(current.0),
        size.height.unwrap_or(current.1).max(current.1),
    );
    // Padding never scales, so the box itself must be within the output limits.
    check_output(boxed.0, boxed.1, limits)?;
    if boxed == current {
        return Ok(image);
    }
    let mut image = image;
    if image.get_bands() < 3 {
        image = image
            .colourspace(Interpretation::Srgb)
            .map_err(|_| vips_error("colourspace"))?;
    }
    let transparent = background[3] < 255;
    if transparent && !image.hasalpha() {
        image = image
            .bandjoin_const(&[255.0])
            .map_err(|_| vips_error("bandjoin_const"))?;
    }
    let mut colour: Vec<f64> = background[..3].iter().copied().map(f64::from).collect();
    if image.hasalpha() {
        colour.push(f64::from(background[3]));
    }
    let (x, y) = gravity.place(boxed, current);
    image
        .embed_with_opts(
            side(x)?,
            side(y)?,
            side(boxed.0)?,
            side(boxed.1)?,
            VOption::new()
                .set("extend", Extend::Background as i32)
                .set("background", colour.as_slice()),
        )
        .map_err(|_| vips_error("embed"))
}

fn encode(image: &VipsImage, format: Format, quality: Option<u8>) -> Result<Vec<u8>, ImagingError> {
    let q = |default: u8| i32::from(quality.unwrap_or(default));
    let flat;
    // Formats without alpha get the image flattened on white.
    let image = if image.hasalpha() && matches!(format, Format::Jpeg | Format::Bmp) {
        flat = image
            .flatten_with_opts(VOption::new().set("background", [255.0, 255.0, 255.0].as_slice()))
            .map_err(|_| vips_error("flatten"))?;
        &flat
    } else {
        image
    };
    let encoded = match format {
        Format::Jpeg => image.jpegsave_buffer_with_opts(
            VOption::new()
                .set("Q", q(85))
                .set("strip", true)
                .set("optimize_coding", true),
        ),
        Format::Png => image.pngsave_buffer_with_opts(VOption::new().set("strip", true)),
        Format::Gif => image.gifsave_buffer_with_opts(VOption::new().set("strip", true)),
        Format::Webp => {
            image.webpsave_buffer_with_opts(VOption::new().set("Q", q(80)).set("strip", true))
        }
        Format::Avif => image.heifsave_buffer_with_opts(
            VOption::new()
                .set("Q", q(60))
                .set("compression", 4) // VIPS_FOREIGN_HEIF_COMPRESSION_AV1
                .set("effort", 2)
                .set("strip", true),
        ),
        Format::Bmp => return crate::bmp::encode(image),
    };
    encoded.map_err(|_| decode_error())
}

pub(crate) fn check_output(w: u32, h: u32, limits: Limits) -> Result<(), ImagingError> {
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > limits.max_source_pixels {
        return Err(ImagingError::OutputTooLarge {
            width: w,
            height: h,
        });
    }
    Ok(())
}

pub(crate) fn dims(image: &VipsImage) -> (u32, u32) {
    (
        u32::try_from(image.get_width()).unwrap_or(0),
        u32::try_from(image.get_height()).unwrap_or(0),
    )
}

pub(crate) fn side(v: u32) -> Result<i32, ImagingError> {
    i32::try_from(v).map_err(|_| ImagingError::OutputTooLarge {
        width: v,
        height: v,
    })
}
