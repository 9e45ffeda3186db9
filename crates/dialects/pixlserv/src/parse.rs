//! pixlserv's URL grammar, parsed into the one transformation model.
//!
//! `/[{KEY}/]image/{params}/{path}[@{N}x].{ext}`, where `params` is a comma-separated list
//! of `key_value` parts: `w_`, `h_` (pixels), `c_` crop mode (`e` exact, `a` all/fit,
//! `p` part/fill, `k` keep scale/cut), `g_` gravity (`n ne e se s sw w nw c`, default
//! `nw`), `f_grayscale`; or `t_NAME` alone for a named transformation ([`crate::presets`],
//! with its watermark and text overlays). Error messages are
//! pixlserv's; its 500s (a part without `_`, `@0x`) are 400s here.

use picsum_imaging::MAX_SIDE;
use picsum_imaging::model::{
    Crop, Fill, Fit, Format, Gravity, Grayscale, Op, Output, Pipeline, Resize, Rounding, Size,
};

use crate::error::PixlservError;
use crate::presets::Preset;

/// A parsed pixlserv request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The API key segment, when the URL has one.
    pub api_key: Option<String>,
    /// Storage key of the original (retina suffix removed).
    pub path: String,
    /// What to do to it.
    pub pipeline: Pipeline,
    /// pixlserv's canonical parameter string, e.g. `c_e,g_nw,h_300,w_400,f_none,s_1`.
    pub canonical: String,
}

/// The path parts of `/[{KEY}/]image/{params}/{path}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// API key segment.
    pub api_key: Option<String>,
    /// The parameter segment.
    pub params: String,
    /// The rest: the image path.
    pub path: String,
}

impl Route {
    /// Matches a decoded path.
    #[must_use]
    pub fn parse(path: &str) -> Option<Self> {
        let rest = path.strip_prefix('/')?;
        let (api_key, rest) = match rest.strip_prefix("image/") {
            Some(rest) => (None, rest),
            None => {
                let (key, rest) = rest.split_once('/')?;
                let rest = rest.strip_prefix("image/")?;
                key.bytes()
                    .all(|b| b.is_ascii_alphanumeric())
                    .then_some((Some(key.to_owned()), rest))?
            }
        };
        let (params, path) = rest.split_once('/')?;
        (!params.is_empty() && !path.is_empty()).then(|| Self {
            api_key,
            params: params.to_owned(),
            path: path.to_owned(),
        })
    }
}

/// Crop modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CropMode {
    Exact,
    All,
    Part,
    Keep,
}

/// Parses a routed request. `preset` resolves `t_NAME` to its parameter string.
///
/// # Errors
/// [`PixlservError`] with pixlserv's message.
pub fn parse<'p>(
    route: &Route,
    preset: impl Fn(&str) -> Option<&'p Preset>,
) -> Result<Request, PixlservError> {
    let (path, scale) = retina(&route.path)?;
    if path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(PixlservError::Invalid(format!("invalid path: {path}")));
    }
    let (params, overlays) = match route.params.strip_prefix("t_") {
        Some(name) if !route.params.contains(',') => {
            let preset = preset(name)
                .ok_or_else(|| PixlservError::UnknownTransformation(name.to_owned()))?;
            (preset.params.clone(), preset.overlays(scale))
        }
        _ => (route.params.clone(), Vec::new()),
    };
    let (mut w, mut h, mut crop, mut gravity, mut grayscale) =
        (0u32, 0u32, CropMode::Exact, Gravity::NorthWest, false);
    for part in params.split(',') {
        let (key, value) = part.split_once('_').ok_or_else(|| {
            PixlservError::Invalid(format!("could not parse parameter: \"{part}\""))
        })?;
        match key {
            "w" | "h" => {
                let n: i64 = value.parse().map_err(|_| {
                    PixlservError::Invalid(format!(
                        "could not parse value for parameter: \"{key}\""
                    ))
                })?;
                if n <= 0 {
                    return Err(PixlservError::Invalid(format!(
                        "value {n} must be > 0: \"{key}\""
                    )));
                }
                let n = u32::try_from(n)
                    .ok()
                    .filter(|n| *n <= MAX_SIDE)
                    .ok_or_else(|| {
                        PixlservError::Invalid(format!(
                            "value {n} must be <= {MAX_SIDE}: \"{key}\""
                        ))
                    })?;
                if key == "w" { w = n } else { h = n }
            }
            "c" => {
                let v = value.to_ascii_lowercase();
                if v.len() > 1 {
                    return Err(PixlservError::Invalid(
                        "value \"c\" must have only 1 character".into(),
                    ));
                }
                crop = match v.as_str() {
                    "e" => CropMode::Exact,
                    "a" => CropMode::All,
                    "p" => CropMode::Part,
                    "k" => CropMode::Keep,
                    _ => return Err(PixlservError::Invalid("invalid value for \"c\"".into())),
                };
            }
            "g" => {
                let v = value.to_ascii_lowercase();
                if v.len() > 2 {
                    return Err(PixlservError::Invalid(
                        "value \"g\" must have at most 2 characters".into(),
                    ));
                }
                gravity = Gravity::from_name(&v)
                    .filter(|g| !matches!(g, Gravity::Attention | Gravity::Entropy))
                    .ok_or_else(|| PixlservError::Invalid("invalid value for \"g\"".into()))?;
            }
            "f" => match value.to_ascii_lowercase().as_str() {
                "grayscale" => grayscale = true,
                "none" => grayscale = false,
                _ => return Err(PixlservError::Invalid("invalid value for \"f\"".into())),
            },
            _ => {} // pixlserv ignores other keys
        }
    }
    if w == 0 && h == 0 {
        return Err(PixlservError::Invalid(
            "both width and height can't be 0".into(),
        ));
    }
    let canonical = format!(
        "c_{},g_{},h_{h},w_{w},f_{},s_{scale}",
        match crop {
            CropMode::Exact => 'e',
            CropMode::All => 'a',
            CropMode::Part => 'p',
            CropMode::Keep => 'k',
        },
        gravity.code(),
        if grayscale { "grayscale" } else { "none" },
    );
    // The retina scale multiplies the box, except for cuts without scaling.
    let scaled = |v: u32| {
        let v = if crop == CropMode::Keep {
            v
        } else {
            v.saturating_mul(scale)
        };
        (v > 0).then_some(v)
    };
    let size = Size {
        width: scaled(w),
        height: scaled(h),
    };
    if size.width.is_some_and(|v| v > MAX_SIDE) || size.height.is_some_and(|v| v > MAX_SIDE) {
        return Err(PixlservError::Invalid(format!(
            "scaled size must be <= {MAX_SIDE}"
        )));
    }
    let mut ops = vec![match crop {
        CropMode::Exact => Op::Resize(Resize {
            size,
            upscale: true,
            rounding: Rounding::Generous,
        }),
        CropMode::All => Op::Fit(Fit {
            size,
            upscale: true,
            rounding: Rounding::Generous,
        }),
        // A part crop needs both sides; with one, it is the exact resize of that side.
        CropMode::Part if size.width.is_some() && size.height.is_some() => Op::Fill(Fill {
            size,
            gravity,
            upscale: true,
        }),
        CropMode::Part => Op::Resize(Resize {
            size,
            upscale: true,
            rounding: Rounding::Generous,
        }),
        CropMode::Keep => Op::Crop(Crop { size, gravity }),
    }];
    // Overlays are drawn on the result; pixlserv's grey filter applies to the whole output.
    ops.extend(overlays);
    if grayscale {
        ops.push(Op::Grayscale(Grayscale));
    }
    // pixlserv writes PNG sources as PNG and everything else as JPEG.
    let format = if Format::from_name(extension(&path)) == Some(Format::Png) {
        Format::Png
    } else {
        Format::Jpeg
    };
    Ok(Request {
        api_key: route.api_key.clone(),
        path,
        pipeline: Pipeline {
            ops,
            output: Output {
                format: Some(format),
                quality: None,
            },
        },
        canonical,
    })
}

/// Splits `name@{N}x.ext` into `name.ext` and N (1 without a suffix).
fn retina(path: &str) -> Result<(String, u32), PixlservError> {
    let Some((stem, ext)) = path.rsplit_once('.') else {
        return Ok((path.to_owned(), 1));
    };
    let Some((base, suffix)) = stem.rsplit_once('@') else {
        return Ok((path.to_owned(), 1));
    };
    let Some(digits) = suffix
        .strip_suffix('x')
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    else {
        return Ok((path.to_owned(), 1));
    };
    let scale = digits
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=4).contains(n))
        .ok_or_else(|| PixlservError::Invalid(format!("scale @{digits}x must be 1 to 4")))?;
    Ok((format!("{base}.{ext}"), scale))
}

fn extension(path: &str) -> &str {
    path.rsplit_once('.').map_or("", |(_, e)| e)
}
