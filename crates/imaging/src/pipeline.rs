//! A pipeline: an ordered list of operations ([`Op`], listed in `ops/mod.rs`) plus output
//! settings, what one request asks for. [`Pipeline::canonical`] is the one textual form,
//! used in cache keys.

use std::fmt::Write as _;

use picsum_url::format::Format;

use crate::ops::Op;

/// Encoding settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Output {
    /// Format; `None` keeps the source's (JPEG for sources that cannot be written back).
    pub format: Option<Format>,
    /// Quality 1..=100 for JPEG, WebP and AVIF; `None` is the encoder's default.
    pub quality: Option<u8>,
}

/// An ordered list of operations and the output settings: what one request asks for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pipeline {
    /// Steps, applied in order after EXIF auto-orientation.
    pub ops: Vec<Op>,
    /// Encoding.
    pub output: Output,
}

impl Pipeline {
    /// The canonical text of the pipeline: equal pipelines give equal strings, different
    /// ones different strings. Cache keys are built from it.
    #[must_use]
    pub fn canonical(&self) -> String {
        let mut s = String::new();
        for op in &self.ops {
            let _ = write!(s, "{op}/");
        }
        let _ = write!(
            s,
            "out:{}:q{}",
            self.output.format.map_or("src", Format::extension),
            self.output.quality.map_or(0, u16::from)
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::geometry::{Gravity, Rounding, Size};
    use crate::ops::*;

    fn size(w: u32, h: u32) -> Size {
        Size {
            width: (w > 0).then_some(w),
            height: (h > 0).then_some(h),
        }
    }

    #[test]
    fn canonical_distinguishes_every_field() {
        let base = Pipeline {
            ops: vec![Op::Resize(Resize {
                size: size(100, 0),
                upscale: true,
                rounding: Rounding::Nearest,
            })],
            output: Output::default(),
        };
        let mut seen = std::collections::HashSet::new();
        let variants = [
            base.clone(),
            Pipeline {
                ops: vec![Op::Resize(Resize {
                    size: size(0, 100),
                    upscale: true,
                    rounding: Rounding::Nearest,
                })],
                ..base.clone()
            },
            Pipeline {
                ops: vec![Op::Resize(Resize {
                    size: size(100, 0),
                    upscale: false,
                    rounding: Rounding::Nearest,
                })],
                ..base.clone()
            },
            Pipeline {
                ops: vec![Op::Resize(Resize {
                    size: size(100, 0),
                    upscale: true,
                    rounding: Rounding::Generous,
                })],
                ..base.clone()
            },
            Pipeline {
                output: Output {
                    format: Some(Format::Webp),
                    quality: None,
                },
                ..base.clone()
            },
            Pipeline {
                output: Output {
                    format: None,
                    quality: Some(80),
                },
                ..base.clone()
            },
            Pipeline {
                ops: vec![
                    Op::Rotate(Rotate(Turn::Cw90)),
                    Op::Flip(Flip(Axis::Vertical)),
                ],
                ..base.clone()
            },
            Pipeline {
                ops: vec![
                    Op::Flip(Flip(Axis::Vertical)),
                    Op::Rotate(Rotate(Turn::Cw90)),
                ],
                ..base.clone()
            },
        ];
        for p in &variants {
            assert!(seen.insert(p.canonical()), "{}", p.canonical());
        }
        assert_eq!(base.canonical(), "resize:100x-:u1:rn/out:src:q0");
    }

    #[test]
    fn canonical_forms_differ() {
        let wm = Watermark {
            source: "a/b.png".into(),
            retina: None,
            scale: 1,
            gravity: Gravity::SouthEast,
            offset: (1, 2),
        };
        let mut other = wm.clone();
        other.source = "a:b.png".into();
        assert_ne!(wm.to_string(), other.to_string());
        let text = Text {
            content: "a:b".into(),
            font: None,
            colour: [255, 255, 255, 255],
            size: 12,
            gravity: Gravity::North,
            offset: (0, 0),
        };
        let mut other = text.clone();
        other.colour = [255, 255, 255, 254];
        assert_ne!(text.to_string(), other.to_string());
        let flat = Flat {
            layers: vec!["x,y".into()],
            placement: Placement::Corner {
                corner: Gravity::NorthEast,
                size: None,
            },
        };
        let other = Flat {
            layers: vec!["x".into(), "y".into()],
            ..flat.clone()
        };
        assert_ne!(flat.to_string(), other.to_string());
    }
}
