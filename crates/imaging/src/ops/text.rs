//! `text`: a line (or lines) of text drawn over the output through libvips and Pango, in a
//! colour, a font (a file whose family is read from it; DejaVu Sans bundled) and a size;
//! rendered masks are reused.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rs_vips::VipsImage;
use rs_vips::enums::{BandFormat, Interpretation};
use rs_vips::voption::{Setter, VOption};

use super::step::{Ctx, Step, hex, rgba, PASS_NS};
use crate::bounds::{MAX_SIDE, check_output, dims, side};
use crate::draw::{anchor, draw};
use crate::model::geometry::Gravity;
use crate::source::Limits;
use crate::vips::vips_error;
use crate::{ImagingError, fonts};

/// Largest text size, in pixels.
pub const MAX_TEXT_SIZE: u32 = 1_000;

/// Text drawn over the output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text {
    /// What is written (plain text; one or more lines).
    pub content: String,
    /// A TrueType/OpenType file on this machine; `None` is the bundled DejaVu Sans.
    pub font: Option<String>,
    /// RGBA colour.
    pub colour: [u8; 4],
    /// Size in pixels (points at 72 DPI).
    pub size: u32,
    /// Edge or corner the position is taken from.
    pub gravity: Gravity,
    /// Offsets from that edge, towards the centre, in output pixels.
    pub offset: (u32, u32),
}

impl Step for Text {
    fn name(&self) -> &'static str {
        "text"
    }

    fn work_ns(&self, pixels: f64) -> f64 {
        2.0 * PASS_NS * pixels
    }

    fn apply(&self, image: VipsImage, ctx: &Ctx<'_>) -> Result<VipsImage, ImagingError> {
        draw_text(image, self, ctx.limits)
    }

    fn streams(&self) -> bool {
        true
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "text:{}:{}:{}:{}:g{}:{}:{}",
            hex(&self.content),
            self.font.as_deref().map_or_else(|| "-".into(), hex),
            rgba(self.colour),
            self.size,
            self.gravity.code(),
            self.offset.0,
            self.offset.1
        )
    }
}

/// Draws `text` in its colour, with its font at its size.
fn draw_text(image: VipsImage, text: &Text, limits: Limits) -> Result<VipsImage, ImagingError> {
    if text.content.trim().is_empty() || text.colour[3] == 0 {
        return Ok(image);
    }
    let mask = text_mask(text, limits)?;
    let (w, h) = dims(&mask);
    let [r, g, b, a] = text.colour.map(f64::from);
    let alpha = if text.colour[3] == 255 {
        mask.clone()
    } else {
        mask.linear(&[a / 255.0], &[0.0])
            .and_then(|m| m.cast(BandFormat::Uchar))
            .map_err(|_| vips_error("linear"))?
    };
    let colour =
        VipsImage::new_from_image(&mask, &[r, g, b]).map_err(|_| vips_error("new_from_image"))?;
    let overlay = colour
        .bandjoin_with(alpha)
        .and_then(|o| {
            o.copy_with_opts(VOption::new().set("interpretation", Interpretation::Srgb as i32))
        })
        .map_err(|_| vips_error("bandjoin"))?;
    let at = anchor(text.gravity, dims(&image), (w, h), text.offset);
    draw(image, &overlay, at)
}

/// A rendered line of text: its coverage mask.
struct Mask {
    width: u32,
    height: u32,
    coverage: Vec<u8>,
}

/// The coverage mask of `text` (one band, 0..255). Preset text repeats on every request, so
/// masks are kept (up to 256 of them; Pango's layout costs milliseconds, a copy does not).
fn text_mask(text: &Text, limits: Limits) -> Result<VipsImage, ImagingError> {
    type Key = (String, Option<String>, u32);
    static MASKS: OnceLock<Mutex<HashMap<Key, Arc<Mask>>>> = OnceLock::new();
    let size = text.size.clamp(1, MAX_TEXT_SIZE);
    let key = (text.content.clone(), text.font.clone(), size);
    let masks = MASKS.get_or_init(Mutex::default);
    let known = masks
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
        .cloned();
    let mask = match known {
        Some(mask) => mask,
        None => {
            // Bound the layout before Pango allocates it: no glyph of a text face is wider
            // than about one em, no line taller than two.
            let lines = text.content.lines().count().max(1) as u64;
            let longest = text
                .content
                .lines()
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(0) as u64;
            let (em, bound) = (u64::from(size), 2 * u64::from(MAX_SIDE));
            if longest * em > bound || lines * em * 2 > bound {
                return Err(ImagingError::OutputTooLarge {
                    width: u32::try_from(longest * em).unwrap_or(u32::MAX),
                    height: u32::try_from(lines * em * 2).unwrap_or(u32::MAX),
                });
            }
            let font = fonts::resolve(text.font.as_deref())?;
            let file = font.file.to_string_lossy();
            // Pango reads markup: the content is escaped so it is drawn as written. The
            // comma ends the family list, so a family ending in a style word stays one.
            let image = VipsImage::text_with_opts(
                &escape(&text.content),
                VOption::new()
                    .set("font", format!("{}, {size}", font.family).as_str())
                    .set("fontfile", file.as_ref())
                    .set("dpi", 72),
            )
            .map_err(|_| vips_error("text"))?;
            let (width, height) = dims(&image);
            check_output(width, height, limits)?;
            let mask = Arc::new(Mask {
                width,
                height,
                coverage: crate::vips::write_to_memory(&image)?,
            });
            let mut masks = masks.lock().unwrap_or_else(PoisonError::into_inner);
            if masks.len() >= 256 {
                masks.clear();
            }
            masks.insert(key, Arc::clone(&mask));
            mask
        }
    };
    check_output(mask.width, mask.height, limits)?;
    VipsImage::new_from_memory_copy(
        &mask.coverage,
        side(mask.width)?,
        side(mask.height)?,
        1,
        BandFormat::Uchar,
    )
    .map_err(|_| vips_error("new_from_memory_copy"))
}

/// Escapes Pango markup.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
