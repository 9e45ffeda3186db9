//! The one image format enum of the project: names, extensions, MIME types, sniffing by
//! magic numbers. Picsum's grammar allows two of them ([`crate::params`]); the
//! transformation model all six.

/// Output encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// JPEG (progressive when asked).
    Jpeg,
    /// PNG.
    Png,
    /// GIF (256 colours; every frame of an animated source).
    Gif,
    /// Uncompressed 24-bit BMP.
    Bmp,
    /// WebP.
    Webp,
    /// AVIF (AV1 in HEIF).
    Avif,
}

impl Format {
    /// Every format.
    pub const ALL: [Self; 6] = [
        Self::Jpeg,
        Self::Png,
        Self::Gif,
        Self::Bmp,
        Self::Webp,
        Self::Avif,
    ];

    /// Parses a `fmt` value or file extension (`jpg`, `jpeg`, `png`, `gif`, `bmp`, `webp`,
    /// `avif`), case-insensitively.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" => Self::Jpeg,
            "png" => Self::Png,
            "gif" => Self::Gif,
            "bmp" => Self::Bmp,
            "webp" => Self::Webp,
            "avif" => Self::Avif,
            _ => return None,
        })
    }

    /// The format of encoded bytes, from their magic numbers (JPEG, PNG, GIF, WebP, AVIF).
    #[must_use]
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Self::Gif)
        } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
            Some(Self::Webp)
        } else if bytes.get(4..12) == Some(b"ftypavif") {
            Some(Self::Avif)
        } else {
            None
        }
    }

    /// MIME type.
    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Gif => "image/gif",
            Self::Bmp => "image/bmp",
            Self::Webp => "image/webp",
            Self::Avif => "image/avif",
        }
    }

    /// File extension without the dot.
    #[must_use]
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Gif => "gif",
            Self::Bmp => "bmp",
            Self::Webp => "webp",
            Self::Avif => "avif",
        }
    }
}

/// Whether `Accept` header values list `mime` with a non-zero quality.
#[must_use]
pub fn accepts(accept: &[&str], mime: &str) -> bool {
    accept.iter().flat_map(|v| v.split(',')).any(|part| {
        let mut fields = part.split(';').map(str::trim);
        fields.next().is_some_and(|m| m.eq_ignore_ascii_case(mime))
            && !fields.any(|f| {
                f.replace(' ', "")
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f64>().ok())
                    == Some(0.0)
            })
    })
}

/// The format to encode when a request names none, from its `Accept` header values: AVIF
/// (not for GIF sources, which may be animated) or WebP when `Accept` lists them, else the
/// source's own format, else JPEG.
#[must_use]
pub fn preferred(accept: &[&str], source: Option<Format>) -> Format {
    if accepts(accept, "image/avif") && source != Some(Format::Gif) {
        Format::Avif
    } else if accepts(accept, "image/webp") {
        Format::Webp
    } else {
        source.unwrap_or(Format::Jpeg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic_numbers() {
        assert_eq!(Format::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Format::Jpeg));
        assert_eq!(Format::sniff(b"\x89PNG\r\n\x1a\nrest"), Some(Format::Png));
        assert_eq!(Format::sniff(b"GIF89a..."), Some(Format::Gif));
        assert_eq!(Format::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Format::Webp));
        assert_eq!(Format::sniff(b"\0\0\0\x1cftypavif"), Some(Format::Avif));
        assert_eq!(Format::sniff(b"<svg xmlns=..."), None);
        assert_eq!(Format::sniff(b""), None);
    }

    #[test]
    fn formats_by_name_and_loader() {
        assert_eq!(Format::from_name("JPG"), Some(Format::Jpeg));
        assert_eq!(Format::from_name("tiff"), None);
    }

    #[test]
    fn accept_lists_and_zero_qualities() {
        let a = ["image/AVIF;q=0.0, image/webp ; q = 0.5", "*/*"];
        assert!(!accepts(&a, "image/avif"));
        assert!(accepts(&a, "image/webp"));
        assert_eq!(preferred(&a, None), Format::Webp);
        assert_eq!(preferred(&["image/avif"], Some(Format::Gif)), Format::Gif);
        assert_eq!(preferred(&[], Some(Format::Png)), Format::Png);
    }
}
