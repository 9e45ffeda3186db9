//! Reading a JPEG's frame size from its markers, in plain Rust: cheap enough for the async
//! side (no libvips, no pixels) when choosing among pre-sized variants.

/// Width and height from the first start-of-frame marker of a JPEG, or `None` when `bytes`
/// is not a JPEG or ends before one.
#[must_use]
pub fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut at = 2;
    loop {
        // Markers may be padded with any number of 0xFF bytes.
        while *bytes.get(at)? == 0xFF && *bytes.get(at + 1)? == 0xFF {
            at += 1;
        }
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        at += 2;
        match marker {
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return None, // end of image or scan before any frame header
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = u16::from_be_bytes([*bytes.get(at + 3)?, *bytes.get(at + 4)?]);
            let w = u16::from_be_bytes([*bytes.get(at + 5)?, *bytes.get(at + 6)?]);
            return (w > 0 && h > 0).then_some((u32::from(w), u32::from(h)));
        }
        if len < 2 {
            return None;
        }
        at += len;
    }
}

#[cfg(test)]
mod tests {
    use super::jpeg_dimensions;

    #[test]
    fn reads_frame_size_after_other_segments() {
        // SOI, APP0 (length 4: two payload bytes), SOF0 for 300 wide x 200 high.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00,
            0xC8, 0x01, 0x2C, 0x01, 0x01, 0x11, 0x00,
        ];
        assert_eq!(jpeg_dimensions(&jpeg), Some((300, 200)));
        assert_eq!(jpeg_dimensions(&jpeg[..15]), None, "truncated frame header");
    }

    #[test]
    fn refuses_what_is_not_a_jpeg() {
        assert_eq!(jpeg_dimensions(b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(jpeg_dimensions(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]), None);
        assert_eq!(jpeg_dimensions(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), None);
        assert_eq!(jpeg_dimensions(&[]), None);
    }

    #[test]
    fn agrees_with_libvips_on_the_gallery() {
        crate::init().unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../gallery/photos");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "jpg") {
                continue; // `picsum dev` keeps derived images in a folder here
            }
            let bytes = std::fs::read(path).unwrap();
            let probe = crate::probe(&bytes).unwrap();
            assert_eq!(jpeg_dimensions(&bytes), Some((probe.width, probe.height)));
            seen += 1;
        }
        assert!(seen >= 12);
    }
}
