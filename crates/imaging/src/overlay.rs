//! Overlays in the transformation model: a watermark image and text (pixlserv's named
//! transformations) and picfit's `flat` composition.
//!
//! Overlay images are named by their storage key; the caller loads them and hands them to
//! [`crate::process_layered`] as [`Layers`].

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use bytes::Bytes;

use crate::transform::Gravity;

/// Largest text size, in pixels.
pub const MAX_TEXT_SIZE: u32 = 1_000;

/// Overlay images by storage key, loaded by the caller.
pub type Layers = HashMap<String, Bytes>;

/// An image drawn over the output at a gravity, pushed inwards by an offset.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Watermark {
    /// Storage key of the image.
    pub source: String,
    /// Storage key of a ready-made larger variant (`logo@2x.png`), drawn as it is when it
    /// was loaded.
    pub retina: Option<String>,
    /// Factor `source` is enlarged by when there is no retina variant.
    pub scale: u32,
    /// Edge or corner the position is taken from.
    pub gravity: Gravity,
    /// Offsets from that edge, towards the centre, in output pixels.
    pub offset: (u32, u32),
}

/// Text drawn over the output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text {
    /// What is written (plain text; one or more lines).
    pub content: String,
    /// A TrueType/OpenType file on this machine; `None` is the bundled DejaVu Sans.
    pub font: Option<String>,
    /// RGBA colour.
    pub colour: [u8; 4],
    /// Size in pixels (points at 72 DPI).
    pub size: u32,
    /// Edge or corner the position is taken from.
    pub gravity: Gravity,
    /// Offsets from that edge, towards the centre, in output pixels.
    pub offset: (u32, u32),
}

/// picfit's `flat`: images drawn onto the current image.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Flat {
    /// Storage keys of the images, in order.
    pub layers: Vec<String>,
    /// Where they go.
    pub placement: Placement,
}

/// Where `flat` draws its images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placement {
    /// Each image resized to `size` (or kept at its own size) and pinned to a corner.
    Corner {
        /// A corner gravity.
        corner: Gravity,
        /// Size of each image; `None` keeps the image's own.
        size: Option<(u32, u32)>,
    },
    /// A rectangle in percent of the image, filled with a colour, split into equal cells
    /// (side by side when it is wider than tall, else stacked) with one image fitted and
    /// centred in each.
    Rect {
        /// Top-left corner, percent.
        from: (u32, u32),
        /// Bottom-right corner, percent.
        to: (u32, u32),
        /// RGBA fill (transparent: none).
        fill: [u8; 4],
    },
}

impl Watermark {
    /// The keys to load; the retina variant is optional.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.source.as_str()).chain(self.retina.as_deref())
    }
}

/// Top-left of an `inner` box at `gravity` in `outer`, moved inwards by `offset`
/// (pixlserv's placement); may fall partly outside.
#[must_use]
pub fn anchor(
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

/// Hex of arbitrary text, so keys and content never collide with the separators of the
/// canonical form.
pub(crate) fn hex(s: &str) -> String {
    s.bytes()
        .fold(String::with_capacity(s.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

fn rgba(c: [u8; 4]) -> String {
    format!("{:02x}{:02x}{:02x}{:02x}", c[0], c[1], c[2], c[3])
}

impl fmt::Display for Watermark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wm:{}:{}:x{}:g{}:{}:{}",
            hex(&self.source),
            self.retina.as_deref().map_or_else(|| "-".into(), hex),
            self.scale,
            self.gravity.code(),
            self.offset.0,
            self.offset.1
        )
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "text:{}:{}:{}:{}:g{}:{}:{}",
            hex(&self.content),
            self.font.as_deref().map_or_else(|| "-".into(), hex),
            rgba(self.colour),
            self.size,
            self.gravity.code(),
            self.offset.0,
            self.offset.1
        )
    }
}

impl fmt::Display for Flat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layers: Vec<String> = self.layers.iter().map(|k| hex(k)).collect();
        write!(f, "flat:{}:", layers.join(","))?;
        match self.placement {
            Placement::Corner { corner, size } => match size {
                Some((w, h)) => write!(f, "stick:{}:{w}x{h}", corner.code()),
                None => write!(f, "stick:{}:-", corner.code()),
            },
            Placement::Rect { from, to, fill } => write!(
                f,
                "rect:{}.{}.{}.{}:{}",
                from.0,
                from.1,
                to.0,
                to.1,
                rgba(fill)
            ),
        }
    }
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

    #[test]
    fn canonical_forms_differ() {
        let wm = Watermark {
            source: "a/b.png".into(),
            retina: None,
            scale: 1,
            gravity: Gravity::SouthEast,
            offset: (1, 2),
        };
        let mut other = wm.clone();
        other.source = "a:b.png".into();
        assert_ne!(wm.to_string(), other.to_string());
        let text = Text {
            content: "a:b".into(),
            font: None,
            colour: [255, 255, 255, 255],
            size: 12,
            gravity: Gravity::North,
            offset: (0, 0),
        };
        let mut other = text.clone();
        other.colour = [255, 255, 255, 254];
        assert_ne!(text.to_string(), other.to_string());
        let flat = Flat {
            layers: vec!["x,y".into()],
            placement: Placement::Corner {
                corner: Gravity::NorthEast,
                size: None,
            },
        };
        let other = Flat {
            layers: vec!["x".into(), "y".into()],
            ..flat.clone()
        };
        assert_ne!(flat.to_string(), other.to_string());
    }
}
