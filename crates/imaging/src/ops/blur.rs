//! `blur`: gaussian blur.

use std::fmt;

use rs_vips::VipsImage;

use super::step::{Ctx, Step};
use crate::ImagingError;
use crate::vips::vips_error;

/// Gaussian blur.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blur {
    /// Sigma in output pixels; 0 or less does nothing.
    pub sigma: f64,
}

/// Nanoseconds per pixel of a blur of sigma 1; the cost grows as sigma^1.8 (the mask
/// widens with sigma, and wide masks leave libvips' vectorised path).
const UNIT_NS: f64 = 0.8;
const EXPONENT: f64 = 1.8;
/// Blur sigma beyond which the mask is no wider: libvips bounds it by the image.
const SIGMA_MAX: f64 = 200.0;

/// Nanoseconds per pixel of a blur of `sigma` (Picsum's render blurs too).
pub(crate) fn ns_per_pixel(sigma: f64) -> f64 {
    UNIT_NS * sigma.clamp(0.0, SIGMA_MAX).powf(EXPONENT)
}

impl Step for Blur {
    fn name(&self) -> &'static str {
        "blur"
    }

    fn work_ns(&self, pixels: f64) -> f64 {
        ns_per_pixel(self.sigma) * pixels
    }

    fn apply(&self, image: VipsImage, _: &Ctx<'_>) -> Result<VipsImage, ImagingError> {
        if self.sigma > 0.0 {
            image
                .gaussblur(self.sigma)
                .map_err(|_| vips_error("gaussblur"))
        } else {
            Ok(image)
        }
    }
}

impl fmt::Display for Blur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "blur:{}", self.sigma)
    }
}
