//! pixlserv's URL grammar, parsed into the one transformation model.
//!
//! `/[{KEY}/]image/{params}/{path}[@{N}x].{ext}`, where `params` is a comma-separated list
//! of `key_value` parts: `w_`, `h_` (pixels), `c_` crop mode (`e` exact, `a` all/fit,
//! `p` part/fill, `k` keep scale/cut), `g_` gravity (`n ne e se s sw w nw c`, default
//! `nw`), `f_grayscale`; or `t_NAME` alone for a named transformation ([`crate::presets`],
//! with its watermark and text overlays). Error messages are
//! pixlserv's; its 500s (a part without `_`, `@0x`) are 400s here.

use picsum_imaging::model::{Format, Grayscale, Op, Output, Pipeline};

use crate::error::PixlservError;
use crate::params::Params;
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
    let params = Params::parse(&params)?;
    let mut ops = vec![params.first_step(scale)?];
    // Overlays are drawn on the result; pixlserv's grey filter applies to the whole output.
    ops.extend(overlays);
    if params.grayscale {
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
        canonical: params.canonical(scale),
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
