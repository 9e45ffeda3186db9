//! The image request grammar shared by the API and the image service.
//!
//! Parsing follows Lorem Picsum's order so the first failure is the one it reports:
//! size, then extension, then query flags (which never fail); validation of ranges happens
//! later, after the image was selected (see [`RawParams::validate`]).

use crate::format::Format;
use crate::query::Query;

/// Largest width or height a request may ask for (5000 exactly is allowed).
pub const MAX_DIMENSION: u32 = 5000;
/// Blur amount used when `?blur` has no integer value.
pub const DEFAULT_BLUR: i64 = 5;
/// Allowed blur amounts.
pub const BLUR_RANGE: std::ops::RangeInclusive<i64> = 1..=10;

/// Why a request's parameters were refused. Display texts are Picsum's exact messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// A size that does not parse, overflows or is above [`MAX_DIMENSION`].
    #[error("Invalid size")]
    InvalidSize,
    /// An extension other than `.jpg` or `.webp`.
    #[error("Invalid file extension")]
    InvalidExtension,
    /// A blur amount outside [`BLUR_RANGE`].
    #[error("Invalid blur amount")]
    InvalidBlur,
    /// AVIF asked for more than [`MAX_AVIF_PIXELS`].
    #[error("AVIF is limited to 6250000 pixels (2500x2500): ask for less, or for .webp or .jpg")]
    AvifTooLarge,
}

/// Largest AVIF output, in pixels. AVIF costs far more CPU than the other encodings and more
/// than linearly with size (libvips 8.14 + libaom, effort 2, on the project's VM: 0.3 s of CPU
/// at 1000x1000, 1.6 s at 2500x2500, 24 s at 5000x5000, where WebP takes 3 s): this bound
/// keeps an AVIF render under the cost of the largest WebP.
pub const MAX_AVIF_PIXELS: u64 = 2500 * 2500;

/// The output format of a Picsum extension (`""`, `.jpg`, `.webp`, and ours: `.avif`; any
/// case).
///
/// # Errors
/// [`ParamError::InvalidExtension`] for anything else.
pub fn format_of_extension(ext: &str) -> Result<Format, ParamError> {
    match ext.to_ascii_lowercase().as_str() {
        "" | ".jpg" => Ok(Format::Jpeg),
        ".webp" => Ok(Format::Webp),
        ".avif" => Ok(Format::Avif),
        _ => Err(ParamError::InvalidExtension),
    }
}

/// A size as written in the path: `{size}` (square) or `{width}/{height}`, digits only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeSpec<'a> {
    /// `/{size}`.
    Square(&'a str),
    /// `/{width}/{height}`.
    Rect(&'a str, &'a str),
}

/// Parameters after parsing, before range validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawParams {
    /// Requested width; 0 means the image's own width.
    pub width: u64,
    /// Requested height; 0 means the image's own height.
    pub height: u64,
    /// Output format from the extension.
    pub format: Format,
    /// `?grayscale` present.
    pub grayscale: bool,
    /// `?blur` present, with its amount (not yet range-checked).
    pub blur: Option<i64>,
}

impl RawParams {
    /// Steps 1–3 of Picsum's parsing: size, extension, query flags.
    ///
    /// # Errors
    /// [`ParamError::InvalidSize`] or [`ParamError::InvalidExtension`], in that order.
    pub fn parse(size: SizeSpec<'_>, ext: &str, query: &Query) -> Result<Self, ParamError> {
        let (width, height) = match size {
            SizeSpec::Square(s) => {
                let n = parse_dimension(s)?;
                (n, n)
            }
            SizeSpec::Rect(w, h) => (parse_dimension(w)?, parse_dimension(h)?),
        };
        let format = format_of_extension(ext)?;
        let blur = query.has("blur").then(|| {
            query
                .get("blur")
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(DEFAULT_BLUR)
        });
        Ok(Self {
            width,
            height,
            format,
            grayscale: query.has("grayscale"),
            blur,
        })
    }

    /// Step 5: range checks, applied after the image was selected.
    ///
    /// # Errors
    /// [`ParamError::InvalidSize`] above [`MAX_DIMENSION`], [`ParamError::InvalidBlur`]
    /// outside [`BLUR_RANGE`].
    pub fn validate(self) -> Result<ImageParams, ParamError> {
        let dim = |v: u64| {
            u32::try_from(v)
                .ok()
                .filter(|&v| v <= MAX_DIMENSION)
                .ok_or(ParamError::InvalidSize)
        };
        let (width, height) = (dim(self.width)?, dim(self.height)?);
        let blur = match self.blur {
            None => None,
            Some(b) if BLUR_RANGE.contains(&b) => u8::try_from(b).ok(),
            Some(_) => return Err(ParamError::InvalidBlur),
        };
        Ok(ImageParams {
            width,
            height,
            format: self.format,
            grayscale: self.grayscale,
            blur,
        })
    }
}

/// Validated parameters. A zero dimension still means "the image's own".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImageParams {
    /// Width, `0..=MAX_DIMENSION`.
    pub width: u32,
    /// Height, `0..=MAX_DIMENSION`.
    pub height: u32,
    /// Output format.
    pub format: Format,
    /// Convert to single-band grey.
    pub grayscale: bool,
    /// Gaussian blur sigma, `1..=10`.
    pub blur: Option<u8>,
}

impl ImageParams {
    /// `self`, unless it asks for more work than an answer may cost: AVIF over
    /// [`MAX_AVIF_PIXELS`]. Checked once the size is resolved (`0` is the photo's own).
    ///
    /// # Errors
    /// [`ParamError::AvifTooLarge`].
    pub fn within_budget(self) -> Result<Self, ParamError> {
        let pixels = u64::from(self.width) * u64::from(self.height);
        if self.format == Format::Avif && pixels > MAX_AVIF_PIXELS {
            return Err(ParamError::AvifTooLarge);
        }
        Ok(self)
    }

    /// Step 6: zero dimensions become the stored ones, independently.
    pub fn resolve(self, stored_width: u32, stored_height: u32) -> Self {
        Self {
            width: if self.width == 0 {
                stored_width
            } else {
                self.width
            },
            height: if self.height == 0 {
                stored_height
            } else {
                self.height
            },
            ..self
        }
    }
}

/// Digits as a signed 64-bit value, like Go's `strconv.ParseInt(s, 10, 64)`.
fn parse_dimension(s: &str) -> Result<u64, ParamError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParamError::InvalidSize);
    }
    s.parse::<i64>()
        .ok()
        .and_then(|v| u64::try_from(v).ok())
        .ok_or(ParamError::InvalidSize)
}

/// Splits `s` into its leading ASCII digits (at least one) and the rest.
pub fn leading_digits(s: &str) -> Option<(&str, &str)> {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    (end > 0).then(|| s.split_at(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(size: SizeSpec<'_>, ext: &str, q: &str) -> Result<RawParams, ParamError> {
        RawParams::parse(size, ext, &Query::parse(q))
    }

    #[test]
    fn sizes() {
        let p = parse(SizeSpec::Square("0200"), "", "").unwrap();
        assert_eq!((p.width, p.height, p.format), (200, 200, Format::Jpeg));
        let p = parse(SizeSpec::Rect("200", "300"), ".WEBP", "").unwrap();
        assert_eq!((p.width, p.height, p.format), (200, 300, Format::Webp));
        assert_eq!(
            parse(SizeSpec::Square("9223372036854775807"), "", "")
                .unwrap()
                .width,
            i64::MAX as u64
        );
        assert_eq!(
            parse(SizeSpec::Square("9223372036854775808"), "", ""),
            Err(ParamError::InvalidSize)
        );
        assert_eq!(
            parse(SizeSpec::Square("12a"), "", ""),
            Err(ParamError::InvalidSize)
        );
    }

    #[test]
    fn size_error_wins_over_extension() {
        assert_eq!(
            parse(SizeSpec::Square("99999999999999999999"), ".png", ""),
            Err(ParamError::InvalidSize)
        );
        for ext in [".png", ".jpeg", ".", ".jpg.x", ".jpg/x"] {
            assert_eq!(
                parse(SizeSpec::Square("1"), ext, ""),
                Err(ParamError::InvalidExtension),
                "{ext}"
            );
        }
    }

    #[test]
    fn flags() {
        let p = parse(SizeSpec::Square("1"), "", "grayscale=false").unwrap();
        assert!(p.grayscale);
        assert_eq!(p.blur, None);
        for (q, blur) in [
            ("blur", 5),
            ("blur=", 5),
            ("blur=abc", 5),
            ("blur=2.5", 5),
            ("blur=-3", -3),
            ("blur=7&blur=2", 7),
            ("blur=%2B4", 4),
            ("blur=+4", 5),
        ] {
            assert_eq!(
                parse(SizeSpec::Square("1"), "", q).unwrap().blur,
                Some(blur),
                "{q}"
            );
        }
    }

    #[test]
    fn validation() {
        let ok = |w, h, blur| {
            RawParams {
                width: w,
                height: h,
                format: Format::Jpeg,
                grayscale: false,
                blur,
            }
            .validate()
        };
        assert!(ok(5000, 5000, Some(10)).is_ok());
        assert_eq!(ok(5001, 1, None), Err(ParamError::InvalidSize));
        assert_eq!(ok(1, 5001, Some(99)), Err(ParamError::InvalidSize));
        assert_eq!(ok(1, 1, Some(0)), Err(ParamError::InvalidBlur));
        assert_eq!(ok(1, 1, Some(11)), Err(ParamError::InvalidBlur));
        assert_eq!(ok(1, 1, Some(1)).unwrap().blur, Some(1));
    }

    #[test]
    fn zero_means_stored_size() {
        let p = ImageParams {
            width: 0,
            height: 100,
            format: Format::Jpeg,
            grayscale: false,
            blur: None,
        };
        let r = p.resolve(300, 400);
        assert_eq!((r.width, r.height), (300, 100));
    }

    #[test]
    fn avif_has_a_pixel_budget() {
        let p = |w, h, format| ImageParams {
            width: w,
            height: h,
            format,
            grayscale: false,
            blur: None,
        };
        assert!(p(2500, 2500, Format::Avif).within_budget().is_ok());
        assert_eq!(
            p(2501, 2500, Format::Avif).within_budget(),
            Err(ParamError::AvifTooLarge)
        );
        assert!(p(5000, 5000, Format::Webp).within_budget().is_ok());
    }
}
