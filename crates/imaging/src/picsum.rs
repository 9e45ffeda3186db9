//! Picsum's render: cover with centre crop, gaussian blur, B_W, metadata reset with the
//! `Picsum ID` comment, progressive JPEG or default WebP. Two flavours: Lorem Picsum's own,
//! byte for byte on libvips 8.14.1 (the compatibility build), and the default build's,
//! decoded as sharp does and written with mozjpeg's tools. Also the pre-sized
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
pub struct PicsumTask {
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

/// Which of the two Picsum renders a build makes (see [`Flavour::built`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// Lorem Picsum's own: libvips' thumbnail (which decodes at least twice the output
    /// size), then libjpeg's defaults at quality 75, progressive, optimised Huffman tables.
    /// On Debian's libvips 8.14 the bytes equal Lorem Picsum's.
    Lorem,
    /// The default build's: a JPEG source decoded at the smallest scale still covering the
    /// output, as sharp does ([`crate::cover`]), and JPEG written with mozjpeg's scan
    /// optimisation and quantisation table 3 (fewer bytes at the same quality).
    Fast,
}

impl Flavour {
    /// The compatibility build (`PICSUM_LIBVIPS=system`, Debian's libvips) renders as Lorem
    /// Picsum does; the default build (libvips 8.17.3 with mozjpeg) renders fast.
    #[must_use]
    pub fn built() -> Self {
        if crate::LIBVIPS_BUILD == "system" {
            Self::Lorem
        } else {
            Self::Fast
        }
    }

    /// A short name that changes whenever this flavour's output does: it goes into render
    /// cache keys, so a release whose bytes differ never serves the previous release's.
    #[must_use]
    pub fn output_tag(self) -> &'static str {
        match self {
            Self::Lorem => "lorem1",
            Self::Fast => "fast2",
        }
    }
}

/// Renders `source` as `task` describes, in this build's [`Flavour`].
///
/// The header is checked against `limits` first; decoding then fails on truncated data
/// instead of padding it with grey.
///
/// # Errors
/// Client errors for unsupported, oversized or corrupt sources; [`ImagingError::Vips`] for
/// libvips faults.
pub fn render_picsum(
    source: &[u8],
    task: &PicsumTask,
    limits: Limits,
) -> Result<Vec<u8>, ImagingError> {
    render_picsum_as(Flavour::built(), source, task, limits)
}

/// [`render_picsum`] in the given flavour (tests and benchmarks compare the two).
///
/// # Errors
/// As [`render_picsum`].
pub fn render_picsum_as(
    flavour: Flavour,
    source: &[u8],
    task: &PicsumTask,
    limits: Limits,
) -> Result<Vec<u8>, ImagingError> {
    picsum(flavour, source, task, limits).map_err(|e| crate::source::blame([source], e))
}

fn picsum(
    flavour: Flavour,
    source: &[u8],
    task: &PicsumTask,
    limits: Limits,
) -> Result<Vec<u8>, ImagingError> {
    let header = probe(source)?;
    check_limits(&header, limits)?;
    let mut image = match flavour {
        Flavour::Lorem => thumbnail(source, task)?,
        Flavour::Fast => crate::cover::decode(source, &header.loader, (task.width, task.height))?,
    };
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
    encode(flavour, &image, task.format)
}

/// libvips' thumbnail, covering and centre-cropping, as Lorem Picsum calls it.
fn thumbnail(source: &[u8], task: &PicsumTask) -> Result<VipsImage, ImagingError> {
    VipsImage::thumbnail_buffer_with_opts(
        source,
        vips_dim(task.width)?,
        VOption::new()
            .set("height", vips_dim(task.height)?)
            .set("crop", Interesting::Centre as i32)
            // libvips 8.14's thumbnail ignores its own `fail-on`; the loader option string works.
            .set("option-string", "fail-on=truncated"),
    )
    .map_err(|_| decode_error())
}

fn encode(flavour: Flavour, image: &VipsImage, format: Format) -> Result<Vec<u8>, ImagingError> {
    if format == Format::Avif {
        // Not Picsum's: our `.avif` extension, encoded as every AVIF of the service.
        return crate::encode::encode(image, Format::Avif, None);
    }
    // As in [`crate::encode`]: the pipeline's pixels are computed here.
    let _span = tracing::info_span!("encode", format = format.extension()).entered();
    let encoded = match (format, flavour) {
        (Format::Jpeg, Flavour::Lorem) => image.jpegsave_buffer_with_opts(
            VOption::new()
                .set("interlace", true)
                .set("optimize_coding", true),
        ),
        (Format::Jpeg, Flavour::Fast) => image.jpegsave_buffer_with_opts(fast_jpeg()),
        (Format::Webp, _) => image.webpsave_buffer(),
        (other, _) => {
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

/// The default build's JPEG: progressive like Lorem Picsum's, with mozjpeg's optimised
/// scans and its quantisation table 3. Measured against sharp's defaults in
/// bench/quality.py: 0.89x their bytes at equal SSIMULACRA2. Trellis quantisation (fast1)
/// bought under 3% more and cost a third of a 2 MP render's CPU, so it is off.
fn fast_jpeg() -> VOption<'static> {
    VOption::new()
        .set("Q", FAST_JPEG_QUALITY)
        .set("interlace", true)
        .set("optimize_coding", true)
        .set("optimize_scans", true)
        .set("quant_table", 3)
}

/// Quality of the default build's Picsum JPEG.
const FAST_JPEG_QUALITY: i32 = 75;

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
/// As [`render_picsum`].
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
