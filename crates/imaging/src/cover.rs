//! Decoding a source straight to a centre-cropped cover of the output box, as sharp does: a
//! JPEG is decoded by libjpeg at the smallest scale (1/8, 1/4, 1/2) that still covers the
//! box on both sides, then resampled the rest of the way and cropped. libvips' own thumbnail
//! keeps a further factor of two in reserve, so it decodes up to four times the pixels.
//! Other formats go through thumbnail, with their own shrink-on-load.

use rs_vips::VipsImage;
use rs_vips::enums::Interesting;
use rs_vips::voption::{Setter, VOption};

use crate::ImagingError;
use crate::bounds::side;
use crate::execute::{jpeg_scale, oriented_size};
use crate::vips::decode_error;

/// `source` (whose loader is `loader`) covered to `w`×`h` and centre-cropped, EXIF
/// orientation applied; refuses sources cut short.
pub(crate) fn decode(
    source: &[u8],
    loader: &str,
    (w, h): (u32, u32),
) -> Result<VipsImage, ImagingError> {
    let (width, height) = (side(w)?, side(h)?);
    let crop = || {
        VOption::new()
            .set("height", height)
            .set("crop", Interesting::Centre as i32)
    };
    if loader.starts_with("jpegload") {
        let header = VipsImage::new_from_buffer(source, "[fail-on=truncated]")
            .map_err(|_| decode_error())?;
        let factor = jpeg_scale(oriented_size(&header), (w, h));
        if factor >= 2 {
            let options = format!("[fail-on=truncated,access=sequential,shrink={factor}]");
            let shrunk =
                VipsImage::new_from_buffer(source, &options).map_err(|_| decode_error())?;
            return shrunk
                .thumbnail_image_with_opts(width, crop())
                .map_err(|_| decode_error());
        }
    }
    VipsImage::thumbnail_buffer_with_opts(
        source,
        width,
        crop().set("option-string", "fail-on=truncated"),
    )
    .map_err(|_| decode_error())
}
