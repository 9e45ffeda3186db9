//! Pre-sized copies ("rungs") of a JPEG original that has none, so that later renders
//! decode the smallest copy that still covers their output instead of the whole original.
//!
//! Each rung is the one above it scaled by 1/√2 (longest side), down to [`SMALLEST_RUNG`]:
//! a render then decodes at most about twice the pixels it needs. A rung is made from the
//! smallest rung (or the original) at least twice its size, so every copy is one 2× (or
//! shrink-on-load) reduction of a finer image: one full decode of the original, and quality
//! close to a render straight from it. Rungs are oriented (EXIF applied), JPEG quality 90
//! without chroma subsampling, metadata kept but the orientation.

use rs_vips::VipsImage;
use rs_vips::voption::{Setter, VOption};

use crate::ImagingError;
use crate::jpeg::jpeg_dimensions;
use crate::pipeline::Pipeline;
use crate::source::{Limits, check_limits, probe};
use crate::vips::decode_error;

/// No rung has a longest side below this: smaller outputs decode the smallest rung with
/// shrink-on-load.
pub const SMALLEST_RUNG: u32 = 400;
/// Originals whose longest side is below this get no rungs: they decode fast already.
pub const SMALLEST_ORIGINAL: u32 = 1000;

/// One pre-sized copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rung {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The JPEG.
    pub bytes: Vec<u8>,
}

/// The rungs of one original, largest first, and the original's oriented size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ladder {
    /// The original's width after EXIF orientation.
    pub width: u32,
    /// The original's height after EXIF orientation.
    pub height: u32,
    /// Largest first.
    pub rungs: Vec<Rung>,
}

/// The longest sides of the rungs of an original whose longest side is `longest`, largest
/// first; none for originals below [`SMALLEST_ORIGINAL`].
#[must_use]
pub fn rung_sides(longest: u32) -> Vec<u32> {
    if longest < SMALLEST_ORIGINAL {
        return Vec::new();
    }
    let round = crate::model::geometry::Rounding::Nearest;
    (1..)
        .map(|k| round.apply(f64::from(longest) * std::f64::consts::FRAC_1_SQRT_2.powi(k)))
        .take_while(|&side| side >= SMALLEST_RUNG)
        .collect()
}

/// Whether a source is worth a ladder for an output whose longest side is `needed`: a JPEG
/// large enough, and an output well below it (read from the header, without libvips).
#[must_use]
pub fn worth(source: &[u8], needed: u32) -> bool {
    jpeg_dimensions(source).is_some_and(|(w, h)| {
        let longest = w.max(h);
        longest >= SMALLEST_ORIGINAL
            && f64::from(needed) <= f64::from(longest) * std::f64::consts::FRAC_1_SQRT_2
    })
}

/// The size the first step of `pipeline` scales a source of `oriented` size to, when it
/// scales first; `None` when it starts with anything else.
#[must_use]
pub fn first_scale(pipeline: &Pipeline, oriented: (u32, u32)) -> Option<(u32, u32)> {
    match pipeline.ops.first()?.step().plan(oriented)? {
        crate::ops::step::Scale::To(w, h) => Some((w, h)),
        crate::ops::step::Scale::Keep => None,
    }
}

/// Makes the ladder of a JPEG `source`.
///
/// # Errors
/// Sources that are not JPEG, above the limits or corrupt; libvips faults.
pub fn build(source: &[u8], limits: Limits) -> Result<Ladder, ImagingError> {
    let header = probe(source)?;
    check_limits(&header, limits)?;
    if !header.loader.starts_with("jpeg") {
        return Err(ImagingError::UnsupportedInput);
    }
    // Orientation only swaps the sides; the first rung tells which way round they are.
    let sides = rung_sides(header.width.max(header.height));
    let mut rungs: Vec<Rung> = Vec::with_capacity(sides.len());
    for side in sides {
        // The smallest finer copy at least twice this size, else the original.
        let from = rungs
            .iter()
            .rev()
            .find(|r| r.width.max(r.height) >= side.saturating_mul(2))
            .map_or(source, |r| r.bytes.as_slice());
        rungs.push(rung(from, side)?);
    }
    let (width, height) = match rungs.first() {
        Some(r) if (r.width >= r.height) != (header.width >= header.height) => {
            (header.height, header.width)
        }
        _ => (header.width, header.height),
    };
    Ok(Ladder {
        width,
        height,
        rungs,
    })
}

/// `from` scaled to fit `side`×`side`, oriented, as JPEG quality 90.
fn rung(from: &[u8], side: u32) -> Result<Rung, ImagingError> {
    let side = i32::try_from(side).map_err(|_| decode_error())?;
    let image = VipsImage::thumbnail_buffer_with_opts(
        from,
        side,
        VOption::new()
            .set("height", side)
            .set("size", "down")
            .set("option-string", "fail-on=truncated"),
    )
    .map_err(|_| decode_error())?;
    let bytes = image
        .jpegsave_buffer_with_opts(
            VOption::new()
                .set("Q", 90)
                .set("optimize_coding", true)
                // Subsampled chroma would be subsampled again by every render.
                .set("subsample_mode", 2), // VIPS_FOREIGN_SUBSAMPLE_OFF
        )
        .map_err(|_| decode_error())?;
    let (width, height) = jpeg_dimensions(&bytes).ok_or_else(decode_error)?;
    Ok(Rung {
        width,
        height,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides_step_by_root_two_down_to_the_smallest() {
        assert_eq!(
            rung_sides(6028),
            vec![4262, 3014, 2131, 1507, 1066, 754, 533]
        );
        assert_eq!(rung_sides(1000), vec![707, 500]);
        assert!(rung_sides(999).is_empty());
    }

    #[test]
    fn builds_oriented_rungs_that_decode() {
        crate::init().unwrap();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../gallery/photos/0.jpg");
        let source = std::fs::read(path).unwrap();
        let header = probe(&source).unwrap();
        let ladder = build(&source, Limits::default()).unwrap();
        assert_eq!((ladder.width, ladder.height), (header.width, header.height));
        let sides = rung_sides(header.width.max(header.height));
        assert_eq!(ladder.rungs.len(), sides.len());
        for (rung, side) in ladder.rungs.iter().zip(sides) {
            assert_eq!(rung.width.max(rung.height), side);
            let decoded = probe(&rung.bytes).unwrap();
            assert_eq!((decoded.width, decoded.height), (rung.width, rung.height));
            // Same shape as the original, to the pixel.
            let expect = f64::from(rung.width) * f64::from(header.height) / f64::from(header.width);
            assert!((f64::from(rung.height) - expect).abs() <= 1.0);
        }
    }

    #[test]
    fn refuses_what_is_not_a_jpeg() {
        crate::init().unwrap();
        let png = VipsImage::black(1200, 800)
            .unwrap()
            .pngsave_buffer()
            .unwrap();
        assert!(matches!(
            build(&png, Limits::default()),
            Err(ImagingError::UnsupportedInput)
        ));
        assert!(!worth(&png, 100));
    }
}
