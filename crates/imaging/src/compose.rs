//! Draws overlays: watermark images, text and picfit's `flat` composition.
//!
//! Everything is alpha-composited (`over`) in sRGB; an image without alpha stays without
//! it. Overlay images are checked against the same limits as sources, and whatever falls
//! outside the image is clipped, so no placement can fail or grow the output.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rs_vips::VipsImage;
use rs_vips::enums::{BandFormat, BlendMode, Interpretation, Size as VipsSize};
use rs_vips::voption::{Setter, VOption};

use crate::execute::{check_output, dims, side};
use crate::overlay::{Flat, Layers, MAX_TEXT_SIZE, Placement, Text, Watermark, anchor};
use crate::pipeline::{check_limits, decode_error, vips_error};
use crate::transform::Gravity;
use crate::{ImagingError, Limits, fonts, probe};

/// Draws `wm`: its retina variant as it is when loaded, else the image enlarged by its
/// scale.
pub(crate) fn watermark(
    image: VipsImage,
    wm: &Watermark,
    layers: &Layers,
    limits: Limits,
) -> Result<VipsImage, ImagingError> {
    let retina = wm.retina.as_deref().and_then(|key| layers.get(key));
    let mark = match retina {
        Some(bytes) => decode(bytes, limits)?,
        None => {
            let bytes = layers
                .get(&wm.source)
                .ok_or_else(|| ImagingError::MissingLayer(wm.source.clone()))?;
            let mark = decode(bytes, limits)?;
            if wm.scale > 1 {
                let (w, h) = dims(&mark);
                check_output(
                    w.saturating_mul(wm.scale),
                    h.saturating_mul(wm.scale),
                    limits,
                )?;
                mark.resize(f64::from(wm.scale))
                    .map_err(|_| vips_error("resize"))?
            } else {
                mark
            }
        }
    };
    let at = anchor(wm.gravity, dims(&image), dims(&mark), wm.offset);
    draw(image, &mark, at)
}

/// Draws `text` in its colour, with its font at its size.
pub(crate) fn text(
    image: VipsImage,
    text: &Text,
    limits: Limits,
) -> Result<VipsImage, ImagingError> {
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
            let (em, bound) = (u64::from(size), 2 * u64::from(crate::MAX_SIDE));
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
                coverage: image.write_to_memory(),
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

/// picfit's `flat`.
pub(crate) fn flat(
    image: VipsImage,
    flat: &Flat,
    layers: &Layers,
    limits: Limits,
) -> Result<VipsImage, ImagingError> {
    let frame = dims(&image);
    let mut image = image;
    match flat.placement {
        Placement::Corner { corner, size } => {
            for key in &flat.layers {
                let mut fg = layer(layers, key, limits)?;
                if let Some((w, h)) = size {
                    check_output(w, h, limits)?;
                    fg = fg
                        .thumbnail_image_with_opts(
                            side(w)?,
                            VOption::new()
                                .set("height", side(h)?)
                                .set("size", VipsSize::Force as i32),
                        )
                        .map_err(|_| vips_error("thumbnail_image"))?;
                }
                let at = anchor(corner, frame, dims(&fg), (0, 0));
                image = draw(image, &fg, at)?;
            }
        }
        Placement::Rect { from, to, fill } => {
            let pct = |p: u32, of: u32| {
                u32::try_from(u64::from(p.min(100)) * u64::from(of) / 100).unwrap_or(of)
            };
            let (x0, y0) = (pct(from.0, frame.0), pct(from.1, frame.1));
            let (x1, y1) = (pct(to.0, frame.0), pct(to.1, frame.1));
            let (rw, rh) = (x1.saturating_sub(x0), y1.saturating_sub(y0));
            if rw == 0 || rh == 0 {
                return Ok(image);
            }
            if fill[3] > 0 {
                let [r, g, b, a] = fill.map(f64::from);
                let rect = VipsImage::black_with_opts(
                    side(rw)?,
                    side(rh)?,
                    VOption::new().set("bands", 4),
                )
                .and_then(|i| i.linear(&[0.0; 4], &[r, g, b, a]))
                .and_then(|i| i.cast(BandFormat::Uchar))
                .and_then(|i| {
                    i.copy_with_opts(
                        VOption::new().set("interpretation", Interpretation::Srgb as i32),
                    )
                })
                .map_err(|_| vips_error("black"))?;
                image = draw(image, &rect, (i64::from(x0), i64::from(y0)))?;
            }
            let n = u32::try_from(flat.layers.len()).unwrap_or(u32::MAX).max(1);
            let across = rw > rh;
            let cell = if across { (rw / n, rh) } else { (rw, rh / n) };
            if cell.0 == 0 || cell.1 == 0 {
                return Ok(image);
            }
            for (i, key) in (0u32..).zip(&flat.layers) {
                let fg = layer(layers, key, limits)?
                    .thumbnail_image_with_opts(
                        side(cell.0)?,
                        VOption::new()
                            .set("height", side(cell.1)?)
                            .set("size", VipsSize::Down as i32),
                    )
                    .map_err(|_| vips_error("thumbnail_image"))?;
                let origin = if across {
                    (x0 + i * cell.0, y0)
                } else {
                    (x0, y0 + i * cell.1)
                };
                let (cx, cy) = Gravity::Centre.place(cell, dims(&fg));
                let at = (i64::from(origin.0 + cx), i64::from(origin.1 + cy));
                image = draw(image, &fg, at)?;
            }
        }
    }
    Ok(image)
}

fn layer(layers: &Layers, key: &str, limits: Limits) -> Result<VipsImage, ImagingError> {
    let bytes = layers
        .get(key)
        .ok_or_else(|| ImagingError::MissingLayer(key.to_owned()))?;
    decode(bytes, limits)
}

/// Decodes an overlay image within the limits, oriented, as sRGB with alpha.
fn decode(bytes: &[u8], limits: Limits) -> Result<VipsImage, ImagingError> {
    let header = probe(bytes)?;
    check_limits(&header, limits)?;
    let image = VipsImage::new_from_buffer(bytes, "[fail-on=truncated]")
        .and_then(|i| i.autorot())
        .map_err(|_| decode_error())?;
    with_alpha(srgb(image)?)
}

/// 8-bit sRGB (grey and 16-bit images are converted), alpha kept.
fn srgb(image: VipsImage) -> Result<VipsImage, ImagingError> {
    if image.get_bands() >= 3 && matches!(image.get_format(), Ok(BandFormat::Uchar)) {
        return Ok(image);
    }
    image
        .colourspace(Interpretation::Srgb)
        .map_err(|_| vips_error("colourspace"))
}

fn with_alpha(image: VipsImage) -> Result<VipsImage, ImagingError> {
    if image.hasalpha() {
        return Ok(image);
    }
    image
        .bandjoin_const(&[255.0])
        .map_err(|_| vips_error("bandjoin_const"))
}

/// Composites the part of `overlay` that falls inside `image` at `at`. Only the covered
/// rectangle is blended (compositing works in floating point); the rest is copied.
fn draw(image: VipsImage, overlay: &VipsImage, at: (i64, i64)) -> Result<VipsImage, ImagingError> {
    let (bw, bh) = dims(&image);
    let (ow, oh) = dims(overlay);
    let x0 = at.0.max(0);
    let y0 = at.1.max(0);
    let x1 = (at.0 + i64::from(ow)).min(i64::from(bw));
    let y1 = (at.1 + i64::from(oh)).min(i64::from(bh));
    if x1 <= x0 || y1 <= y0 {
        return Ok(image);
    }
    let int = |v: i64| i32::try_from(v).map_err(|_| vips_error("composite2"));
    let (x, y, w, h) = (int(x0)?, int(y0)?, int(x1 - x0)?, int(y1 - y0)?);
    let visible = overlay
        .extract_area(int(x0 - at.0)?, int(y0 - at.1)?, w, h)
        .map_err(|_| vips_error("extract_area"))?;
    let opaque = !image.hasalpha();
    let image = srgb(image)?;
    let under = image
        .extract_area(x, y, w, h)
        .map_err(|_| vips_error("extract_area"))?;
    let format = image.get_format().map_err(|_| vips_error("get_format"))?;
    let mut blended = under
        .composite2(&visible, BlendMode::Over)
        .and_then(|b| b.cast(format))
        .map_err(|_| vips_error("composite2"))?;
    if opaque {
        blended = blended
            .extract_band_with_opts(0, VOption::new().set("n", 3))
            .map_err(|_| vips_error("extract_band"))?;
    }
    image
        .insert(&blended, x, y)
        .map_err(|_| vips_error("insert"))
}

/// Escapes Pango markup.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
