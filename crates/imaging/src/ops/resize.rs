//! `resize`: scale to exactly the box, distorting when both sides are given; one side
//! keeps the aspect ratio. Without `upscale`, an image the box would enlarge stays as it is.

use std::fmt;

use rs_vips::VipsImage;

use super::step::{Ctx, Scale, Side, Step, flag, scale_to};
use crate::ImagingError;
use crate::model::geometry::{Rounding, Size};

/// Scale to the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Resize {
    /// Target box.
    pub size: Size,
    /// Allow enlarging.
    pub upscale: bool,
    /// Rounding of a derived side.
    pub rounding: Rounding,
}

impl Step for Resize {
    fn name(&self) -> &'static str {
        "resize"
    }

    fn work_ns(&self, _pixels: f64) -> f64 {
        0.0
    }

    fn plan(&self, current: (u32, u32)) -> Option<Scale> {
        let (cw, ch) = (f64::from(current.0.max(1)), f64::from(current.1.max(1)));
        let (w, h) = (self.size.width, self.size.height);
        if w.is_none() && h.is_none() {
            return Some(Scale::Keep);
        }
        let r = self.rounding;
        let target = (
            w.unwrap_or_else(|| r.apply(cw * f64::from(h.unwrap_or(1)) / ch)),
            h.unwrap_or_else(|| r.apply(ch * f64::from(w.unwrap_or(1)) / cw)),
        );
        let factor = (f64::from(target.0) / cw).max(f64::from(target.1) / ch);
        Some(scale_to(current, factor, self.upscale, target))
    }

    fn apply(&self, image: VipsImage, _: &Ctx<'_>) -> Result<VipsImage, ImagingError> {
        Ok(image)
    }

    fn animates(&self, first: bool) -> bool {
        first
    }
}

impl fmt::Display for Resize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "resize:{}x{}:u{}:r{}",
            Side(self.size.width),
            Side(self.size.height),
            flag(self.upscale),
            self.rounding.code()
        )
    }
}
