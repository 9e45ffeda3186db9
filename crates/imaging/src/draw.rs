//! Drawing one image over another: overlay images decoded within the limits as sRGB with
//! alpha, placed at a gravity with offsets, alpha-composited (`over`) on the covered
//! rectangle only and clipped at the edges, so no placement can fail or grow the output.

use std::collections::HashMap;

use bytes::Bytes;
use rs_vips::VipsImage;
use rs_vips::enums::{BandFormat, BlendMode, Interpretation};
use rs_vips::voption::{Setter, VOption};

use crate::ImagingError;
use crate::bounds::{dims, spend};
use crate::model::geometry::Gravity;
use crate::source::{Limits, check_limits, probe};
use crate::vips::{decode_error, vips_error};

/// Overlay images by storage key, loaded by the caller.
pub type Layers = HashMap<String, Bytes>;

/// Top-left of an `inner` box at `gravity` in `outer`, moved inwards by `offset`
/// (pixlserv's placement); may fall partly outside.
#[must_use]
pub(crate) fn anchor(
    gravity: Gravity,
    outer: (u32, u32),
    inner: (u32, u32),
    offset: (u32, u32),
) -> (i64, i64) {
    let free_x = i64::from(outer.0) - i64::from(inner.0);
    let free_y = i64::from(outer.1) - i64::from(inner.1);
    let (dx, dy) = (i64::from(offset.0), i64::from(offset.1));
    let x = match gravity {
        Gravity::NorthWest | Gravity::West | Gravity::SouthWest => dx,
        Gravity::NorthEast | Gravity::East | Gravity::SouthEast => free_x - dx,
        _ => free_x / 2,
    };
    let y = match gravity {
        Gravity::NorthWest | Gravity::North | Gravity::NorthEast => dy,
        Gravity::SouthWest | Gravity::South | Gravity::SouthEast => free_y - dy,
        _ => free_y / 2,
    };
    (x, y)
}

pub(crate) fn layer(layers: &Layers, key: &str, limits: Limits) -> Result<VipsImage, ImagingError> {
    let bytes = layers
        .get(key)
        .ok_or_else(|| ImagingError::MissingLayer(key.to_owned()))?;
    decode(bytes, limits)
}

/// Decodes an overlay image within the limits, oriented, as sRGB with alpha.
pub(crate) fn decode(bytes: &[u8], limits: Limits) -> Result<VipsImage, ImagingError> {
    let header = probe(bytes)?;
    check_limits(&header, limits)?;
    spend(header.width, header.height.saturating_mul(header.pages))?;
    let image = VipsImage::new_from_buffer(bytes, "[fail-on=truncated]")
        .and_then(|i| i.autorot())
        .map_err(|_| decode_error())?;
    with_alpha(srgb(image)?)
}

/// 8-bit sRGB (grey and 16-bit images are converted), alpha kept.
pub(crate) fn srgb(image: VipsImage) -> Result<VipsImage, ImagingError> {
    if image.get_bands() >= 3 && matches!(image.get_format(), Ok(BandFormat::Uchar)) {
        return Ok(image);
    }
    image
        .colourspace(Interpretation::Srgb)
        .map_err(|_| vips_error("colourspace"))
}

fn with_alpha(image: VipsImage) -> Result<VipsImage, ImagingError> {
    if image.hasalpha() {
        return Ok(image);
    }
    image
        .bandjoin_const(&[255.0])
        .map_err(|_| vips_error("bandjoin_const"))
}

/// Composites the part of `overlay` that falls inside `image` at `at`. Only the covered
/// rectangle is blended (compositing works in floating point); the rest is copied.
pub(crate) fn draw(
    image: VipsImage,
    overlay: &VipsImage,
    at: (i64, i64),
) -> Result<VipsImage, ImagingError> {
    let (bw, bh) = dims(&image);
    let (ow, oh) = dims(overlay);
    let x0 = at.0.max(0);
    let y0 = at.1.max(0);
    let x1 = (at.0 + i64::from(ow)).min(i64::from(bw));
    let y1 = (at.1 + i64::from(oh)).min(i64::from(bh));
    if x1 <= x0 || y1 <= y0 {
        return Ok(image);
    }
    let int = |v: i64| i32::try_from(v).map_err(|_| vips_error("composite2"));
    let (x, y, w, h) = (int(x0)?, int(y0)?, int(x1 - x0)?, int(y1 - y0)?);
    let visible = overlay
        .extract_area(int(x0 - at.0)?, int(y0 - at.1)?, w, h)
        .map_err(|_| vips_error("extract_area"))?;
    let opaque = !image.hasalpha();
    let image = srgb(image)?;
    let under = image
        .extract_area(x, y, w, h)
        .map_err(|_| vips_error("extract_area"))?;
    let format = image.get_format().map_err(|_| vips_error("get_format"))?;
    let mut blended = under
        .composite2(&visible, BlendMode::Over)
        .and_then(|b| b.cast(format))
        .map_err(|_| vips_error("composite2"))?;
    if opaque {
        blended = blended
            .extract_band_with_opts(0, VOption::new().set("n", 3))
            .map_err(|_| vips_error("extract_band"))?;
    }
    image
        .insert(&blended, x, y)
        .map_err(|_| vips_error("insert"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_move_inwards() {
        let outer = (100, 80);
        let inner = (20, 10);
        let cases = [
            (Gravity::NorthWest, (5, 3), (5, 3)),
            (Gravity::North, (5, 3), (40, 3)),
            (Gravity::NorthEast, (5, 3), (75, 3)),
            (Gravity::East, (5, 3), (75, 35)),
            (Gravity::SouthEast, (5, 3), (75, 67)),
            (Gravity::South, (5, 3), (40, 67)),
            (Gravity::SouthWest, (5, 3), (5, 67)),
            (Gravity::West, (5, 3), (5, 35)),
            (Gravity::Centre, (5, 3), (40, 35)),
        ];
        for (gravity, offset, want) in cases {
            assert_eq!(anchor(gravity, outer, inner, offset), want, "{gravity:?}");
        }
        // Larger than the frame: partly outside, never a panic.
        assert_eq!(
            anchor(Gravity::SouthEast, (10, 10), (30, 20), (0, 0)),
            (-20, -10)
        );
    }
}
