//! `fill` (picfit's `thumbnail`, pixlserv's part crop): cover the box, then crop to it
//! exactly at a gravity.

use std::fmt;

use rs_vips::VipsImage;

use super::crop::{cut, is_smart};
use super::step::{Ctx, Scale, Side, Step, flag, scale_to};
use crate::ImagingError;
use crate::model::geometry::{Gravity, Rounding, Size};

/// Cover the box, then crop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fill {
    /// Target box (both sides required).
    pub size: Size,
    /// Where the crop is taken.
    pub gravity: Gravity,
    /// Allow enlarging.
    pub upscale: bool,
}

impl Step for Fill {
    fn name(&self) -> &'static str {
        "fill"
    }

    fn work_ns(&self, _pixels: f64) -> f64 {
        0.0
    }

    fn plan(&self, current: (u32, u32)) -> Option<Scale> {
        let (w, h) = (self.size.width?, self.size.height?);
        let (cw, ch) = (f64::from(current.0.max(1)), f64::from(current.1.max(1)));
        let factor = (f64::from(w) / cw).max(f64::from(h) / ch);
        let target = (
            Rounding::Nearest.apply(cw * factor).max(w),
            Rounding::Nearest.apply(ch * factor).max(h),
        );
        Some(scale_to(current, factor, self.upscale, target))
    }

    fn apply(&self, image: VipsImage, _: &Ctx<'_>) -> Result<VipsImage, ImagingError> {
        cut(image, self.size, self.gravity)
    }

    fn random_access(&self) -> bool {
        is_smart(self.gravity)
    }

    fn animates(&self, first: bool) -> bool {
        first && !is_smart(self.gravity)
    }
}

impl fmt::Display for Fill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "fill:{}x{}:g{}:u{}",
            Side(self.size.width),
            Side(self.size.height),
            self.gravity.code(),
            flag(self.upscale)
        )
    }
}
