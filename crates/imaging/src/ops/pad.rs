//! `pad`: fit inside the box, then extend to exactly the box with a background colour,
//! the image placed at a gravity.

use std::fmt;

use rs_vips::VipsImage;
use rs_vips::enums::{Extend, Interpretation};
use rs_vips::voption::{Setter, VOption};

use super::step::{Ctx, Scale, Side, Step, fit_inside, flag, PASS_NS};
use crate::ImagingError;
use crate::bounds::{check_output, dims, side};
use crate::model::geometry::{Gravity, Rounding, Size};
use crate::vips::vips_error;

/// Fit, then extend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pad {
    /// Target box (both sides required).
    pub size: Size,
    /// RGBA background.
    pub background: [u8; 4],
    /// Where the image sits in the box.
    pub gravity: Gravity,
    /// Allow enlarging.
    pub upscale: bool,
}

impl Step for Pad {
    fn name(&self) -> &'static str {
        "pad"
    }

    fn work_ns(&self, pixels: f64) -> f64 {
        2.0 * PASS_NS * pixels
    }

    fn plan(&self, current: (u32, u32)) -> Option<Scale> {
        Some(fit_inside(
            self.size,
            current,
            self.upscale,
            Rounding::Nearest,
        ))
    }

    fn apply(&self, image: VipsImage, ctx: &Ctx<'_>) -> Result<VipsImage, ImagingError> {
        let current = dims(&image);
        let boxed = (
            self.size.width.unwrap_or(current.0).max(current.0),
            self.size.height.unwrap_or(current.1).max(current.1),
        );
        // Padding never scales, so the box itself must be within the output limits.
        check_output(boxed.0, boxed.1, ctx.limits)?;
        if boxed == current {
            return Ok(image);
        }
        let mut image = image;
        if image.get_bands() < 3 {
            image = image
                .colourspace(Interpretation::Srgb)
                .map_err(|_| vips_error("colourspace"))?;
        }
        let transparent = self.background[3] < 255;
        if transparent && !image.hasalpha() {
            image = image
                .bandjoin_const(&[255.0])
                .map_err(|_| vips_error("bandjoin_const"))?;
        }
        let mut colour: Vec<f64> = self.background[..3]
            .iter()
            .copied()
            .map(f64::from)
            .collect();
        if image.hasalpha() {
            colour.push(f64::from(self.background[3]));
        }
        let (x, y) = self.gravity.place(boxed, current);
        image
            .embed_with_opts(
                side(x)?,
                side(y)?,
                side(boxed.0)?,
                side(boxed.1)?,
                VOption::new()
                    .set("extend", Extend::Background as i32)
                    .set("background", colour.as_slice()),
            )
            .map_err(|_| vips_error("embed"))
    }
}

impl fmt::Display for Pad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b, a] = self.background;
        write!(
            f,
            "pad:{}x{}:bg{r:02x}{g:02x}{b:02x}{a:02x}:g{}:u{}",
            Side(self.size.width),
            Side(self.size.height),
            self.gravity.code(),
            flag(self.upscale)
        )
    }
}
