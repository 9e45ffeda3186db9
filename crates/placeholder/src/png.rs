//! Images of a placeholder: the ThumbHash decoded to a tiny PNG (the LQIP, about 32 px on its
//! long side, blurry by construction) and a solid SVG of the dominant colour at any size.
//!
//! The PNG is written by hand: 8-bit RGBA, one zlib stream of stored (uncompressed) deflate
//! blocks. At 32×32 pixels that is 4 KiB, smaller than any dependency that compresses it.

use base64::Engine;

use crate::{PlaceholderError, Rgb};

/// The LQIP of a base64 ThumbHash, as PNG bytes.
///
/// # Errors
/// [`PlaceholderError::Decode`] when the text is not a ThumbHash.
pub fn lqip_png(thumbhash_base64: &str) -> Result<Vec<u8>, PlaceholderError> {
    let bad = || PlaceholderError::Decode("not a ThumbHash".into());
    let hash = base64::engine::general_purpose::STANDARD
        .decode(thumbhash_base64)
        .map_err(|_| bad())?;
    let (w, h, rgba) = thumbhash::thumb_hash_to_rgba(&hash).map_err(|()| bad())?;
    encode_rgba(w, h, &rgba).ok_or_else(bad)
}

/// A `width`×`height` SVG filled with `colour`.
pub fn solid_svg(colour: Rgb, width: u32, height: u32) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\"><rect width=\"100%\" height=\"100%\" fill=\"{colour}\"/></svg>"
    )
}

/// PNG of 8-bit RGBA pixels; `None` when the sizes do not fit the pixels.
fn encode_rgba(w: usize, h: usize, rgba: &[u8]) -> Option<Vec<u8>> {
    if w == 0 || h == 0 || rgba.len() != w * h * 4 {
        return None;
    }
    let mut raw = Vec::with_capacity(h * (w * 4 + 1));
    for row in rgba.chunks_exact(w * 4) {
        raw.push(0); // filter: none
        raw.extend_from_slice(row);
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&u32::try_from(w).ok()?.to_be_bytes());
    ihdr.extend_from_slice(&u32::try_from(h).ok()?.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, no filter, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    chunk(&mut png, b"IEND", &[]);
    Some(png)
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(out.get(start..).unwrap_or_default());
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of stored deflate blocks (at most 65,535 bytes each).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(0xffff).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
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

    #[test]
    fn crc_and_adler_match_their_check_values() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        let z = zlib_stored(b"Wikipedia");
        assert_eq!(z.get(z.len() - 4..).unwrap(), 0x11e6_0398u32.to_be_bytes());
    }

    #[test]
    fn lqip_is_a_png_of_the_thumbhash() {
        let p = crate::Placeholder::from_rgb(4, 2, &[200, 30, 30].repeat(8)).unwrap();
        let png = lqip_png(&p.thumbhash_base64()).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let w = u32::from_be_bytes(png.get(16..20).unwrap().try_into().unwrap());
        let h = u32::from_be_bytes(png.get(20..24).unwrap().try_into().unwrap());
        assert!(w > h && w <= 32, "{w}x{h}");
        assert!(matches!(lqip_png("!!"), Err(PlaceholderError::Decode(_))));
        assert!(encode_rgba(2, 2, &[0; 3]).is_none());
    }

    #[test]
    fn solid_svg_is_the_colour_at_the_size() {
        assert_eq!(
            solid_svg(Rgb([1, 2, 255]), 300, 200),
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"200\" viewBox=\"0 0 300 200\"><rect width=\"100%\" height=\"100%\" fill=\"#0102ff\"/></svg>"
        );
    }
}
