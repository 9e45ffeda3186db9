//! `flat` (picfit): images drawn onto the current image, pinned to a corner or fitted into
//! the cells of a filled rectangle.

use std::fmt;

use rs_vips::VipsImage;
use rs_vips::enums::{BandFormat, Interpretation, Size as VipsSize};
use rs_vips::voption::{Setter, VOption};

use super::step::{Ctx, Step, hex, rgba, PASS_NS};
use crate::ImagingError;
use crate::bounds::{check_output, dims, side};
use crate::draw::{Layers, anchor, draw, layer};
use crate::model::geometry::Gravity;
use crate::source::Limits;
use crate::vips::vips_error;

/// picfit's `flat`: images drawn onto the current image.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Flat {
    /// Storage keys of the images, in order.
    pub layers: Vec<String>,
    /// Where they go.
    pub placement: Placement,
}

/// Where `flat` draws its images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placement {
    /// Each image resized to `size` (or kept at its own size) and pinned to a corner.
    Corner {
        /// A corner gravity.
        corner: Gravity,
        /// Size of each image; `None` keeps the image's own.
        size: Option<(u32, u32)>,
    },
    /// A rectangle in percent of the image, filled with a colour, split into equal cells
    /// (side by side when it is wider than tall, else stacked) with one image fitted and
    /// centred in each.
    Rect {
        /// Top-left corner, percent.
        from: (u32, u32),
        /// Bottom-right corner, percent.
        to: (u32, u32),
        /// RGBA fill (transparent: none).
        fill: [u8; 4],
    },
}

impl Step for Flat {
    fn name(&self) -> &'static str {
        "flat"
    }

    fn work_ns(&self, pixels: f64) -> f64 {
        2.0 * PASS_NS * pixels * f64::from(u32::try_from(self.layers.len().max(1)).unwrap_or(u32::MAX))
    }

    fn apply(&self, image: VipsImage, ctx: &Ctx<'_>) -> Result<VipsImage, ImagingError> {
        draw_flat(image, self, ctx.layers, ctx.limits)
    }

    fn streams(&self) -> bool {
        true
    }
}

impl fmt::Display for Flat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layers: Vec<String> = self.layers.iter().map(|k| hex(k)).collect();
        write!(f, "flat:{}:", layers.join(","))?;
        match self.placement {
            Placement::Corner { corner, size } => match size {
                Some((w, h)) => write!(f, "stick:{}:{w}x{h}", corner.code()),
                None => write!(f, "stick:{}:-", corner.code()),
            },
            Placement::Rect { from, to, fill } => write!(
                f,
                "rect:{}.{}.{}.{}:{}",
                from.0,
                from.1,
                to.0,
                to.1,
                rgba(fill)
            ),
        }
    }
}

/// picfit's `flat`.
fn draw_flat(
    image: VipsImage,
    flat: &Flat,
    layers: &Layers,
    limits: Limits,
) -> Result<VipsImage, ImagingError> {
    match flat.placement {
        Placement::Corner { corner, size } => {
            draw_at_corner(image, &flat.layers, corner, size, layers, limits)
        }
        Placement::Rect { from, to, fill } => {
            draw_in_rect(image, &flat.layers, (from, to), fill, layers, limits)
        }
    }
}

/// Each image resized to `size` (or as it is) and pinned to `corner`.
fn draw_at_corner(
    image: VipsImage,
    keys: &[String],
    corner: Gravity,
    size: Option<(u32, u32)>,
    layers: &Layers,
    limits: Limits,
) -> Result<VipsImage, ImagingError> {
    let frame = dims(&image);
    let mut image = image;
    for key in keys {
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
    Ok(image)
}

/// The rectangle `from`-`to` (percent) filled with `fill`, split into cells with one image
/// fitted and centred in each.
fn draw_in_rect(
    image: VipsImage,
    keys: &[String],
    (from, to): ((u32, u32), (u32, u32)),
    fill: [u8; 4],
    layers: &Layers,
    limits: Limits,
) -> Result<VipsImage, ImagingError> {
    let frame = dims(&image);
    let mut image = image;
    let pct =
        |p: u32, of: u32| u32::try_from(u64::from(p.min(100)) * u64::from(of) / 100).unwrap_or(of);
    let (x0, y0) = (pct(from.0, frame.0), pct(from.1, frame.1));
    let (x1, y1) = (pct(to.0, frame.0), pct(to.1, frame.1));
    let (rw, rh) = (x1.saturating_sub(x0), y1.saturating_sub(y0));
    if rw == 0 || rh == 0 {
        return Ok(image);
    }
    if fill[3] > 0 {
        let [r, g, b, a] = fill.map(f64::from);
        let rect = VipsImage::black_with_opts(side(rw)?, side(rh)?, VOption::new().set("bands", 4))
            .and_then(|i| i.linear(&[0.0; 4], &[r, g, b, a]))
            .and_then(|i| i.cast(BandFormat::Uchar))
            .and_then(|i| {
                i.copy_with_opts(VOption::new().set("interpretation", Interpretation::Srgb as i32))
            })
            .map_err(|_| vips_error("black"))?;
        image = draw(image, &rect, (i64::from(x0), i64::from(y0)))?;
    }
    let n = u32::try_from(keys.len()).unwrap_or(u32::MAX).max(1);
    let across = rw > rh;
    let cell = if across { (rw / n, rh) } else { (rw, rh / n) };
    if cell.0 == 0 || cell.1 == 0 {
        return Ok(image);
    }
    for (i, key) in (0u32..).zip(keys) {
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
    Ok(image)
}
