//! Images of a placeholder: the ThumbHash decoded to a tiny PNG (the LQIP, 16 px on its long
//! side, blurry by construction; the browser's smooth scaling does the rest) and a solid SVG
//! of the dominant colour at any size.
//!
//! The PNG is written here: 8-bit RGB (RGBA when the ThumbHash has transparency), each row
//! with the PNG filter that leaves the smallest residuals, deflated at the highest level
//! (`miniz_oxide`). A few hundred bytes, small enough to inline.

use base64::Engine;

use crate::{PlaceholderError, Rgb};

/// The LQIP's longest side at most: ThumbHash's own 32 px halved.
const LQIP_SIDE: usize = 16;

/// The LQIP of a base64 ThumbHash, as PNG bytes.
///
/// # Errors
/// [`PlaceholderError::Decode`] when the text is not a ThumbHash.
pub fn lqip_png(thumbhash_base64: &str) -> Result<Vec<u8>, PlaceholderError> {
    let bad = || PlaceholderError::Decode("not a ThumbHash".into());
    let hash = base64::engine::general_purpose::STANDARD
        .decode(thumbhash_base64)
        .map_err(|_| bad())?;
    let (mut w, mut h, mut rgba) = thumbhash::thumb_hash_to_rgba(&hash).map_err(|()| bad())?;
    while w.max(h) > LQIP_SIDE && w >= 2 && h >= 2 {
        (w, h, rgba) = halve(w, h, &rgba);
    }
    encode_rgba(w, h, &rgba).ok_or_else(bad)
}

/// A `width`×`height` SVG filled with `colour`.
pub fn solid_svg(colour: Rgb, width: u32, height: u32) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\"><rect width=\"100%\" height=\"100%\" fill=\"{colour}\"/></svg>"
    )
}

/// RGBA pixels at half the size (each 2×2 block averaged; an odd last row or column dropped).
fn halve(w: usize, h: usize, rgba: &[u8]) -> (usize, usize, Vec<u8>) {
    let (hw, hh) = (w / 2, h / 2);
    let at = |x: usize, y: usize, c: usize| {
        u32::from(rgba.get((y * w + x) * 4 + c).copied().unwrap_or(0))
    };
    let mut out = Vec::with_capacity(hw * hh * 4);
    for y in 0..hh {
        for x in 0..hw {
            for c in 0..4 {
                let sum = at(2 * x, 2 * y, c)
                    + at(2 * x + 1, 2 * y, c)
                    + at(2 * x, 2 * y + 1, c)
                    + at(2 * x + 1, 2 * y + 1, c);
                out.push(u8::try_from((sum + 2) / 4).unwrap_or(u8::MAX));
            }
        }
    }
    (hw, hh, out)
}

/// PNG of 8-bit RGBA pixels (written as RGB when every pixel is opaque); `None` when the
/// sizes do not fit the pixels.
fn encode_rgba(w: usize, h: usize, rgba: &[u8]) -> Option<Vec<u8>> {
    if w == 0 || h == 0 || rgba.len() != w * h * 4 {
        return None;
    }
    let opaque = rgba.chunks_exact(4).all(|p| p.get(3) == Some(&255));
    let (bpp, colour_type) = if opaque { (3, 2) } else { (4, 6) };
    let pixels: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| p.iter().take(bpp).copied())
        .collect();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&u32::try_from(w).ok()?.to_be_bytes());
    ihdr.extend_from_slice(&u32::try_from(h).ok()?.to_be_bytes());
    ihdr.extend_from_slice(&[8, colour_type, 0, 0, 0]); // 8-bit, deflate, adaptive filters, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    let filtered = filter_rows(&pixels, w * bpp, bpp);
    chunk(
        &mut png,
        b"IDAT",
        &miniz_oxide::deflate::compress_to_vec_zlib(&filtered, 10),
    );
    chunk(&mut png, b"IEND", &[]);
    Some(png)
}

/// Each row (`stride` bytes of pixels of `bpp` bytes) prefixed by the PNG filter type that
/// gives the smallest sum of residuals, and filtered with it.
fn filter_rows(pixels: &[u8], stride: usize, bpp: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(pixels.len() + pixels.len() / stride.max(1));
    let zeros = vec![0u8; stride];
    let mut previous: &[u8] = &zeros;
    for row in pixels.chunks_exact(stride) {
        let best = (0..5u8)
            .map(|kind| (kind, filtered(kind, row, previous, bpp)))
            .min_by_key(|(_, f)| {
                f.iter()
                    .map(|&r| u32::from(r.min(r.wrapping_neg())))
                    .sum::<u32>()
            });
        if let Some((kind, row_out)) = best {
            out.push(kind);
            out.extend_from_slice(&row_out);
        }
        previous = row;
    }
    out
}

/// `row` filtered with PNG filter `kind` (0 none, 1 sub, 2 up, 3 average, 4 Paeth).
fn filtered(kind: u8, row: &[u8], previous: &[u8], bpp: usize) -> Vec<u8> {
    let get = |v: &[u8], i: Option<usize>| i.and_then(|i| v.get(i)).copied().unwrap_or(0);
    row.iter()
        .enumerate()
        .map(|(i, &x)| {
            let left = i.checked_sub(bpp);
            let (a, b, c) = (get(row, left), get(previous, Some(i)), get(previous, left));
            let predicted = match kind {
                1 => a,
                2 => b,
                3 => u8::try_from((u16::from(a) + u16::from(b)) / 2).unwrap_or(0),
                4 => paeth(a, b, c),
                _ => 0,
            };
            x.wrapping_sub(predicted)
        })
        .collect()
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(out.get(start..).unwrap_or_default());
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pixels of a PNG this module wrote: inflated and unfiltered (a reader of our own
    /// output, so the test checks bytes a browser would decode, not our intentions).
    fn decode(png: &[u8]) -> (usize, usize, usize, Vec<u8>) {
        let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let (w, h, colour_type) = (be(16), be(20), png[25]);
        let bpp = if colour_type == 2 { 3 } else { 4 };
        let (mut at, mut idat) = (8, Vec::new());
        while at < png.len() {
            let len = be(at);
            let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc, crc32(&png[at + 4..at + 8 + len]), "chunk CRC");
            if &png[at + 4..at + 8] == b"IDAT" {
                idat.extend_from_slice(&png[at + 8..at + 8 + len]);
            }
            at += 12 + len;
        }
        let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&idat).unwrap();
        let stride = w * bpp;
        let mut pixels: Vec<u8> = Vec::with_capacity(w * h * bpp);
        for (y, row) in raw.chunks_exact(stride + 1).enumerate() {
            for (i, &r) in row[1..].iter().enumerate() {
                let a = if i >= bpp {
                    pixels[y * stride + i - bpp]
                } else {
                    0
                };
                let b = if y > 0 {
                    pixels[(y - 1) * stride + i]
                } else {
                    0
                };
                let c = if y > 0 && i >= bpp {
                    pixels[(y - 1) * stride + i - bpp]
                } else {
                    0
                };
                let p = match row[0] {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => u8::try_from((u16::from(a) + u16::from(b)) / 2).unwrap(),
                    4 => paeth(a, b, c),
                    k => panic!("filter {k}"),
                };
                pixels.push(r.wrapping_add(p));
            }
        }
        (w, h, bpp, pixels)
    }

    #[test]
    fn crc_matches_its_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn lqip_is_a_small_png_of_the_thumbhash() {
        let p = crate::Placeholder::from_rgb(4, 2, &[200, 30, 30].repeat(8)).unwrap();
        let png = lqip_png(&p.thumbhash_base64()).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let (w, h, bpp, pixels) = decode(&png);
        assert!(w > h && w <= LQIP_SIDE, "{w}x{h}");
        assert_eq!(bpp, 3, "opaque: RGB");
        for px in pixels.chunks_exact(3) {
            assert!(px[0] > 150 && px[1] < 80 && px[2] < 80, "{px:?}");
        }
        assert!(matches!(lqip_png("!!"), Err(PlaceholderError::Decode(_))));
        assert!(encode_rgba(2, 2, &[0; 3]).is_none());
    }

    #[test]
    fn pixels_survive_the_filters_and_deflate() {
        // A gradient with transparency: every filter type gets chosen somewhere.
        let (w, h) = (13, 7);
        let rgba: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                [x * 19, y * 37, x * y, 255 - x].map(|v| u8::try_from(v % 256).unwrap())
            })
            .collect();
        let (dw, dh, bpp, pixels) = decode(&encode_rgba(w, h, &rgba).unwrap());
        assert_eq!((dw, dh, bpp), (w, h, 4));
        assert_eq!(pixels, rgba);
    }

    #[test]
    fn every_sample_photo_has_an_lqip_of_at_most_700_bytes() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../gallery/photos");
        let mut sizes = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let p = crate::Placeholder::from_jpeg(&bytes).unwrap();
            let png = lqip_png(&p.thumbhash_base64()).unwrap();
            let (w, h, _, _) = decode(&png);
            assert!(w.max(h) == LQIP_SIDE, "{w}x{h}");
            sizes.push(png.len());
        }
        sizes.sort_unstable();
        assert!(sizes.len() >= 20, "{sizes:?}");
        assert!(sizes.last().is_some_and(|&max| max <= 700), "{sizes:?}");
        println!("LQIP PNG bytes over {} photos: {sizes:?}", sizes.len());
    }

    #[test]
    fn solid_svg_is_the_colour_at_the_size() {
        assert_eq!(
            solid_svg(Rgb([1, 2, 255]), 300, 200),
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"200\" viewBox=\"0 0 300 200\"><rect width=\"100%\" height=\"100%\" fill=\"#0102ff\"/></svg>"
        );
    }
}
