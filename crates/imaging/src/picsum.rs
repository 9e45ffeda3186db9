//! Lorem Picsum's own render, byte for byte: thumbnail with centre crop, gaussian blur,
//! B_W, metadata reset with the `Picsum ID` comment, progressive optimised JPEG or default
//! WebP (on libvips 8.14.1 the bytes equal Picsum's fixtures); and the pre-sized
//! `{id}_{size}.jpg` variants the importer writes.

use picsum_url::format::Format;
use rs_vips::VipsImage;
use rs_vips::enums::{Interesting, Interpretation};
use rs_vips::voption::{Setter, VOption};

use crate::ImagingError;
use crate::source::{Limits, check_limits, probe};
use crate::vips::{decode_error, field_names, vips_error};

/// Metadata fields removed before the `Picsum ID` comment is set, besides every `exif-*`.
const STRIPPED_FIELDS: [&str; 6] = [
    "exif-data",
    "xmp-data",
    "iptc-data",
    "icc-profile-data",
    "orientation",
    "jpeg-thumbnail-data",
];
/// Where libvips reads the EXIF UserComment it writes.
const USER_COMMENT_FIELD: &str = "exif-ifd2-UserComment";

/// One render: output box, effects, comment and format.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderTask {
    /// Output width (the image is covered then centre-cropped to exactly this).
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// Gaussian blur sigma in output pixels.
    pub blur: Option<f64>,
    /// Convert to single-band grey (after the blur).
    pub grayscale: bool,
    /// EXIF UserComment to write after all other metadata is removed; `None` keeps metadata.
    pub comment: Option<String>,
    /// Encoding.
    pub format: Format,
}

/// Renders `source` as `task` describes.
///
/// The header is checked against `limits` first; decoding then fails on truncated data
/// instead of padding it with grey.
///
/// # Errors
/// Client errors for unsupported, oversized or corrupt sources; [`ImagingError::Vips`] for
/// libvips faults.
pub fn render(source: &[u8], task: &RenderTask, limits: Limits) -> Result<Vec<u8>, ImagingError> {
    picsum(source, task, limits).map_err(|e| crate::source::blame([source], e))
}

fn picsum(source: &[u8], task: &RenderTask, limits: Limits) -> Result<Vec<u8>, ImagingError> {
    let header = probe(source)?;
    check_limits(&header, limits)?;
    let width = vips_dim(task.width)?;
    let height = vips_dim(task.height)?;

    let mut image = VipsImage::thumbnail_buffer_with_opts(
        source,
        width,
        VOption::new()
            .set("height", height)
            .set("crop", Interesting::Centre as i32)
            // libvips 8.14's thumbnail ignores its own `fail-on`; the loader option string works.
            .set("option-string", "fail-on=truncated"),
    )
    .map_err(|_| decode_error())?;
    if let Some(sigma) = task.blur {
        image = image
            .gaussblur(sigma)
            .map_err(|_| vips_error("gaussblur"))?;
    }
    if task.grayscale {
        image = image
            .colourspace(Interpretation::BW)
            .map_err(|_| vips_error("colourspace"))?;
    }
    if let Some(comment) = &task.comment {
        reset_metadata(&mut image, comment)?;
    }
    // The encoder computes the whole pipeline: that is where a cancelled render stops.
    crate::cancel::watch(&image);
    let encoded = match task.format {
        Format::Jpeg => image.jpegsave_buffer_with_opts(
            VOption::new()
                .set("interlace", true)
                .set("optimize_coding", true),
        ),
        Format::Webp => image.webpsave_buffer(),
        // Not Picsum's: our `.avif` extension, encoded as every AVIF of the service.
        Format::Avif => return crate::encode::encode(&image, Format::Avif, None),
        other => {
            return Err(ImagingError::Vips {
                op: "encode",
                detail: format!(
                    "Picsum renders JPEG, WebP or AVIF, not {}",
                    other.extension()
                ),
            });
        }
    };
    encoded.map_err(|_| decode_error())
}

/// Removes EXIF, XMP, IPTC, ICC, orientation and thumbnail, then sets the comment. libvips
/// then writes a minimal EXIF block (orientation 1, resolution, the comment).
fn reset_metadata(image: &mut VipsImage, comment: &str) -> Result<(), ImagingError> {
    for name in field_names(image) {
        if name.starts_with("exif-") || STRIPPED_FIELDS.contains(&name.as_str()) {
            let _ = image.remove(&name);
        }
    }
    image
        .set_string(USER_COMMENT_FIELD, comment)
        .map_err(|_| vips_error("set UserComment"))
}

fn vips_dim(v: u32) -> Result<i32, ImagingError> {
    i32::try_from(v)
        .ok()
        .filter(|&v| v > 0)
        .ok_or(ImagingError::Vips {
            op: "thumbnail",
            detail: format!("invalid output dimension {v}"),
        })
}

/// Re-encodes `source` as a JPEG scaled down to fit inside `size`×`size` (never up), as
/// Picsum's pre-sized `{id}_{size}.jpg` variants are: EXIF orientation applied, metadata
/// stripped, quality 90.
///
/// # Errors
/// As [`render`].
pub fn fit_within(source: &[u8], size: u32, limits: Limits) -> Result<Vec<u8>, ImagingError> {
    let header = probe(source)?;
    check_limits(&header, limits)?;
    let size = vips_dim(size)?;
    let image = VipsImage::thumbnail_buffer_with_opts(
        source,
        size,
        VOption::new()
            .set("height", size)
            .set("size", "down")
            .set("option-string", "fail-on=truncated"),
    )
    .map_err(|_| decode_error())?;
    image
        .jpegsave_buffer_with_opts(
            VOption::new()
                .set("Q", 90)
                .set("strip", true)
                .set("optimize_coding", true),
        )
        .map_err(|_| decode_error())
}
