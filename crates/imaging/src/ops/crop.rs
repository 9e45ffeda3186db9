//! `crop`: cut the box (clamped to the image) at a gravity, without scaling; smart
//! gravities let libvips choose the region.

use std::fmt;

use rs_vips::VipsImage;
use rs_vips::enums::Interesting;
use rs_vips::voption::{Setter, VOption};

use super::step::{Ctx, Side, Step, PASS_NS};
use crate::ImagingError;
use crate::bounds::{dims, side};
use crate::model::geometry::{Gravity, Size};
use crate::vips::vips_error;

/// Cut the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Crop {
    /// Box to cut.
    pub size: Size,
    /// Where it is cut.
    pub gravity: Gravity,
}

impl Step for Crop {
    fn name(&self) -> &'static str {
        "crop"
    }

    fn work_ns(&self, pixels: f64) -> f64 {
        PASS_NS * pixels
    }

    fn apply(&self, image: VipsImage, _: &Ctx<'_>) -> Result<VipsImage, ImagingError> {
        cut(image, self.size, self.gravity)
    }

    fn random_access(&self) -> bool {
        is_smart(self.gravity)
    }
}

impl fmt::Display for Crop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "crop:{}x{}:g{}",
            Side(self.size.width),
            Side(self.size.height),
            self.gravity.code()
        )
    }
}

/// Whether libvips chooses the region (attention, entropy).
pub(crate) const fn is_smart(gravity: Gravity) -> bool {
    matches!(gravity, Gravity::Attention | Gravity::Entropy)
}

/// Cuts `size` (a missing side is the image's; clamped to the image) at `gravity`.
pub(crate) fn cut(
    image: VipsImage,
    size: Size,
    gravity: Gravity,
) -> Result<VipsImage, ImagingError> {
    let current = dims(&image);
    let cut = (
        size.width.unwrap_or(current.0).min(current.0),
        size.height.unwrap_or(current.1).min(current.1),
    );
    if cut == current {
        return Ok(image);
    }
    let smart = match gravity {
        Gravity::Attention => Some(Interesting::Attention),
        Gravity::Entropy => Some(Interesting::Entropy),
        _ => None,
    };
    if let Some(interesting) = smart {
        return image
            .smartcrop_with_opts(
                side(cut.0)?,
                side(cut.1)?,
                VOption::new().set("interesting", interesting as i32),
            )
            .map_err(|_| vips_error("smartcrop"));
    }
    let (x, y) = gravity.place(current, cut);
    image
        .extract_area(side(x)?, side(y)?, side(cut.0)?, side(cut.1)?)
        .map_err(|_| vips_error("extract_area"))
}
