//! Encoding a finished image in the chosen format (alpha flattened on white for formats
//! without it; BMP by hand in [`crate::bmp`]).

use rs_vips::VipsImage;
use rs_vips::voption::{Setter, VOption};

use crate::ImagingError;
use crate::vips::{decode_error, vips_error};
use picsum_url::format::Format;

/// Encodes `image` as `format` at `quality` (the encoder's default when `None`).
pub(crate) fn encode(
    image: &VipsImage,
    format: Format,
    quality: Option<u8>,
) -> Result<Vec<u8>, ImagingError> {
    // libvips computes pixels lazily, when they are written: this span holds the pipeline's
    // pixel work as well as the encoder's.
    let _span = tracing::info_span!("encode", format = format.extension()).entered();
    let q = |default: u8| i32::from(quality.unwrap_or(default));
    // The same cap for every dialect: AVIF's encoder costs far more than the others.
    let (width, height) = crate::bounds::dims(image);
    if format == Format::Avif
        && u64::from(width) * u64::from(height) > picsum_url::params::MAX_AVIF_PIXELS
    {
        return Err(ImagingError::OutputTooLarge { width, height });
    }
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
            // libvips 8.14's webpsave keeps a reference to its whole decoded input when that
            // input fails half-way (a source cut short), so every such request leaked an
            // image (fixed in 8.16, libvips#4107). Computed first, the input cannot fail
            // inside the encoder, which copies it into memory in any case.
            let whole = image.copy_memory().map_err(|_| decode_error())?;
            whole.webpsave_buffer_with_opts(VOption::new().set("Q", q(80)).set("strip", true))
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
