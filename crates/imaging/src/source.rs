//! What a source is before any pixel is decoded: its header ([`probe`]) and the limits it
//! must pass ([`Limits`], [`check_limits`]).

use picsum_url::format::Format;
use rs_vips::VipsImage;

use crate::ImagingError;
use crate::vips::take_error;

/// Resource limits of one render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest `width × height × pages` a source (or an overlay image) may announce in its
    /// header.
    pub max_source_pixels: u64,
    /// Largest image any step may produce (all frames of an animation counted).
    pub max_output_pixels: u64,
    /// The pixel budget of one render: every decoded source and overlay and every image a
    /// step produces, summed. Past it the render stops with [`ImagingError::OverBudget`].
    pub max_work_pixels: u64,
    /// The pixel budget of every render in flight in the process together. Past it a
    /// render stops with [`ImagingError::Busy`].
    pub max_inflight_pixels: u64,
}

impl Default for Limits {
    /// Sources up to 100 megapixels (four times Picsum's largest originals), outputs up to
    /// 25 (5000×5000, Picsum's largest), 40 of work per render.
    fn default() -> Self {
        Self {
            max_source_pixels: 100_000_000,
            max_output_pixels: 25_000_000,
            max_work_pixels: 40_000_000,
            max_inflight_pixels: 100_000_000,
        }
    }
}

/// What a source's header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Width in pixels.
    pub width: u32,
    /// Height of one page in pixels.
    pub height: u32,
    /// Pages (frames); 1 for still images.
    pub pages: u32,
    /// The libvips loader that recognised it (e.g. `jpegload_buffer`).
    pub loader: String,
}

/// Reads the header of `source` without decoding pixels.
///
/// # Errors
/// [`ImagingError::UnsupportedInput`] when no allowed loader recognises the bytes.
pub fn probe(source: &[u8]) -> Result<Probe, ImagingError> {
    let header = VipsImage::new_from_buffer(source, "").map_err(|_| {
        let _ = take_error();
        ImagingError::UnsupportedInput
    })?;
    let dim = |v: i32| u32::try_from(v).unwrap_or(0);
    Ok(Probe {
        width: dim(header.get_width()),
        height: dim(header.get_height()),
        pages: dim(header.get_n_pages()).max(1),
        loader: header.get_string("vips-loader").unwrap_or_default(),
    })
}

/// Refuses empty headers and sources above the pixel limit.
pub(crate) fn check_limits(header: &Probe, limits: Limits) -> Result<(), ImagingError> {
    let pixels = u64::from(header.width) * u64::from(header.height) * u64::from(header.pages);
    if pixels > limits.max_source_pixels || header.width == 0 || header.height == 0 {
        return Err(ImagingError::SourceTooLarge {
            width: header.width,
            height: header.height,
            pages: header.pages,
            max_pixels: limits.max_source_pixels,
        });
    }
    Ok(())
}

/// Who is at fault for a failed render: libvips' error text is process-global and races
/// between workers, and a source that is cut short may only fail in the encoder, so a
/// failure that does not look like the client's is checked against a full decode of the
/// source: a source that does not decode makes it the client's (422), never a 500.
pub(crate) fn blame<'a>(
    sources: impl IntoIterator<Item = &'a [u8]>,
    error: ImagingError,
) -> ImagingError {
    // A render stopped because its caller left is nobody's fault worth a second decode.
    if error.is_client_error() || matches!(error, ImagingError::Busy) || crate::cancel::cancelled()
    {
        return error;
    }
    let decodes = |bytes: &[u8]| {
        VipsImage::new_from_buffer(bytes, "[fail-on=truncated]")
            .and_then(|image| image.avg())
            .is_ok()
    };
    if sources.into_iter().all(decodes) {
        error
    } else {
        let _ = take_error();
        ImagingError::Corrupt("an image does not decode in full".into())
    }
}

/// The format a libvips loader name stands for (`jpegload_buffer` is JPEG).
pub(crate) fn loader_format(loader: &str) -> Option<Format> {
    ["jpeg", "png", "gif", "webp", "heif"]
        .into_iter()
        .find(|prefix| loader.starts_with(prefix))
        .and_then(|prefix| Format::from_name(if prefix == "heif" { "avif" } else { prefix }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_loader() {
        assert_eq!(loader_format("pngload_buffer"), Some(Format::Png));
        assert_eq!(loader_format("heifload_buffer"), Some(Format::Avif));
        assert_eq!(loader_format("svgload"), None);
    }
}
