//! A BMP writer (libvips 8.14 saves BMP only through ImageMagick, which we do not load):
//! 24-bit BGR, bottom-up rows padded to four bytes, no compression.

use rs_vips::VipsImage;
use rs_vips::enums::{BandFormat, Interpretation};
use rs_vips::voption::{Setter, VOption};

use crate::ImagingError;
use crate::vips::vips_error;

/// Encodes `image` (alpha already flattened) as a 24-bit BMP.
///
/// # Errors
/// Conversion failures, or an image too large for BMP's 32-bit sizes.
pub(crate) fn encode(image: &VipsImage) -> Result<Vec<u8>, ImagingError> {
    let rgb = image
        .colourspace(Interpretation::Srgb)
        .and_then(|i| i.cast(BandFormat::Uchar))
        .map_err(|_| vips_error("colourspace"))?;
    let rgb = if rgb.get_bands() > 3 {
        rgb.extract_band_with_opts(0, VOption::new().set("n", 3))
            .map_err(|_| vips_error("extract_band"))?
    } else {
        rgb
    };
    let width = usize::try_from(rgb.get_width()).unwrap_or(0);
    let height = usize::try_from(rgb.get_height()).unwrap_or(0);
    let pixels = crate::vips::write_to_memory(&rgb)?;
    write(&pixels, width, height).ok_or_else(|| vips_error("bmp size"))
}

/// BMP bytes of `rgb` (top-down RGB rows), or `None` when too large for the format.
fn write(rgb: &[u8], width: usize, height: usize) -> Option<Vec<u8>> {
    let stride = (width * 3).div_ceil(4) * 4;
    let data_len = stride.checked_mul(height)?;
    let file_len = u32::try_from(54 + data_len).ok()?;
    let (w, h) = (i32::try_from(width).ok()?, i32::try_from(height).ok()?);
    if width == 0 || height == 0 {
        return None;
    }
    let rgb = rgb.get(..width * height * 3)?;
    let mut out = Vec::with_capacity(54 + data_len);
    out.extend_from_slice(b"BM");
    out.extend_from_slice(&file_len.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes()); // BITMAPINFOHEADER
    out.extend_from_slice(&w.to_le_bytes());
    out.extend_from_slice(&h.to_le_bytes()); // positive: bottom-up
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // BI_RGB
    out.extend_from_slice(&u32::try_from(data_len).ok()?.to_le_bytes());
    out.extend_from_slice(&2835u32.to_le_bytes()); // 72 dpi
    out.extend_from_slice(&2835u32.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    for row in rgb.chunks_exact(width * 3).rev() {
        for px in row.chunks_exact(3) {
            if let [r, g, b] = *px {
                out.extend_from_slice(&[b, g, r]);
            }
        }
        out.resize(out.len() + stride - width * 3, 0);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn writes_bottom_up_bgr_with_padding() {
        // 2x2: red, green / blue, white.
        let rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255];
        let bmp = super::write(&rgb, 2, 2).unwrap();
        assert_eq!(&bmp[..2], b"BM");
        assert_eq!(bmp.len(), 54 + 2 * 8);
        assert_eq!(u32::from_le_bytes(bmp[2..6].try_into().unwrap()), 70);
        // First stored row is the bottom one: blue then white, then two padding bytes.
        assert_eq!(&bmp[54..62], &[255, 0, 0, 255, 255, 255, 0, 0]);
        assert_eq!(&bmp[62..70], &[0, 0, 255, 0, 255, 0, 0, 0]);
    }
}
