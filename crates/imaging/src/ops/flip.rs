//! `flip`: mirror left-right or top-bottom.

use std::fmt;

use rs_vips::VipsImage;
use rs_vips::enums::Direction;

use super::step::{Ctx, Step, PASS_NS};
use crate::ImagingError;
use crate::vips::vips_error;

/// A mirror axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Axis {
    /// Left and right swap.
    Horizontal,
    /// Top and bottom swap.
    Vertical,
}

/// Mirror.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flip(pub Axis);

impl Step for Flip {
    fn name(&self) -> &'static str {
        "flip"
    }

    fn work_ns(&self, pixels: f64) -> f64 {
        PASS_NS * pixels
    }

    fn apply(&self, image: VipsImage, _: &Ctx<'_>) -> Result<VipsImage, ImagingError> {
        image
            .flip(match self.0 {
                Axis::Horizontal => Direction::Horizontal,
                Axis::Vertical => Direction::Vertical,
            })
            .map_err(|_| vips_error("flip"))
    }

    /// A horizontal mirror reads row by row; a vertical one needs the last row first.
    fn streams(&self) -> bool {
        self.0 == Axis::Horizontal
    }
}

impl fmt::Display for Flip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let axis = match self.0 {
            Axis::Horizontal => 'h',
            Axis::Vertical => 'v',
        };
        write!(f, "flip:{axis}")
    }
}
