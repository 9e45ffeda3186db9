//! picfit's operations (`resize`, `thumbnail`, `fit`, `pad`, `crop`, `rotate`, `flip`,
//! `effect`, `noop`, and `flat` as a sub-operation) mapped onto the model's steps.

use picsum_imaging::model::{
    Axis, Blur, Crop, Fill, Fit, Flat, Flip, Gravity, Grayscale, Op, Pad, Placement, Resize,
    Rotate, Rounding, Size, Turn,
};

use crate::error::PicfitError;
use crate::params::{Params, clean_path};

/// The steps of every `op` in order: top-level ones read the request's parameters, chained
/// ones (`op:NAME+key:value…`) their own. Every size must be allowed when a list is set.
pub(crate) fn steps(
    ops: &[&str],
    top: &Params<'_>,
    allowed_sizes: &[(u32, u32)],
) -> Result<Vec<Op>, PicfitError> {
    let mut steps = Vec::new();
    let mut sizes = Vec::new();
    for op in ops {
        let (name, params) = match op.strip_prefix("op:") {
            Some(chain) => {
                let mut parts = chain.split(' ').filter(|p| !p.is_empty());
                let name = parts.next().unwrap_or_default();
                (
                    name,
                    Params(parts.filter_map(|p| p.split_once(':')).collect()),
                )
            }
            None => (*op, top.clone()),
        };
        let (w, h) = (params.side("w")?, params.side("h")?);
        let unsized_flat = name == "flat" && w.is_none() && h.is_none();
        if !matches!(name, "noop" | "rotate" | "flip") && !unsized_flat {
            sizes.push((w.unwrap_or(0), h.unwrap_or(0)));
        }
        if name == "flat" {
            if !op.starts_with("op:") {
                return Err(PicfitError::InvalidParameter(
                    "flat is only available as a sub-operation: op=op:flat+path:…".into(),
                ));
            }
            steps.push(flat(&params, w.zip(h))?);
            continue;
        }
        let size = Size {
            width: w,
            height: h,
        };
        steps.extend(operation(name, &params, size)?);
    }
    if !allowed_sizes.is_empty() && sizes.iter().any(|s| !allowed_sizes.contains(s)) {
        return Err(PicfitError::SizeNotAllowed);
    }
    Ok(steps)
}

/// One operation (`None` for `noop`).
fn operation(name: &str, p: &Params<'_>, size: Size) -> Result<Option<Op>, PicfitError> {
    let both = || {
        (size.width.is_some() && size.height.is_some())
            .then_some(size)
            .ok_or_else(|| PicfitError::InvalidParameter(format!("{name} needs both w and h")))
    };
    let gravity = |default: Gravity| {
        p.get("gravity").map_or(Ok(default), |g| {
            Gravity::from_name(g)
                .ok_or_else(|| PicfitError::InvalidParameter(format!("unknown gravity {g}")))
        })
    };
    Ok(Some(match name {
        "noop" => return Ok(None),
        "resize" => Op::Resize(Resize {
            size,
            upscale: p.flag("upscale", true)?,
            rounding: Rounding::Nearest,
        }),
        "thumbnail" => Op::Fill(Fill {
            size: both()?,
            gravity: gravity(Gravity::Centre)?,
            upscale: p.flag("upscale", true)?,
        }),
        "fit" => {
            if size.width.is_none() && size.height.is_none() {
                return Err(PicfitError::InvalidParameter("fit needs w or h".into()));
            }
            Op::Fit(Fit {
                size,
                upscale: p.flag("upscale", false)?,
                rounding: Rounding::Down,
            })
        }
        "pad" => Op::Pad(Pad {
            size: both()?,
            background: colour(p.get("color").unwrap_or("ffffff"))?,
            gravity: gravity(Gravity::Centre)?,
            upscale: p.flag("upscale", false)?,
        }),
        "crop" => Op::Crop(Crop {
            size: both()?,
            gravity: gravity(Gravity::Centre)?,
        }),
        "rotate" => rotate(p)?,
        "flip" => flip(p)?,
        "effect" => effect(p, size)?,
        other => return Err(PicfitError::InvalidOperation(other.to_owned())),
    }))
}

/// picfit rotates counter-clockwise (imaging.Rotate90).
fn rotate(p: &Params<'_>) -> Result<Op, PicfitError> {
    Ok(Op::Rotate(Rotate(match p.get("deg").unwrap_or("90") {
        "90" => Turn::Cw270,
        "180" => Turn::Cw180,
        "270" => Turn::Cw90,
        other => {
            return Err(PicfitError::InvalidParameter(format!(
                "deg must be 90, 180 or 270, not {other}"
            )));
        }
    })))
}

fn flip(p: &Params<'_>) -> Result<Op, PicfitError> {
    Ok(Op::Flip(Flip(match p.get("pos") {
        Some("h") => Axis::Horizontal,
        Some("v") => Axis::Vertical,
        _ => {
            return Err(PicfitError::InvalidParameter(
                "flip needs pos=h or pos=v".into(),
            ));
        }
    })))
}

/// `blur` (sigma = max(w, h) / 20, at most 50, as picfit computes it) or `grayscale`.
fn effect(p: &Params<'_>, size: Size) -> Result<Op, PicfitError> {
    match p.get("filter") {
        Some("blur") => {
            let longest = size.width.unwrap_or(0).max(size.height.unwrap_or(0));
            let sigma = (f64::from(longest) / 20.0).min(50.0);
            if sigma <= 0.0 {
                return Err(PicfitError::InvalidParameter(
                    "blur needs w or h (sigma = max(w, h) / 20)".into(),
                ));
            }
            Ok(Op::Blur(Blur { sigma }))
        }
        Some("grayscale") => Ok(Op::Grayscale(Grayscale)),
        other => Err(PicfitError::InvalidParameter(format!(
            "unknown filter {}",
            other.unwrap_or("")
        ))),
    }
}

/// Most images one `flat` draws.
const MAX_FLAT_LAYERS: usize = 16;

/// picfit's `flat`: its images are the sub-operation's `path:` values (source storage),
/// placed at a `stick` corner, or else in the `pos` rectangle (`x0.y0.x1.y1` percent,
/// missing parts 100) filled with `color`.
fn flat(p: &Params<'_>, size: Option<(u32, u32)>) -> Result<Op, PicfitError> {
    let layers =
        p.0.iter()
            .filter(|(k, _)| *k == "path")
            .map(|(_, v)| clean_path(v))
            .collect::<Result<Vec<_>, _>>()?;
    if layers.is_empty() || layers.len() > MAX_FLAT_LAYERS {
        return Err(PicfitError::InvalidParameter(format!(
            "flat needs 1 to {MAX_FLAT_LAYERS} path: images"
        )));
    }
    let placement = match p.get("stick") {
        Some(corner) => Placement::Corner {
            corner: match corner {
                "top-left" => Gravity::NorthWest,
                "top-right" => Gravity::NorthEast,
                "bottom-left" => Gravity::SouthWest,
                "bottom-right" => Gravity::SouthEast,
                other => {
                    return Err(PicfitError::InvalidParameter(format!(
                        "stick must be top-left, top-right, bottom-left or bottom-right, not {other}"
                    )));
                }
            },
            size,
        },
        None => {
            let pos = p.get("pos").filter(|v| !v.is_empty()).unwrap_or("0.0");
            let mut parts = [0, 0, 100, 100];
            for (slot, part) in parts.iter_mut().zip(pos.split('.')) {
                *slot = part
                    .parse::<u32>()
                    .ok()
                    .filter(|v| *v <= 100)
                    .ok_or_else(|| {
                        PicfitError::InvalidParameter(format!(
                            "pos must be x0.y0.x1.y1 in percent, not {pos}"
                        ))
                    })?;
            }
            if pos.split('.').count() > 4 {
                return Err(PicfitError::InvalidParameter(format!(
                    "pos must be x0.y0.x1.y1 in percent, not {pos}"
                )));
            }
            let [x0, y0, x1, y1] = parts;
            Placement::Rect {
                from: (x0, y0),
                to: (x1, y1),
                fill: p.get("color").map_or(Ok([0; 4]), colour)?,
            }
        }
    };
    Ok(Op::Flat(Flat { layers, placement }))
}

/// `rrggbb` or `rrggbbaa`, with or without `#`.
fn colour(hex: &str) -> Result<[u8; 4], PicfitError> {
    let hex = hex.trim_start_matches('#');
    picsum_imaging::model::rgba_from_hex(hex).ok_or_else(|| {
        PicfitError::InvalidParameter(format!("color must be rrggbb or rrggbbaa, not {hex}"))
    })
}
