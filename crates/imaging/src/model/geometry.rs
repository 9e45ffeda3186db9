//! Shared geometry of the model: target boxes, gravities, how derived sides are rounded,
//! and colours.

/// An RGBA colour from `rrggbb` or `rrggbbaa` hex digits (no `#`); opaque without alpha.
#[must_use]
pub fn rgba_from_hex(hex: &str) -> Option<[u8; 4]> {
    if !matches!(hex.len(), 6 | 8) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
    };
    let alpha = if hex.len() == 8 { byte(6)? } else { 255 };
    Some([byte(0)?, byte(2)?, byte(4)?, alpha])
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

    /// One-letter code in canonical forms.
    #[must_use]
    pub const fn code(self) -> char {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
