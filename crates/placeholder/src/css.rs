//! The CSS-only placeholder: a photo as one integer that a few lines of CSS paint with no
//! JavaScript (`style="--lqip: -123456"` and `web/assets/lqip.css`), after the idea Lean
//! Rada published as "CSS-only LQIP" (2025). This encoding is the project's own:
//!
//! ```text
//! bit  19 18 | 17 16 15 | 14 13 12 | 11 10 | 9 8 | 7 6 | 5 4 | 3 2 | 1 0
//!      base L | OKLab a  | OKLab b  |  top row: left, middle, right | bottom row: l, m, r
//! ```
//!
//! The value is those 20 bits minus 2^19, so it lies in −524,288..=524,287 (CSS keeps six
//! significant digits exactly). Decoded:
//! - base lightness `0.2 + 0.2·L` (L in 0..=3), `a = (A − 3)·0.04`, `b = (B − 3)·0.04`;
//! - each of the six cells (3 columns, 2 rows) has lightness `base + (C − 1.5)·0.1` with the
//!   base's `a` and `b`.
//!
//! The numbers come from the ThumbHash already stored for each photo, so no original is
//! decoded to make them.

use base64::Engine;

/// Lightness of base level `q`.
fn base_lightness(q: u32) -> f32 {
    0.2 + 0.2 * q as f32
}

/// Lightness offset of cell level `q` from the base.
fn cell_offset(q: u32) -> f32 {
    (q as f32 - 1.5) * 0.1
}

/// The chroma axis value of level `q`: level 3 is neutral, photos lean warm (positive).
fn chroma(q: u32) -> f32 {
    (q as f32 - 3.0) * 0.04
}

/// The nearest level in `0..=max` to `x` on a scale where level `q` is `at(q)`.
fn nearest(x: f32, max: u32, at: impl Fn(u32) -> f32) -> u32 {
    (0..=max)
        .min_by(|&p, &q| {
            let (dp, dq) = ((at(p) - x).abs(), (at(q) - x).abs());
            dp.total_cmp(&dq)
        })
        .unwrap_or(0)
}

/// sRGB (0..=255) to OKLab `[L, a, b]`.
fn oklab(rgb: [u8; 3]) -> [f32; 3] {
    let [r, g, b] = rgb.map(|c| {
        let c = f32::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    let l = (0.412_221_46 * r + 0.536_332_55 * g + 0.051_445_995 * b).cbrt();
    let m = (0.211_903_5 * r + 0.680_699_5 * g + 0.107_396_96 * b).cbrt();
    let s = (0.088_302_46 * r + 0.281_718_85 * g + 0.629_978_7 * b).cbrt();
    [
        0.210_454_26 * l + 0.793_617_8 * m - 0.004_072_047 * s,
        1.977_998_5 * l - 2.428_592_2 * m + 0.450_593_7 * s,
        0.025_904_037 * l + 0.782_771_77 * m - 0.808_675_77 * s,
    ]
}

/// The six cells' mean OKLab lightness (top row left to right, then the bottom row) and the
/// whole image's mean OKLab, of `w`×`h` RGBA pixels.
fn measure(w: usize, h: usize, rgba: &[u8]) -> Option<([f32; 6], [f32; 3])> {
    let mut cells = [(0.0f32, 0u32); 6];
    let mut mean = [0.0f32; 3];
    for (i, px) in rgba.chunks_exact(4).enumerate() {
        let (x, y) = (i % w, i / w);
        let lab = oklab([px.first(), px.get(1), px.get(2)].map(|c| c.copied().unwrap_or(0)));
        let cell = (y * 2 / h) * 3 + x * 3 / w;
        if let Some((sum, n)) = cells.get_mut(cell) {
            *sum += lab[0];
            *n += 1;
        }
        for (m, v) in mean.iter_mut().zip(lab) {
            *m += v;
        }
    }
    let count = (w * h) as f32;
    if count == 0.0 || cells.iter().any(|(_, n)| *n == 0) {
        return None;
    }
    Some((
        cells.map(|(sum, n)| sum / n as f32),
        mean.map(|m| m / count),
    ))
}

/// The CSS placeholder integer of `w`×`h` RGBA pixels (at least 3×2 of them).
#[must_use]
pub fn css_lqip_of_rgba(w: usize, h: usize, rgba: &[u8]) -> Option<i32> {
    if w < 3 || h < 2 || rgba.len() != w * h * 4 {
        return None;
    }
    let (cells, [_, a, b]) = measure(w, h, rgba)?;
    // The base level whose offsets fit the six cells best.
    let error = |base: u32| -> f32 {
        cells
            .iter()
            .map(|&l| {
                let q = nearest(l, 3, |q| base_lightness(base) + cell_offset(q));
                (base_lightness(base) + cell_offset(q) - l).powi(2)
            })
            .sum()
    };
    let base = (0..=3u32)
        .min_by(|&p, &q| error(p).total_cmp(&error(q)))
        .unwrap_or(1);
    let mut bits = base << 18 | nearest(a, 7, chroma) << 15 | nearest(b, 7, chroma) << 12;
    for (i, &l) in cells.iter().enumerate() {
        let q = nearest(l, 3, |q| base_lightness(base) + cell_offset(q));
        bits |= q << (10 - 2 * i);
    }
    i32::try_from(bits).ok().map(|v| v - (1 << 19))
}

/// The CSS placeholder integer of a base64 ThumbHash.
#[must_use]
pub fn css_lqip(thumbhash_base64: &str) -> Option<i32> {
    let hash = base64::engine::general_purpose::STANDARD
        .decode(thumbhash_base64)
        .ok()?;
    let (w, h, rgba) = thumbhash::thumb_hash_to_rgba(&hash).ok()?;
    css_lqip_of_rgba(w, h, &rgba)
}

/// What a CSS placeholder integer paints: the base OKLab colour and the six cells'
/// lightness, as the stylesheet decodes it (for tests and tools).
#[must_use]
pub fn decode_css_lqip(value: i32) -> Option<([f32; 3], [f32; 6])> {
    let bits = u32::try_from(value.checked_add(1 << 19)?).ok()?;
    if bits >= 1 << 20 {
        return None;
    }
    let base = base_lightness(bits >> 18 & 3);
    let lab = [base, chroma(bits >> 15 & 7), chroma(bits >> 12 & 7)];
    let cells = [0, 1, 2, 3, 4, 5].map(|i| base + cell_offset(bits >> (10 - 2 * i) & 3));
    Some((lab, cells))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `w`×`h` RGBA of `pixel(x, y)`.
    fn image(w: usize, h: usize, pixel: impl Fn(usize, usize) -> [u8; 3]) -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| {
                let [r, g, b] = pixel(i % w, i / w);
                [r, g, b, 255]
            })
            .collect()
    }

    #[test]
    fn values_stay_in_the_range_css_keeps_exact() {
        for (r, g, b) in [
            (0, 0, 0),
            (255, 255, 255),
            (255, 0, 0),
            (0, 0, 255),
            (0, 255, 0),
        ] {
            let v = css_lqip_of_rgba(6, 4, &image(6, 4, |_, _| [r, g, b])).unwrap();
            assert!((-999_999..=999_999).contains(&v), "{v}");
            assert!((-524_288..=524_287).contains(&v), "{v}");
        }
    }

    #[test]
    fn a_flat_colour_comes_back_near_itself() {
        // A mid grey: OKLab L ≈ 0.6, no chroma.
        let v = css_lqip_of_rgba(30, 20, &image(30, 20, |_, _| [128, 128, 128])).unwrap();
        let ([l, a, b], cells) = decode_css_lqip(v).unwrap();
        assert!(a.abs() < 1e-6 && b.abs() < 1e-6, "{a} {b}");
        for c in cells {
            assert!((c - 0.5998).abs() < 0.06, "{l} {cells:?}");
        }
        // A saturated blue leans to negative b.
        let v = css_lqip_of_rgba(30, 20, &image(30, 20, |_, _| [20, 60, 220])).unwrap();
        let ([_, _, b], _) = decode_css_lqip(v).unwrap();
        assert!(b < -0.1, "{b}");
    }

    #[test]
    fn the_cells_follow_where_the_light_is() {
        // Bright top row, dark bottom row.
        let v = css_lqip_of_rgba(
            30,
            20,
            &image(30, 20, |_, y| if y < 10 { [230; 3] } else { [40; 3] }),
        )
        .unwrap();
        let (_, cells) = decode_css_lqip(v).unwrap();
        for top in 0..3 {
            assert!(cells[top] > cells[top + 3] + 0.2, "{cells:?}");
        }
        // Bright left column only.
        let v = css_lqip_of_rgba(
            30,
            20,
            &image(30, 20, |x, _| if x < 10 { [230; 3] } else { [60; 3] }),
        )
        .unwrap();
        let (_, c) = decode_css_lqip(v).unwrap();
        assert!(
            c[0] > c[1] && c[3] > c[4] && (c[1] - c[2]).abs() < 0.11,
            "{c:?}"
        );
    }

    #[test]
    fn thumbhashes_decode_to_an_integer_and_garbage_does_not() {
        let rgba = image(32, 24, |x, y| {
            [
                u8::try_from(x * 8).unwrap(),
                100,
                u8::try_from(y * 10).unwrap(),
            ]
        });
        let hash = thumbhash::rgba_to_thumb_hash(32, 24, &rgba);
        let b64 = base64::engine::general_purpose::STANDARD.encode(hash);
        assert!(css_lqip(&b64).is_some());
        assert_eq!(css_lqip("not base64!"), None);
        assert_eq!(css_lqip_of_rgba(2, 2, &[0; 16]), None);
        assert_eq!(decode_css_lqip(600_000), None);
        assert_eq!(decode_css_lqip(-524_289), None);
    }

    proptest::proptest! {
        #[test]
        fn every_image_gets_a_value_that_decodes(
            w in 3usize..40, h in 2usize..40, seed in proptest::prelude::any::<u64>()
        ) {
            let mut rng = seed;
            let rgba: Vec<u8> = (0..w * h * 4)
                .map(|_| {
                    rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    u8::try_from(rng >> 56).unwrap_or(0)
                })
                .collect();
            let v = css_lqip_of_rgba(w, h, &rgba).unwrap();
            proptest::prop_assert!(decode_css_lqip(v).is_some());
        }
    }
}
