//! Checks of encoded images for tests: decoders for JPEG and WebP, dimensions read from
//! every format's header, pixels and colours compared with a tolerance.
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::missing_panics_doc,
    reason = "test support fails loudly"
)]

/// Decoded JPEG: (width, height, components, progressive, pixels).
pub fn decode_jpeg(bytes: &[u8]) -> (u16, u16, usize, bool, Vec<u8>) {
    let mut d = jpeg_decoder::Decoder::new(bytes);
    let pixels = d.decode().expect("valid JPEG");
    let info = d.info().unwrap();
    let components = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => 1,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        other => panic!("unexpected {other:?}"),
    };
    (
        info.width,
        info.height,
        components,
        info.coding_process == jpeg_decoder::CodingProcess::DctProgressive,
        pixels,
    )
}

/// Decoded WebP: (width, height, has_alpha, pixels).
pub fn decode_webp(bytes: &[u8]) -> (u32, u32, bool, Vec<u8>) {
    let mut d = image_webp::WebPDecoder::new(std::io::Cursor::new(bytes)).expect("valid WebP");
    let (w, h) = d.dimensions();
    let mut buf = vec![0; d.output_buffer_size().unwrap()];
    d.read_image(&mut buf).unwrap();
    (w, h, d.has_alpha(), buf)
}

/// An RGB pixel of a decoded JPEG.
pub fn pixel(jpeg: &[u8], x: usize, y: usize) -> [u8; 3] {
    let (w, _, components, _, pixels) = decode_jpeg(jpeg);
    let at = (y * usize::from(w) + x) * components;
    if components == 1 {
        [pixels[at]; 3]
    } else {
        [pixels[at], pixels[at + 1], pixels[at + 2]]
    }
}

pub fn near(got: [u8; 3], want: [u8; 3]) -> bool {
    got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= 40)
}

pub const RED: [u8; 3] = [255, 0, 0];
pub const GREEN: [u8; 3] = [0, 255, 0];
pub const BLUE: [u8; 3] = [0, 0, 255];

/// Width and height from the header of a PNG, GIF, BMP, WebP, JPEG or AVIF answer.
pub fn dimensions(content_type: &str, body: &[u8]) -> (u32, u32) {
    let be = |at: usize| u32::from_be_bytes(body[at..at + 4].try_into().unwrap());
    let le16 = |at: usize| u32::from(u16::from_le_bytes(body[at..at + 2].try_into().unwrap()));
    let le32 = |at: usize| u32::from_le_bytes(body[at..at + 4].try_into().unwrap());
    match content_type {
        "image/png" => {
            assert_eq!(&body[..8], b"\x89PNG\r\n\x1a\n");
            (be(16), be(20))
        }
        "image/gif" => {
            assert_eq!(&body[..4], b"GIF8");
            (le16(6), le16(8))
        }
        "image/bmp" => {
            assert_eq!(&body[..2], b"BM");
            assert_eq!(le32(2) as usize, body.len());
            (le32(18), le32(22))
        }
        "image/webp" => {
            let (w, h, _, _) = decode_webp(body);
            (w, h)
        }
        "image/jpeg" => {
            let (w, h, _, _, _) = decode_jpeg(body);
            (u32::from(w), u32::from(h))
        }
        "image/avif" => {
            assert_eq!(&body[4..12], b"ftypavif");
            let ispe = body
                .windows(4)
                .position(|w| w == b"ispe")
                .expect("ispe box");
            (be(ispe + 8), be(ispe + 12))
        }
        other => panic!("unexpected content type {other}"),
    }
}
