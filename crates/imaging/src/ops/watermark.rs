//! `watermark`: an image drawn over the output at a gravity, pushed inwards by offsets
//! (pixlserv's named transformations), its retina variant used when there is one.

use std::fmt;

use rs_vips::VipsImage;

use super::step::{Ctx, Step, hex, PASS_NS};
use crate::ImagingError;
use crate::bounds::{check_output, dims};
use crate::draw::{Layers, anchor, decode, draw};
use crate::model::geometry::Gravity;
use crate::source::Limits;
use crate::vips::vips_error;

/// An image drawn over the output at a gravity, pushed inwards by an offset.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Watermark {
    /// Storage key of the image.
    pub source: String,
    /// Storage key of a ready-made larger variant (`logo@2x.png`), drawn as it is when it
    /// was loaded.
    pub retina: Option<String>,
    /// Factor `source` is enlarged by when there is no retina variant.
    pub scale: u32,
    /// Edge or corner the position is taken from.
    pub gravity: Gravity,
    /// Offsets from that edge, towards the centre, in output pixels.
    pub offset: (u32, u32),
}

impl Step for Watermark {
    fn name(&self) -> &'static str {
        "watermark"
    }

    fn work_ns(&self, pixels: f64) -> f64 {
        2.0 * PASS_NS * pixels
    }

    fn apply(&self, image: VipsImage, ctx: &Ctx<'_>) -> Result<VipsImage, ImagingError> {
        draw_watermark(image, self, ctx.layers, ctx.limits)
    }

    fn streams(&self) -> bool {
        true
    }
}

impl fmt::Display for Watermark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wm:{}:{}:x{}:g{}:{}:{}",
            hex(&self.source),
            self.retina.as_deref().map_or_else(|| "-".into(), hex),
            self.scale,
            self.gravity.code(),
            self.offset.0,
            self.offset.1
        )
    }
}

/// Draws `wm`: its retina variant as it is when loaded, else the image enlarged by its
/// scale.
fn draw_watermark(
    image: VipsImage,
    wm: &Watermark,
    layers: &Layers,
    limits: Limits,
) -> Result<VipsImage, ImagingError> {
    let retina = wm.retina.as_deref().and_then(|key| layers.get(key));
    let mark = match retina {
        Some(bytes) => decode(bytes, limits)?,
        None => {
            let bytes = layers
                .get(&wm.source)
                .ok_or_else(|| ImagingError::MissingLayer(wm.source.clone()))?;
            let mark = decode(bytes, limits)?;
            if wm.scale > 1 {
                let (w, h) = dims(&mark);
                check_output(
                    w.saturating_mul(wm.scale),
                    h.saturating_mul(wm.scale),
                    limits,
                )?;
                mark.resize(f64::from(wm.scale))
                    .map_err(|_| vips_error("resize"))?
            } else {
                mark
            }
        }
    };
    let at = anchor(wm.gravity, dims(&image), dims(&mark), wm.offset);
    draw(image, &mark, at)
}
