//! A source's shape read from its header without libvips (so the async side can estimate a
//! render's cost before queueing it): width, height and frames of JPEG, PNG, GIF and WebP.
//! Bytes it cannot read give `None`; the estimate then falls back on the byte count.

use picsum_url::format::Format;

use crate::cost::Shape;
use crate::jpeg::jpeg_dimensions;

/// Frames counted before a GIF or WebP is taken to have "many": the count only scales an
/// estimate, and libvips refuses animations over the pixel limits anyway.
const MAX_FRAMES: u32 = 10_000;

/// The shape of `bytes`, when its header can be read.
#[must_use]
pub fn shape(bytes: &[u8]) -> Option<Shape> {
    let format = Format::sniff(bytes)?;
    let (width, height, pages) = match format {
        Format::Jpeg => jpeg_dimensions(bytes).map(|(w, h)| (w, h, 1))?,
        Format::Png => png(bytes)?,
        Format::Gif => gif(bytes)?,
        Format::Webp => webp(bytes)?,
        Format::Avif | Format::Bmp => return None,
    };
    (width > 0 && height > 0).then_some(Shape {
        width,
        height,
        pages: pages.max(1),
        format,
    })
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn le16(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(
        bytes.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn le24(bytes: &[u8], at: usize) -> Option<u32> {
    let [a, b, c]: [u8; 3] = bytes.get(at..at + 3)?.try_into().ok()?;
    Some(u32::from_le_bytes([a, b, c, 0]))
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// PNG: the IHDR chunk comes first.
fn png(bytes: &[u8]) -> Option<(u32, u32, u32)> {
    (bytes.get(12..16)? == b"IHDR").then_some(())?;
    Some((be32(bytes, 16)?, be32(bytes, 20)?, 1))
}

/// GIF: the logical screen, and its frames counted by walking the blocks.
fn gif(bytes: &[u8]) -> Option<(u32, u32, u32)> {
    let (width, height) = (le16(bytes, 6)?, le16(bytes, 8)?);
    let flags = *bytes.get(10)?;
    let mut at = 13 + colour_table(flags);
    let mut frames = 0;
    while frames < MAX_FRAMES {
        match bytes.get(at) {
            Some(0x2C) => {
                frames += 1;
                let local = *bytes.get(at + 9)?;
                at = skip_sub_blocks(bytes, at + 10 + colour_table(local) + 1)?;
            }
            Some(0x21) => at = skip_sub_blocks(bytes, at + 2)?,
            _ => break, // the trailer, or bytes cut short: what was counted stands
        }
    }
    Some((width, height, frames.max(1)))
}

/// Bytes of the colour table a GIF flags byte announces.
fn colour_table(flags: u8) -> usize {
    if flags & 0x80 == 0 {
        0
    } else {
        3 << ((flags & 0x07) + 1)
    }
}

/// The offset after the data sub-blocks that start at `at`.
fn skip_sub_blocks(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = usize::from(*bytes.get(at)?);
        at += 1;
        if len == 0 {
            return Some(at);
        }
        at += len;
    }
}

/// WebP: the canvas of a VP8X file (frames counted over its ANMF chunks), or the frame
/// header of a simple lossy (VP8) or lossless (VP8L) one.
fn webp(bytes: &[u8]) -> Option<(u32, u32, u32)> {
    let chunk = bytes.get(12..16)?;
    match chunk {
        b"VP8X" => {
            let (w, h) = (le24(bytes, 24)? + 1, le24(bytes, 27)? + 1);
            Some((w, h, anmf_frames(bytes)))
        }
        b"VP8 " => Some((le16(bytes, 26)? & 0x3FFF, le16(bytes, 28)? & 0x3FFF, 1)),
        b"VP8L" => {
            let bits = le32(bytes, 21)?;
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, 1))
        }
        _ => None,
    }
}

/// The ANMF (animation frame) chunks of a RIFF WebP file.
fn anmf_frames(bytes: &[u8]) -> u32 {
    let mut at = 12;
    let mut frames = 0;
    while frames < MAX_FRAMES {
        let (Some(name), Some(len)) = (bytes.get(at..at + 4), le32(bytes, at + 4)) else {
            break;
        };
        if name == b"ANMF" {
            frames += 1;
        }
        let padded = usize::try_from(len).unwrap_or(usize::MAX).saturating_add(1) & !1;
        at = at.saturating_add(8).saturating_add(padded);
    }
    frames.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ANIMATED: &[u8] = include_bytes!("../../../fixtures/transform/animated.gif");
    const PNG: &[u8] = include_bytes!("../../../fixtures/transform/quadrants.png");
    const JPEG: &[u8] = include_bytes!("../../../fixtures/transform/quadrants.jpg");

    #[test]
    fn reads_what_libvips_reads() {
        crate::init().unwrap();
        for bytes in [ANIMATED, PNG, JPEG] {
            let probe = crate::probe(bytes).unwrap();
            let shape = shape(bytes).unwrap();
            assert_eq!(
                (shape.width, shape.height, shape.pages),
                (probe.width, probe.height, probe.pages)
            );
        }
    }

    #[test]
    fn webp_headers_of_each_kind() {
        let riff = |chunk: &[u8], body: &[u8]| {
            let mut b = b"RIFF\0\0\0\0WEBP".to_vec();
            b.extend_from_slice(chunk);
            b.extend_from_slice(body);
            b
        };
        // VP8X: canvas 640x480 (stored minus one), with two ANMF chunks after it.
        let mut x = riff(
            b"VP8X",
            &[10, 0, 0, 0, 0, 0, 0, 0, 0x7F, 0x02, 0, 0xDF, 0x01, 0],
        );
        for _ in 0..2 {
            x.extend_from_slice(b"ANMF\x02\0\0\0\0\0");
        }
        assert_eq!(webp(&x), Some((640, 480, 2)));
        let frame: Vec<u8> = [0; 10]
            .into_iter()
            .chain([0x80, 0x02, 0xe0, 0x01])
            .collect();
        let lossy = riff(b"VP8 ", &frame);
        assert_eq!(webp(&lossy), Some((640, 480, 1)));
        assert_eq!(shape(b"RIFF\0\0\0\0WEBPVP8Z"), None);
    }

    proptest! {
        #[test]
        fn any_bytes_give_a_shape_or_none_without_panicking(
            bytes in proptest::collection::vec(any::<u8>(), 0..512),
            magic in 0usize..5,
        ) {
            let prefixes: [&[u8]; 5] = [
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
                b"GIF89a",
                b"RIFF\0\0\0\0WEBPVP8X",
                b"RIFF\0\0\0\0WEBPVP8L",
                &[0xFF, 0xD8, 0xFF],
            ];
            let mut input = prefixes[magic].to_vec();
            input.extend_from_slice(&bytes);
            if let Some(s) = shape(&input) {
                prop_assert!(s.width > 0 && s.height > 0 && s.pages >= 1);
                prop_assert!(s.pages <= MAX_FRAMES);
            }
        }

        #[test]
        fn cut_short_real_files_never_panic(cut in 0usize..4096, which in 0usize..3) {
            let bytes = [ANIMATED, PNG, JPEG][which];
            let _ = shape(&bytes[..cut.min(bytes.len())]);
        }
    }
}
