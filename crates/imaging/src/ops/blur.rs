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

impl Step for Blur {
    fn name(&self) -> &'static str {
        "blur"
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
