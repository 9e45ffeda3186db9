//! `grayscale`: single-band grey.

use std::fmt;

use rs_vips::VipsImage;
use rs_vips::enums::Interpretation;

use super::step::{Ctx, Step, PASS_NS};
use crate::ImagingError;
use crate::vips::vips_error;

/// Single-band grey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grayscale;

impl Step for Grayscale {
    fn name(&self) -> &'static str {
        "grayscale"
    }

    fn work_ns(&self, pixels: f64) -> f64 {
        PASS_NS * pixels
    }

    fn apply(&self, image: VipsImage, _: &Ctx<'_>) -> Result<VipsImage, ImagingError> {
        image
            .colourspace(Interpretation::BW)
            .map_err(|_| vips_error("colourspace"))
    }

    fn streams(&self) -> bool {
        true
    }

    /// Grey keeps its meaning on every frame after the first (scaling) step.
    fn animates(&self, first: bool) -> bool {
        !first
    }
}

impl fmt::Display for Grayscale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("gray")
    }
}
