//! What every operation implements ([`Step`]), the context it runs in, and the helpers of
//! canonical text that several operations share.

use std::fmt::{self, Write as _};

use rs_vips::VipsImage;

use crate::ImagingError;
use crate::draw::Layers;
use crate::model::geometry::{Rounding, Size};
use crate::source::Limits;

/// Nanoseconds per pixel of a pass that touches every pixel once (grey, flip, overlay):
/// libvips fuses such passes and computes only the pixels a later crop keeps.
pub(crate) const PASS_NS: f64 = 1.0;

/// What a scaling step does to an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    /// Scale to exactly this size first.
    To(u32, u32),
    /// Leave the size alone.
    Keep,
}

/// What a step may read while it runs.
pub(crate) struct Ctx<'a> {
    /// Limits of sources, overlays and outputs.
    pub(crate) limits: Limits,
    /// Overlay images by storage key.
    pub(crate) layers: &'a Layers,
}

/// One operation: its canonical text ([`fmt::Display`]), the scaling it plans, and the
/// rest of its work. The executor runs the scaling part (decoding at the needed size when
/// the step comes first), then [`Step::apply`].
pub(crate) trait Step: fmt::Display {
    /// Name for metrics.
    fn name(&self) -> &'static str;

    /// The scaling part on an image of `current` size; `None` for steps that do not scale.
    fn plan(&self, _current: (u32, u32)) -> Option<Scale> {
        None
    }

    /// The rest of the step, after its scaling.
    ///
    /// # Errors
    /// Output limits, missing layers, libvips faults.
    fn apply(&self, image: VipsImage, ctx: &Ctx<'_>) -> Result<VipsImage, ImagingError>;

    /// Nanoseconds of its work besides scaling, on an image of `pixels` after its scaling:
    /// its part of the cost model ([`crate::cost`]), measured with the `cost_table` example.
    fn work_ns(&self, pixels: f64) -> f64;

    /// Whether it reads its input top to bottom, so it can follow a streaming decode.
    fn streams(&self) -> bool {
        false
    }

    /// Whether it reads its input out of order (the decoded image must be in memory).
    fn random_access(&self) -> bool {
        false
    }

    /// Whether it keeps its meaning on every frame of an animation, as the first step
    /// (`first`) or a later one.
    fn animates(&self, _first: bool) -> bool {
        false
    }
}

/// The target of a scaling step that keeps the aspect ratio or not (`factor` is the larger
/// of the two side ratios): `Keep` when it would enlarge without `upscale` or change nothing.
pub(crate) fn scale_to(
    current: (u32, u32),
    factor: f64,
    upscale: bool,
    target: (u32, u32),
) -> Scale {
    if factor >= 1.0 && !upscale || target == current {
        Scale::Keep
    } else {
        Scale::To(target.0, target.1)
    }
}

/// Scaling that fits the whole image inside `size`, keeping its aspect ratio.
pub(crate) fn fit_inside(
    size: Size,
    current: (u32, u32),
    upscale: bool,
    rounding: Rounding,
) -> Scale {
    let (cw, ch) = (f64::from(current.0.max(1)), f64::from(current.1.max(1)));
    let fx = size.width.map_or(f64::INFINITY, |w| f64::from(w) / cw);
    let fy = size.height.map_or(f64::INFINITY, |h| f64::from(h) / ch);
    let factor = fx.min(fy);
    if !factor.is_finite() || factor >= 1.0 && !upscale {
        return Scale::Keep;
    }
    let target = if fx <= fy {
        (size.width.unwrap_or(1), rounding.apply(ch * factor))
    } else {
        (rounding.apply(cw * factor), size.height.unwrap_or(1))
    };
    if target == current {
        Scale::Keep
    } else {
        Scale::To(target.0, target.1)
    }
}

/// A side in canonical text: the number, or `-` when derived.
pub(crate) struct Side(pub(crate) Option<u32>);

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(v) => write!(f, "{v}"),
            None => f.write_str("-"),
        }
    }
}

/// `1` or `0`.
pub(crate) fn flag(b: bool) -> u8 {
    u8::from(b)
}

/// Hex of arbitrary text, so keys and content never collide with the separators of the
/// canonical form.
pub(crate) fn hex(s: &str) -> String {
    s.bytes()
        .fold(String::with_capacity(s.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// `rrggbbaa`.
pub(crate) fn rgba(c: [u8; 4]) -> String {
    format!("{:02x}{:02x}{:02x}{:02x}", c[0], c[1], c[2], c[3])
}
