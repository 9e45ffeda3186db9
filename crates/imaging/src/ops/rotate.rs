//! `rotate`: quarter turns, clockwise.

use std::fmt;

use rs_vips::VipsImage;
use rs_vips::enums::Angle;

use super::step::{Ctx, Step, PASS_NS};
use crate::ImagingError;
use crate::vips::vips_error;

/// A quarter turn, clockwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Turn {
    /// 90° clockwise.
    Cw90,
    /// 180°.
    Cw180,
    /// 270° clockwise (90° counter-clockwise).
    Cw270,
}

/// Rotate by quarter turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rotate(pub Turn);

impl Step for Rotate {
    fn name(&self) -> &'static str {
        "rotate"
    }

    fn work_ns(&self, pixels: f64) -> f64 {
        PASS_NS * pixels
    }

    fn apply(&self, image: VipsImage, _: &Ctx<'_>) -> Result<VipsImage, ImagingError> {
        image
            .rot(match self.0 {
                Turn::Cw90 => Angle::D90,
                Turn::Cw180 => Angle::D180,
                Turn::Cw270 => Angle::D270,
            })
            .map_err(|_| vips_error("rot"))
    }
}

impl fmt::Display for Rotate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let degrees = match self.0 {
            Turn::Cw90 => 90,
            Turn::Cw180 => 180,
            Turn::Cw270 => 270,
        };
        write!(f, "rotate:{degrees}")
    }
}
