//! Size bounds every step obeys: the largest side, the output pixel limit, and the
//! conversions between libvips' `i32` sides and ours.

use rs_vips::VipsImage;

use crate::ImagingError;
use crate::source::Limits;

/// Largest side any step may produce.
pub const MAX_SIDE: u32 = 16_384;

/// Refuses outputs with a side over [`MAX_SIDE`] or more pixels than the source limit.
pub(crate) fn check_output(w: u32, h: u32, limits: Limits) -> Result<(), ImagingError> {
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > limits.max_source_pixels {
        return Err(ImagingError::OutputTooLarge {
            width: w,
            height: h,
        });
    }
    Ok(())
}

/// An image's width and height.
pub(crate) fn dims(image: &VipsImage) -> (u32, u32) {
    (
        u32::try_from(image.get_width()).unwrap_or(0),
        u32::try_from(image.get_height()).unwrap_or(0),
    )
}

/// A side as libvips takes it.
pub(crate) fn side(v: u32) -> Result<i32, ImagingError> {
    i32::try_from(v).map_err(|_| ImagingError::OutputTooLarge {
        width: v,
        height: v,
    })
}
