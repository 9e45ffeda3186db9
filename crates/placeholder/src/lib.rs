//! Placeholders shown while a photo loads: its [ThumbHash](https://evanw.github.io/thumbhash/)
//! and its dominant colour, with the colour's family (`blue`, `green`, …) as a computed tag.
//!
//! Pure: JPEG bytes are decoded by `jpeg-decoder` at a DCT-reduced scale (a 20-megapixel
//! original decodes at 1/8), then averaged down to at most 100×100 pixels, where ThumbHash
//! and the colour are computed. No libvips, no web stack: the API computes them for a manifest
//! at start-up and `picsum import` for the database.

mod colour;
mod css;
mod png;

use base64::Engine;
pub use colour::{Rgb, family};
pub use css::{css_lqip, css_lqip_of_rgba, decode_css_lqip};
pub use png::{lqip_png, solid_svg};

/// Largest side ThumbHash takes.
const THUMB_SIDE: usize = 100;

/// Why no placeholder could be computed.
#[derive(Debug, thiserror::Error)]
pub enum PlaceholderError {
    /// Not a JPEG this decoder reads.
    #[error("cannot decode the photo: {0}")]
    Decode(String),
    /// No pixels.
    #[error("the photo has no pixels")]
    Empty,
}

/// A photo's placeholder data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The ThumbHash bytes.
    pub thumbhash: Vec<u8>,
    /// The dominant colour.
    pub colour: Rgb,
}

impl Placeholder {
    /// The ThumbHash as standard base64 (with padding), as JSON carries it.
    pub fn thumbhash_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.thumbhash)
    }

    /// Computes the placeholder of RGB pixels (`w*h*3` bytes) of any size.
    ///
    /// # Errors
    /// [`PlaceholderError::Empty`] when there is no pixel or the buffer is short.
    pub fn from_rgb(w: usize, h: usize, rgb: &[u8]) -> Result<Self, PlaceholderError> {
        if w == 0 || h == 0 || rgb.len() < w * h * 3 {
            return Err(PlaceholderError::Empty);
        }
        let (tw, th, small) = shrink(w, h, rgb);
        let rgba: Vec<u8> = small
            .chunks_exact(3)
            .flat_map(|p| {
                let mut px = [255u8; 4];
                if let Some(rgb) = px.get_mut(..3) {
                    rgb.copy_from_slice(p);
                }
                px
            })
            .collect();
        Ok(Self {
            thumbhash: thumbhash::rgba_to_thumb_hash(tw, th, &rgba),
            colour: colour::dominant(&small),
        })
    }

    /// Decodes a JPEG (at a reduced scale) and computes its placeholder.
    ///
    /// # Errors
    /// [`PlaceholderError::Decode`] for anything but a readable JPEG.
    pub fn from_jpeg(bytes: &[u8]) -> Result<Self, PlaceholderError> {
        let mut decoder = jpeg_decoder::Decoder::new(bytes);
        decoder
            .read_info()
            .map_err(|e| PlaceholderError::Decode(e.to_string()))?;
        decoder
            .scale(128, 128)
            .map_err(|e| PlaceholderError::Decode(e.to_string()))?;
        let pixels = decoder
            .decode()
            .map_err(|e| PlaceholderError::Decode(e.to_string()))?;
        let info = decoder.info().ok_or(PlaceholderError::Empty)?;
        let (w, h) = (usize::from(info.width), usize::from(info.height));
        let rgb = to_rgb(info.pixel_format, pixels)?;
        Self::from_rgb(w, h, &rgb)
    }
}

/// Any decoded pixel format as RGB.
fn to_rgb(format: jpeg_decoder::PixelFormat, pixels: Vec<u8>) -> Result<Vec<u8>, PlaceholderError> {
    use jpeg_decoder::PixelFormat;
    Ok(match format {
        PixelFormat::RGB24 => pixels,
        PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
        PixelFormat::L16 => pixels
            .chunks_exact(2)
            .flat_map(|l| {
                let v = l.first().copied().unwrap_or(0);
                [v, v, v]
            })
            .collect(),
        PixelFormat::CMYK32 => pixels
            .chunks_exact(4)
            .flat_map(|p| {
                let [c, m, y, k] = [0, 1, 2, 3].map(|i| u16::from(p.get(i).copied().unwrap_or(0)));
                // Adobe's inverted CMYK, as libjpeg hands it over.
                [c * k / 255, m * k / 255, y * k / 255].map(|v| u8::try_from(v).unwrap_or(255))
            })
            .collect(),
    })
}

/// Box-averages RGB pixels down to fit within [`THUMB_SIDE`]² (never up).
fn shrink(w: usize, h: usize, rgb: &[u8]) -> (usize, usize, Vec<u8>) {
    let f = w.max(h).div_ceil(THUMB_SIDE).max(1);
    let (tw, th) = (w.div_ceil(f), h.div_ceil(f));
    let mut sums = vec![[0u32; 4]; tw * th];
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 3;
            if let (Some(px), Some(sum)) = (rgb.get(i..i + 3), sums.get_mut((y / f) * tw + x / f)) {
                for (s, &c) in sum.iter_mut().zip(px) {
                    *s += u32::from(c);
                }
                sum[3] += 1;
            }
        }
    }
    let out = sums
        .iter()
        .flat_map(|s| {
            let n = s[3].max(1);
            [s[0] / n, s[1] / n, s[2] / n].map(|v| u8::try_from(v).unwrap_or(255))
        })
        .collect();
    (tw, th, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../gallery/photos");
        std::fs::read(dir.join(name)).unwrap()
    }

    #[test]
    fn jpeg_placeholders_decode_back_to_the_photos_shape_and_colour() {
        // The Hubble deep field, a fig in a red bowl, a bridge against a blue sky.
        for (file, ratio, family_want) in [
            ("18.jpg", 1000.0 / 872.0, "black"),
            ("9.jpg", 1200.0 / 812.0, "red"),
            ("6_500.jpg", 1200.0 / 675.0, "blue"),
        ] {
            let p = Placeholder::from_jpeg(&fixture(file)).unwrap();
            let (w, h, rgba) = thumbhash::thumb_hash_to_rgba(&p.thumbhash).unwrap();
            assert_eq!(rgba.len(), w * h * 4);
            let aspect = thumbhash::thumb_hash_to_approximate_aspect_ratio(&p.thumbhash).unwrap();
            assert!((aspect - ratio).abs() < 0.2, "{file}: aspect {aspect}");
            assert_eq!(family(p.colour), family_want, "{file}: {}", p.colour);
            assert!(!p.thumbhash_base64().is_empty());
        }
    }

    #[test]
    fn grey_jpegs_and_garbage() {
        let p = Placeholder::from_jpeg(&fixture("24.jpg")).unwrap();
        let [r, g, b] = p.colour.0;
        assert!(r.abs_diff(g) < 3 && g.abs_diff(b) < 3, "{}", p.colour);
        assert!(matches!(
            Placeholder::from_jpeg(b"not a jpeg"),
            Err(PlaceholderError::Decode(_))
        ));
        assert!(matches!(
            Placeholder::from_rgb(0, 5, &[]),
            Err(PlaceholderError::Empty)
        ));
    }

    proptest::proptest! {
        #[test]
        fn any_pixels_make_a_placeholder(w in 1usize..300, h in 1usize..300, seed: u8) {
            let rgb: Vec<u8> = (0..w * h * 3).map(|i| u8::try_from(i % 256).unwrap().wrapping_mul(seed)).collect();
            let p = Placeholder::from_rgb(w, h, &rgb).unwrap();
            proptest::prop_assert!(thumbhash::thumb_hash_to_rgba(&p.thumbhash).is_ok());
        }
    }
}
