//! pixlserv's parameter list (`w_`, `h_`, `c_`, `g_`, `f_`), its canonical form and the
//! first step it makes, with pixlserv's messages.

use picsum_imaging::MAX_SIDE;
use picsum_imaging::model::{Crop, Fill, Fit, Gravity, Op, Resize, Rounding, Size};

use crate::error::PixlservError;

/// Crop modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CropMode {
    Exact,
    All,
    Part,
    Keep,
}

/// The parsed parameter list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params {
    w: u32,
    h: u32,
    crop: CropMode,
    gravity: Gravity,
    pub(crate) grayscale: bool,
}

impl Params {
    /// Parses `key_value` parts separated by commas; unknown keys are ignored, as pixlserv
    /// does.
    pub(crate) fn parse(list: &str) -> Result<Self, PixlservError> {
        let mut p = Self {
            w: 0,
            h: 0,
            crop: CropMode::Exact,
            gravity: Gravity::NorthWest,
            grayscale: false,
        };
        for part in list.split(',') {
            let (key, value) = part.split_once('_').ok_or_else(|| {
                PixlservError::Invalid(format!("could not parse parameter: \"{part}\""))
            })?;
            match key {
                "w" => p.w = side(key, value)?,
                "h" => p.h = side(key, value)?,
                "c" => p.crop = crop_mode(value)?,
                "g" => p.gravity = gravity(value)?,
                "f" => {
                    p.grayscale = match value.to_ascii_lowercase().as_str() {
                        "grayscale" => true,
                        "none" => false,
                        _ => return Err(invalid("invalid value for \"f\"")),
                    }
                }
                _ => {} // pixlserv ignores other keys
            }
        }
        if p.w == 0 && p.h == 0 {
            return Err(invalid("both width and height can't be 0"));
        }
        Ok(p)
    }

    /// pixlserv's canonical parameter string, e.g. `c_e,g_nw,h_300,w_400,f_none,s_1`.
    pub(crate) fn canonical(&self, scale: u32) -> String {
        format!(
            "c_{},g_{},h_{},w_{},f_{},s_{scale}",
            match self.crop {
                CropMode::Exact => 'e',
                CropMode::All => 'a',
                CropMode::Part => 'p',
                CropMode::Keep => 'k',
            },
            self.gravity.code(),
            self.h,
            self.w,
            if self.grayscale { "grayscale" } else { "none" },
        )
    }

    /// The scaling or cutting step, its box multiplied by the retina `scale` (except for
    /// cuts without scaling).
    pub(crate) fn first_step(&self, scale: u32) -> Result<Op, PixlservError> {
        let scaled = |v: u32| {
            let v = if self.crop == CropMode::Keep {
                v
            } else {
                v.saturating_mul(scale)
            };
            (v > 0).then_some(v)
        };
        let size = Size {
            width: scaled(self.w),
            height: scaled(self.h),
        };
        if size.width.is_some_and(|v| v > MAX_SIDE) || size.height.is_some_and(|v| v > MAX_SIDE) {
            return Err(PixlservError::Invalid(format!(
                "scaled size must be <= {MAX_SIDE}"
            )));
        }
        let resize = Op::Resize(Resize {
            size,
            upscale: true,
            rounding: Rounding::Generous,
        });
        Ok(match self.crop {
            CropMode::Exact => resize,
            CropMode::All => Op::Fit(Fit {
                size,
                upscale: true,
                rounding: Rounding::Generous,
            }),
            // A part crop needs both sides; with one, it is the exact resize of that side.
            CropMode::Part if size.width.is_some() && size.height.is_some() => Op::Fill(Fill {
                size,
                gravity: self.gravity,
                upscale: true,
            }),
            CropMode::Part => resize,
            CropMode::Keep => Op::Crop(Crop {
                size,
                gravity: self.gravity,
            }),
        })
    }
}

fn invalid(message: &str) -> PixlservError {
    PixlservError::Invalid(message.to_owned())
}

/// `w_` or `h_`: 1 to [`MAX_SIDE`].
fn side(key: &str, value: &str) -> Result<u32, PixlservError> {
    let n: i64 = value.parse().map_err(|_| {
        PixlservError::Invalid(format!("could not parse value for parameter: \"{key}\""))
    })?;
    if n <= 0 {
        return Err(PixlservError::Invalid(format!(
            "value {n} must be > 0: \"{key}\""
        )));
    }
    u32::try_from(n)
        .ok()
        .filter(|n| *n <= MAX_SIDE)
        .ok_or_else(|| {
            PixlservError::Invalid(format!("value {n} must be <= {MAX_SIDE}: \"{key}\""))
        })
}

fn crop_mode(value: &str) -> Result<CropMode, PixlservError> {
    let v = value.to_ascii_lowercase();
    if v.len() > 1 {
        return Err(invalid("value \"c\" must have only 1 character"));
    }
    match v.as_str() {
        "e" => Ok(CropMode::Exact),
        "a" => Ok(CropMode::All),
        "p" => Ok(CropMode::Part),
        "k" => Ok(CropMode::Keep),
        _ => Err(invalid("invalid value for \"c\"")),
    }
}

fn gravity(value: &str) -> Result<Gravity, PixlservError> {
    let v = value.to_ascii_lowercase();
    if v.len() > 2 {
        return Err(invalid("value \"g\" must have at most 2 characters"));
    }
    Gravity::from_name(&v)
        .filter(|g| !matches!(g, Gravity::Attention | Gravity::Entropy))
        .ok_or_else(|| invalid("invalid value for \"g\""))
}
