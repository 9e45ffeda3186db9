//! The dominant colour of a thumbnail and the family it belongs to.
//!
//! Dominant, not average: pixels are counted in a 3-bit-per-channel histogram, bins weighted
//! by how colourful they are, and the heaviest bin's mean is the colour, so a photo of a red
//! bowl on grey stone is red, never the brown an average would give.

use std::fmt;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub [u8; 3]);

impl Rgb {
    /// Parses `#rrggbb` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        let hex = s.strip_prefix('#').filter(|h| h.len() == 6)?;
        let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
        Some(Self([byte(0)?, byte(2)?, byte(4)?]))
    }
}

impl fmt::Display for Rgb {
    /// `#rrggbb`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

/// The mean of the heaviest bin of an 8×8×8 histogram of RGB pixels, where a bin weighs its
/// pixel count times (32 + its chroma): a colourful region outweighs a larger dull one (a
/// dark background, an overcast sky) unless the dull one is far larger.
pub(crate) fn dominant(rgb: &[u8]) -> Rgb {
    let mut bins = vec![[0u32; 4]; 512];
    for p in rgb.chunks_exact(3) {
        let [r, g, b] = [0, 1, 2].map(|i| p.get(i).copied().unwrap_or(0));
        let bin = (usize::from(r >> 5) << 6) | (usize::from(g >> 5) << 3) | usize::from(b >> 5);
        if let Some(s) = bins.get_mut(bin) {
            *s = [
                s[0] + u32::from(r),
                s[1] + u32::from(g),
                s[2] + u32::from(b),
                s[3] + 1,
            ];
        }
    }
    let mean = |s: &[u32; 4]| {
        let n = s[3].max(1);
        Rgb([s[0], s[1], s[2]].map(|v| u8::try_from(v / n).unwrap_or(255)))
    };
    let weight = |s: &[u32; 4]| {
        let [r, g, b] = mean(s).0;
        u64::from(s[3]) * (32 + u64::from(r.max(g).max(b)) - u64::from(r.min(g).min(b)))
    };
    bins.iter()
        .max_by_key(|s| weight(s))
        .map_or(Rgb([0; 3]), mean)
}

/// The colour's family, a computed tag: `black`, `white`, `gray` for the unsaturated, else
/// `red`, `orange`, `yellow`, `green`, `teal`, `blue`, `purple`, `pink` by hue, and `brown`
/// for dark oranges and yellows.
pub fn family(colour: Rgb) -> &'static str {
    let [r, g, b] = colour.0.map(i32::from);
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let (lightness, chroma) = (max + min, max - min); // lightness doubled, 0..=510
    if lightness < 70 {
        return "black";
    }
    // HSL saturation below 15% (or hardly any chroma): no hue to speak of.
    let spread = 255 - (lightness - 255).abs();
    if chroma < 20 || chroma * 100 < 15 * spread {
        return if lightness > 440 {
            "white"
        } else if lightness < 120 {
            "black"
        } else {
            "gray"
        };
    }
    let hue = hue_degrees(r, g, b, max, chroma);
    match hue {
        0..15 | 345..360 => "red",
        15..45 if max < 150 => "brown",
        15..45 => "orange",
        45..70 if max < 130 => "brown",
        45..70 => "yellow",
        70..165 => "green",
        165..195 => "teal",
        195..260 => "blue",
        260..295 => "purple",
        _ => "pink",
    }
}

/// Hue in whole degrees, 0..360.
fn hue_degrees(r: i32, g: i32, b: i32, max: i32, chroma: i32) -> i32 {
    let h = if max == r {
        60 * (g - b) / chroma
    } else if max == g {
        120 + 60 * (b - r) / chroma
    } else {
        240 + 60 * (r - g) / chroma
    };
    h.rem_euclid(360)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        assert_eq!(Rgb::parse("#0A7fFf"), Some(Rgb([10, 127, 255])));
        assert_eq!(Rgb([10, 127, 255]).to_string(), "#0a7fff");
        for bad in ["0a7fff", "#0a7ff", "#0a7fffa", "#gg0000", "#é0000"] {
            assert_eq!(Rgb::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn families() {
        for (rgb, want) in [
            ([10, 10, 12], "black"),
            ([250, 250, 250], "white"),
            ([128, 130, 128], "gray"),
            ([200, 30, 30], "red"),
            ([240, 140, 20], "orange"),
            ([120, 70, 30], "brown"),
            ([240, 220, 40], "yellow"),
            ([40, 160, 60], "green"),
            ([30, 160, 160], "teal"),
            ([40, 90, 200], "blue"),
            ([120, 50, 180], "purple"),
            ([230, 100, 170], "pink"),
        ] {
            assert_eq!(family(Rgb(rgb)), want, "{rgb:?}");
        }
    }

    #[test]
    fn dominant_is_the_fullest_bin_not_the_mean() {
        let mut px = Vec::new();
        for _ in 0..60 {
            px.extend_from_slice(&[200, 20, 20]);
        }
        for _ in 0..40 {
            px.extend_from_slice(&[20, 20, 200]);
        }
        assert_eq!(dominant(&px), Rgb([200, 20, 20]));
    }
}
