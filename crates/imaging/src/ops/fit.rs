//! `fit`: scale so the whole image fits inside the box, keeping its aspect ratio.

use std::fmt;

use rs_vips::VipsImage;

use super::step::{Ctx, Scale, Side, Step, fit_inside, flag};
use crate::ImagingError;
use crate::model::geometry::{Rounding, Size};

/// Fit inside the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fit {
    /// Target box.
    pub size: Size,
    /// Allow enlarging.
    pub upscale: bool,
    /// Rounding of the limited side.
    pub rounding: Rounding,
}

impl Step for Fit {
    fn name(&self) -> &'static str {
        "fit"
    }

    fn work_ns(&self, _pixels: f64) -> f64 {
        0.0
    }

    fn plan(&self, current: (u32, u32)) -> Option<Scale> {
        Some(fit_inside(self.size, current, self.upscale, self.rounding))
    }

    fn apply(&self, image: VipsImage, _: &Ctx<'_>) -> Result<VipsImage, ImagingError> {
        Ok(image)
    }

    fn animates(&self, first: bool) -> bool {
        first
    }
}

impl fmt::Display for Fit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "fit:{}x{}:u{}:r{}",
            Side(self.size.width),
            Side(self.size.height),
            flag(self.upscale),
            self.rounding.code()
        )
    }
}
