//! The transformation model: an ordered pipeline of operations plus output settings.
//!
//! Every URL dialect (picfit's, pixlserv's) parses into a [`Pipeline`]; nothing after the
//! parser knows which dialect a request used. [`Pipeline::canonical`] is the one textual
//! form, used in cache keys.

use std::fmt::{self, Write as _};

pub use crate::overlay::{Flat, Placement, Text, Watermark};

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

    /// The format a libvips loader name stands for (`jpegload_buffer` → JPEG).
    #[must_use]
    pub fn from_loader(loader: &str) -> Option<Self> {
        ["jpeg", "png", "gif", "webp", "heif"]
            .into_iter()
            .find(|prefix| loader.starts_with(prefix))
            .and_then(|prefix| Self::from_name(if prefix == "heif" { "avif" } else { prefix }))
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

/// Where a crop or an overlay sits in its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gravity {
    /// Top edge, centred.
    North,
    /// Top right corner.
    NorthEast,
    /// Right edge, centred.
    East,
    /// Bottom right corner.
    SouthEast,
    /// Bottom edge, centred.
    South,
    /// Bottom left corner.
    SouthWest,
    /// Left edge, centred.
    West,
    /// Top left corner.
    NorthWest,
    /// Centre.
    Centre,
    /// Where libvips' attention model finds the most interesting region (crops only).
    Attention,
    /// Where the entropy is highest (crops only).
    Entropy,
}

impl Gravity {
    /// Parses `n ne e se s sw w nw c` (pixlserv's names) and `smart`, `attention`,
    /// `entropy`, `centre`/`center`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "n" => Self::North,
            "ne" => Self::NorthEast,
            "e" => Self::East,
            "se" => Self::SouthEast,
            "s" => Self::South,
            "sw" => Self::SouthWest,
            "w" => Self::West,
            "nw" => Self::NorthWest,
            "c" | "centre" | "center" => Self::Centre,
            "smart" | "attention" => Self::Attention,
            "entropy" => Self::Entropy,
            _ => return None,
        })
    }

    /// Top-left corner of a `inner` box placed in an `outer` box (integer division, as
    /// pixlserv computes it). Smart gravities place like `Centre` here.
    #[must_use]
    pub fn place(self, outer: (u32, u32), inner: (u32, u32)) -> (u32, u32) {
        let free_x = outer.0.saturating_sub(inner.0);
        let free_y = outer.1.saturating_sub(inner.1);
        let x = match self {
            Self::NorthWest | Self::West | Self::SouthWest => 0,
            Self::NorthEast | Self::East | Self::SouthEast => free_x,
            _ => free_x / 2,
        };
        let y = match self {
            Self::NorthWest | Self::North | Self::NorthEast => 0,
            Self::SouthWest | Self::South | Self::SouthEast => free_y,
            _ => free_y / 2,
        };
        (x, y)
    }

    /// Short name: pixlserv's codes, `attention`, `entropy`.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::North => "n",
            Self::NorthEast => "ne",
            Self::East => "e",
            Self::SouthEast => "se",
            Self::South => "s",
            Self::SouthWest => "sw",
            Self::West => "w",
            Self::NorthWest => "nw",
            Self::Centre => "c",
            Self::Attention => "attention",
            Self::Entropy => "entropy",
        }
    }
}

/// How a side computed from the aspect ratio is rounded (the servers we copy differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// `floor(x + 0.5)`, at least 1 (picfit's imaging library).
    Nearest,
    /// `floor(x + 0.7)`, at least 1 (pixlserv's nfnt/resize).
    Generous,
    /// `floor(x)`, at least 1 (picfit's `fit`).
    Down,
}

impl Rounding {
    /// Rounds a computed side.
    #[must_use]
    pub fn apply(self, x: f64) -> u32 {
        let v = match self {
            Self::Nearest => (x + 0.5).floor(),
            Self::Generous => (x + 0.7).floor(),
            Self::Down => x.floor(),
        };
        // Sides are bounded by the pixel limit long before u32 overflows.
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let v = v.clamp(1.0, f64::from(u32::MAX)) as u32;
        v
    }

    const fn code(self) -> char {
        match self {
            Self::Nearest => 'n',
            Self::Generous => 'g',
            Self::Down => 'd',
        }
    }
}

/// A target box; a missing side is derived from the aspect ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Size {
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
}

/// A quarter turn, clockwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Turn {
    /// 90° clockwise.
    Cw90,
    /// 180°.
    Cw180,
    /// 270° clockwise (90° counter-clockwise).
    Cw270,
}

/// A mirror axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Axis {
    /// Left and right swap.
    Horizontal,
    /// Top and bottom swap.
    Vertical,
}

/// One step of a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Scale to exactly the box, distorting when both sides are given; one side keeps the
    /// aspect ratio. Without `upscale`, an image the box would enlarge stays as it is.
    Resize {
        /// Target box.
        size: Size,
        /// Allow enlarging.
        upscale: bool,
        /// Rounding of a derived side.
        rounding: Rounding,
    },
    /// Cover the box, then crop to it exactly at `gravity` (thumbnail, fill).
    Fill {
        /// Target box (both sides required).
        size: Size,
        /// Where the crop is taken.
        gravity: Gravity,
        /// Allow enlarging.
        upscale: bool,
    },
    /// Scale so the whole image fits inside the box, keeping its aspect ratio.
    Fit {
        /// Target box.
        size: Size,
        /// Allow enlarging.
        upscale: bool,
        /// Rounding of the limited side.
        rounding: Rounding,
    },
    /// [`Op::Fit`], then extend to exactly the box with `background`, the image placed at
    /// `gravity`.
    Pad {
        /// Target box (both sides required).
        size: Size,
        /// RGBA background.
        background: [u8; 4],
        /// Where the image sits in the box.
        gravity: Gravity,
        /// Allow enlarging.
        upscale: bool,
    },
    /// Cut the box (clamped to the image) at `gravity`, without scaling.
    Crop {
        /// Box to cut.
        size: Size,
        /// Where it is cut.
        gravity: Gravity,
    },
    /// Rotate by quarter turns.
    Rotate(Turn),
    /// Mirror.
    Flip(Axis),
    /// Gaussian blur.
    Blur {
        /// Sigma in output pixels.
        sigma: f64,
    },
    /// Single-band grey.
    Grayscale,
    /// An image drawn over the output.
    Watermark(Watermark),
    /// Text drawn over the output.
    Text(Text),
    /// picfit's `flat`: images drawn into a rectangle or at a corner.
    Flat(Flat),
}

impl Op {
    /// The operation's name, for metrics.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Resize { .. } => "resize",
            Self::Fill { .. } => "fill",
            Self::Fit { .. } => "fit",
            Self::Pad { .. } => "pad",
            Self::Crop { .. } => "crop",
            Self::Rotate(_) => "rotate",
            Self::Flip(_) => "flip",
            Self::Blur { .. } => "blur",
            Self::Grayscale => "grayscale",
            Self::Watermark(_) => "watermark",
            Self::Text(_) => "text",
            Self::Flat(_) => "flat",
        }
    }
}

/// Encoding settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Output {
    /// Format; `None` keeps the source's (JPEG for sources that cannot be written back).
    pub format: Option<Format>,
    /// Quality 1..=100 for JPEG, WebP and AVIF; `None` is the encoder's default.
    pub quality: Option<u8>,
}

/// An ordered list of operations and the output settings: what one request asks for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pipeline {
    /// Steps, applied in order after EXIF auto-orientation.
    pub ops: Vec<Op>,
    /// Encoding.
    pub output: Output,
}

impl Pipeline {
    /// The canonical text of the pipeline: equal pipelines give equal strings, different
    /// ones different strings. Cache keys are built from it.
    #[must_use]
    pub fn canonical(&self) -> String {
        let mut s = String::new();
        for op in &self.ops {
            let _ = write!(s, "{op}/");
        }
        let _ = write!(
            s,
            "out:{}:q{}",
            self.output.format.map_or("src", Format::extension),
            self.output.quality.map_or(0, u16::from)
        );
        s
    }

    /// Storage keys of the overlay images the pipeline draws (a watermark's retina
    /// variant may be missing).
    pub fn layer_keys(&self) -> impl Iterator<Item = &str> {
        self.ops
            .iter()
            .flat_map(|op| -> Box<dyn Iterator<Item = &str> + '_> {
                match op {
                    Op::Watermark(w) => Box::new(w.keys()),
                    Op::Flat(flat) => Box::new(flat.layers.iter().map(String::as_str)),
                    _ => Box::new(std::iter::empty()),
                }
            })
    }
}

struct Side(Option<u32>);

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(v) => write!(f, "{v}"),
            None => f.write_str("-"),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let up = |b: &bool| u8::from(*b);
        match self {
            Self::Resize {
                size,
                upscale,
                rounding,
            } => write!(
                f,
                "resize:{}x{}:u{}:r{}",
                Side(size.width),
                Side(size.height),
                up(upscale),
                rounding.code()
            ),
            Self::Fill {
                size,
                gravity,
                upscale,
            } => write!(
                f,
                "fill:{}x{}:g{}:u{}",
                Side(size.width),
                Side(size.height),
                gravity.code(),
                up(upscale)
            ),
            Self::Fit {
                size,
                upscale,
                rounding,
            } => write!(
                f,
                "fit:{}x{}:u{}:r{}",
                Side(size.width),
                Side(size.height),
                up(upscale),
                rounding.code()
            ),
            Self::Pad {
                size,
                background: [r, g, b, a],
                gravity,
                upscale,
            } => write!(
                f,
                "pad:{}x{}:bg{r:02x}{g:02x}{b:02x}{a:02x}:g{}:u{}",
                Side(size.width),
                Side(size.height),
                gravity.code(),
                up(upscale)
            ),
            Self::Crop { size, gravity } => write!(
                f,
                "crop:{}x{}:g{}",
                Side(size.width),
                Side(size.height),
                gravity.code()
            ),
            Self::Rotate(turn) => write!(
                f,
                "rotate:{}",
                match turn {
                    Turn::Cw90 => 90,
                    Turn::Cw180 => 180,
                    Turn::Cw270 => 270,
                }
            ),
            Self::Flip(axis) => write!(
                f,
                "flip:{}",
                match axis {
                    Axis::Horizontal => 'h',
                    Axis::Vertical => 'v',
                }
            ),
            Self::Blur { sigma } => write!(f, "blur:{sigma}"),
            Self::Grayscale => f.write_str("gray"),
            Self::Watermark(w) => w.fmt(f),
            Self::Text(t) => t.fmt(f),
            Self::Flat(flat) => flat.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(w: u32, h: u32) -> Size {
        Size {
            width: (w > 0).then_some(w),
            height: (h > 0).then_some(h),
        }
    }

    #[test]
    fn canonical_distinguishes_every_field() {
        let base = Pipeline {
            ops: vec![Op::Resize {
                size: size(100, 0),
                upscale: true,
                rounding: Rounding::Nearest,
            }],
            output: Output::default(),
        };
        let mut seen = std::collections::HashSet::new();
        let variants = [
            base.clone(),
            Pipeline {
                ops: vec![Op::Resize {
                    size: size(0, 100),
                    upscale: true,
                    rounding: Rounding::Nearest,
                }],
                ..base.clone()
            },
            Pipeline {
                ops: vec![Op::Resize {
                    size: size(100, 0),
                    upscale: false,
                    rounding: Rounding::Nearest,
                }],
                ..base.clone()
            },
            Pipeline {
                ops: vec![Op::Resize {
                    size: size(100, 0),
                    upscale: true,
                    rounding: Rounding::Generous,
                }],
                ..base.clone()
            },
            Pipeline {
                output: Output {
                    format: Some(Format::Webp),
                    quality: None,
                },
                ..base.clone()
            },
            Pipeline {
                output: Output {
                    format: None,
                    quality: Some(80),
                },
                ..base.clone()
            },
            Pipeline {
                ops: vec![Op::Rotate(Turn::Cw90), Op::Flip(Axis::Vertical)],
                ..base.clone()
            },
            Pipeline {
                ops: vec![Op::Flip(Axis::Vertical), Op::Rotate(Turn::Cw90)],
                ..base.clone()
            },
        ];
        for p in &variants {
            assert!(seen.insert(p.canonical()), "{}", p.canonical());
        }
        assert_eq!(base.canonical(), "resize:100x-:u1:rn/out:src:q0");
    }

    #[test]
    fn gravity_places_like_pixlserv() {
        let outer = (100, 50);
        let inner = (30, 20);
        let cases = [
            ("n", (35, 0)),
            ("ne", (70, 0)),
            ("e", (70, 15)),
            ("se", (70, 30)),
            ("s", (35, 30)),
            ("sw", (0, 30)),
            ("w", (0, 15)),
            ("nw", (0, 0)),
            ("c", (35, 15)),
        ];
        for (name, want) in cases {
            assert_eq!(
                Gravity::from_name(name).unwrap().place(outer, inner),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn rounding_modes() {
        assert_eq!(Rounding::Nearest.apply(71.4), 71);
        assert_eq!(Rounding::Generous.apply(71.4), 72);
        assert_eq!(Rounding::Down.apply(71.9), 71);
        assert_eq!(Rounding::Nearest.apply(0.2), 1);
    }

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
        assert_eq!(Format::from_loader("pngload_buffer"), Some(Format::Png));
        assert_eq!(Format::from_loader("heifload_buffer"), Some(Format::Avif));
        assert_eq!(Format::from_loader("svgload"), None);
    }
}
