//! picfit's URL dialect, parsed into the one transformation model.
//!
//! Query form `/{display|redirect|get}?path=…|url=…&op=…&w=…&h=…&upscale=…&fmt=…&q=…&deg=…
//! &pos=…&filter=…&sig=…`, path form `/{method}/[{sig}/]{op}/{W}x{H}/{path}`, and chains of
//! `op=op:NAME+key:value` sub-operations (which use only their own parameters; `flat`
//! exists only there, drawing its `path:` images onto the result). Where
//! picfit answers bad input with a 500, this answers 400 (or 403 for sizes, 401 for
//! signatures); see the README's list of deliberate differences.

use std::sync::LazyLock;

use md5::{Digest, Md5};
use picsum_common::query::Query;
use picsum_imaging::MAX_SIDE;
use picsum_imaging::transform::{
    Axis, Flat, Format, Gravity, Op, Output, Pipeline, Placement, Rounding, Size, Turn,
};
use regex::Regex;

/// What to answer with the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The image itself.
    Display,
    /// A redirect to the stored derivative.
    Redirect,
    /// JSON describing the stored derivative.
    Get,
}

impl Method {
    /// The method of a first path segment.
    #[must_use]
    pub fn from_segment(segment: &str) -> Option<Self> {
        Some(match segment {
            "display" => Self::Display,
            "redirect" => Self::Redirect,
            "get" => Self::Get,
            _ => return None,
        })
    }
}

/// Where the original comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A key in source storage.
    Path(String),
    /// A remote http(s) URL.
    Url(String),
}

/// A parsed picfit request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// What to answer.
    pub method: Method,
    /// The original.
    pub source: Source,
    /// What to do to it.
    pub pipeline: Pipeline,
    /// `op=noop` alone: the source's bytes, untouched.
    pub passthrough: bool,
    /// picfit's store key: md5 of the sorted parameters as JSON (without `sig`, `force`).
    pub key: String,
    /// `force`: ignore stored derivatives and conditional headers.
    pub force: bool,
}

/// Server settings the parser needs.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// picfit's `secret_key`: when set, every request needs a valid `sig`.
    pub secret: Option<&'a [u8]>,
    /// Quality when `q` is absent (picfit's `engine.quality`, 95).
    pub quality: u8,
    /// picfit's `allowed_sizes`: when non-empty, every (w, h), sub-operations included,
    /// must be listed.
    pub allowed_sizes: &'a [(u32, u32)],
}

/// Why a picfit request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PicfitError {
    /// Neither path parameters nor `path`/`url`.
    #[error("Request should contains parameters or query string")]
    NoParameters,
    /// No `op`.
    #[error("`op` parameter or query string cannot be empty")]
    NoOperation,
    /// An unknown operation.
    #[error("Invalid method {0} or invalid parameters")]
    InvalidOperation(String),
    /// `url=` is not an http(s) URL.
    #[error("URL {0} is not valid")]
    InvalidUrl(String),
    /// A bad parameter value (picfit: 500).
    #[error("{0}")]
    InvalidParameter(String),
    /// Missing or wrong `sig`.
    #[error("Invalid signature")]
    BadSignature,
    /// A size not in `allowed_sizes`.
    #[error("Requested size not allowed")]
    SizeNotAllowed,
}

/// `/[{sig}/]{op}/{W}x{H}/{path}` after the method segment.
static PATH_FORM: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^/(?:([0-9A-Za-z_]+)/)?([0-9A-Za-z_]+)/([0-9]*)x([0-9]*)/(.+)$").ok()
});

/// Whether `tail` (the path after the method segment) is picfit's path form.
#[must_use]
pub fn is_path_form(tail: &str) -> bool {
    PATH_FORM.as_ref().is_some_and(|re| re.is_match(tail))
}

/// Parses a request: `tail` is the path after `/display` (empty for the query form).
///
/// # Errors
/// [`PicfitError`], with the status the service answers.
pub fn parse(
    method: Method,
    tail: &str,
    raw_query: &str,
    settings: Settings<'_>,
) -> Result<Request, PicfitError> {
    let query = Query::parse(raw_query);
    let mut from_path = Query::default();
    if !tail.is_empty() && tail != "/" {
        let caps = PATH_FORM
            .as_ref()
            .and_then(|re| re.captures(tail))
            .ok_or_else(|| PicfitError::InvalidParameter(format!("invalid path {tail}")))?;
        for (i, key) in [(1, "sig"), (2, "op"), (3, "w"), (4, "h"), (5, "path")] {
            if let Some(v) = caps.get(i).filter(|m| !m.as_str().is_empty()) {
                from_path.push(key, v.as_str());
            }
        }
    }
    if from_path.pairs().next().is_none() && !query.has("path") && !query.has("url") {
        return Err(PicfitError::NoParameters);
    }
    // Signed: every parameter, path captures included.
    let mut signed = from_path.clone();
    for (k, v) in query.pairs() {
        signed.push(k, v);
    }
    if let Some(secret) = settings.secret
        && !picsum_signing::dialects::picfit_verify(secret, &signed)
    {
        return Err(PicfitError::BadSignature);
    }
    // A query value overrides the path's, except for `op`, where the path's comes first.
    let get = |key: &str| query.get(key).or_else(|| from_path.get(key));
    let ops: Vec<&str> = from_path
        .pairs()
        .chain(query.pairs())
        .filter(|(k, _)| *k == "op")
        .map(|(_, v)| v)
        .collect();

    let source = match (get("path"), get("url")) {
        (Some(path), _) => Source::Path(clean_path(path)?),
        (None, Some(url)) => Source::Url(check_url(url)?),
        (None, None) => return Err(PicfitError::NoParameters),
    };
    if ops.is_empty() {
        return Err(PicfitError::NoOperation);
    }
    let top = Params(
        from_path
            .pairs()
            .chain(query.pairs())
            .filter_map(|(k, _)| Some((k, get(k)?)))
            .collect(),
    );
    let mut pipeline_ops = Vec::new();
    let mut sizes = Vec::new();
    for op in &ops {
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
            pipeline_ops.push(flat(&params, w.zip(h))?);
            continue;
        }
        if let Some(op) = operation(
            name,
            &params,
            Size {
                width: w,
                height: h,
            },
        )? {
            pipeline_ops.push(op);
        }
    }
    if !settings.allowed_sizes.is_empty()
        && sizes.iter().any(|s| !settings.allowed_sizes.contains(s))
    {
        return Err(PicfitError::SizeNotAllowed);
    }
    let format = get("fmt")
        .map(|f| {
            Format::from_name(f)
                .ok_or_else(|| PicfitError::InvalidParameter(format!("Unknown format {f}")))
        })
        .transpose()?;
    let quality = match get("q") {
        None => None,
        Some(q) => Some(
            q.parse::<u8>()
                .ok()
                .filter(|q| (1..=100).contains(q))
                .ok_or_else(|| {
                    PicfitError::InvalidParameter("Quality should be between 1 and 100".into())
                })?,
        ),
    };
    let passthrough = ops == ["noop"] && format.is_none();
    Ok(Request {
        method,
        source,
        pipeline: Pipeline {
            ops: pipeline_ops,
            output: Output {
                format,
                quality: quality.or(Some(settings.quality)),
            },
        },
        passthrough,
        key: store_key(&signed, &query, &from_path),
        force: get("force").is_some_and(|f| !f.is_empty()),
    })
}

/// The parameters one operation reads: the request's effective ones, or a
/// sub-operation's own.
#[derive(Clone)]
struct Params<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Params<'a> {
    fn get(&self, key: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// A side: absent, empty or 0 is "derive it"; at most [`MAX_SIDE`].
    fn side(&self, key: &str) -> Result<Option<u32>, PicfitError> {
        match self.get(key).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => {
                let n = v.parse::<u32>().map_err(|_| {
                    PicfitError::InvalidParameter(format!("{key} must be a whole number, not {v}"))
                })?;
                if n > MAX_SIDE {
                    return Err(PicfitError::InvalidParameter(format!(
                        "{key} must be at most {MAX_SIDE}"
                    )));
                }
                Ok((n > 0).then_some(n))
            }
        }
    }

    /// Go's `strconv.ParseBool`, with a default.
    fn flag(&self, key: &str, default: bool) -> Result<bool, PicfitError> {
        match self.get(key) {
            None => Ok(default),
            Some("1" | "t" | "T" | "TRUE" | "true" | "True") => Ok(true),
            Some("0" | "f" | "F" | "FALSE" | "false" | "False") => Ok(false),
            Some(v) => Err(PicfitError::InvalidParameter(format!(
                "{key} must be a boolean, not {v}"
            ))),
        }
    }
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
        "resize" => Op::Resize {
            size,
            upscale: p.flag("upscale", true)?,
            rounding: Rounding::Nearest,
        },
        "thumbnail" => Op::Fill {
            size: both()?,
            gravity: gravity(Gravity::Centre)?,
            upscale: p.flag("upscale", true)?,
        },
        "fit" => {
            if size.width.is_none() && size.height.is_none() {
                return Err(PicfitError::InvalidParameter("fit needs w or h".into()));
            }
            Op::Fit {
                size,
                upscale: p.flag("upscale", false)?,
                rounding: Rounding::Down,
            }
        }
        "pad" => Op::Pad {
            size: both()?,
            background: colour(p.get("color").unwrap_or("ffffff"))?,
            gravity: gravity(Gravity::Centre)?,
            upscale: p.flag("upscale", false)?,
        },
        "crop" => Op::Crop {
            size: both()?,
            gravity: gravity(Gravity::Centre)?,
        },
        // picfit rotates counter-clockwise (imaging.Rotate90).
        "rotate" => Op::Rotate(match p.get("deg").unwrap_or("90") {
            "90" => Turn::Cw270,
            "180" => Turn::Cw180,
            "270" => Turn::Cw90,
            other => {
                return Err(PicfitError::InvalidParameter(format!(
                    "deg must be 90, 180 or 270, not {other}"
                )));
            }
        }),
        "flip" => Op::Flip(match p.get("pos") {
            Some("h") => Axis::Horizontal,
            Some("v") => Axis::Vertical,
            _ => {
                return Err(PicfitError::InvalidParameter(
                    "flip needs pos=h or pos=v".into(),
                ));
            }
        }),
        "effect" => match p.get("filter") {
            // picfit: sigma = max(w, h) / 20, at most 50.
            Some("blur") => {
                let sigma = (f64::from(size.width.unwrap_or(0).max(size.height.unwrap_or(0)))
                    / 20.0)
                    .min(50.0);
                if sigma <= 0.0 {
                    return Err(PicfitError::InvalidParameter(
                        "blur needs w or h (sigma = max(w, h) / 20)".into(),
                    ));
                }
                Op::Blur { sigma }
            }
            Some("grayscale") => Op::Grayscale,
            other => {
                return Err(PicfitError::InvalidParameter(format!(
                    "unknown filter {}",
                    other.unwrap_or("")
                )));
            }
        },
        other => return Err(PicfitError::InvalidOperation(other.to_owned())),
    }))
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
pub(crate) fn colour(hex: &str) -> Result<[u8; 4], PicfitError> {
    let hex = hex.trim_start_matches('#');
    let bad =
        || PicfitError::InvalidParameter(format!("color must be rrggbb or rrggbbaa, not {hex}"));
    if !matches!(hex.len(), 6 | 8) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let byte = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .ok_or_else(bad)
    };
    Ok([
        byte(0)?,
        byte(2)?,
        byte(4)?,
        if hex.len() == 8 { byte(6)? } else { 255 },
    ])
}

/// A storage key: no empty, absolute or `..` segments (picfit passes `..` through).
fn clean_path(path: &str) -> Result<String, PicfitError> {
    let trimmed = path.trim_start_matches('/');
    if trimmed.is_empty()
        || trimmed
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(PicfitError::InvalidParameter(format!(
            "invalid path {path}"
        )));
    }
    Ok(trimmed.to_owned())
}

fn check_url(url: &str) -> Result<String, PicfitError> {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
        .filter(|r| !r.is_empty() && !r.starts_with('/'));
    rest.map(|_| url.to_owned())
        .ok_or_else(|| PicfitError::InvalidUrl(url.to_owned()))
}

/// picfit's key: md5 hex of Go's `json.Marshal` of the sorted parameters, each a string,
/// `op` an array when repeated; `sig` and `force` left out.
fn store_key(all: &Query, query: &Query, from_path: &Query) -> String {
    let mut keys: Vec<&str> = all
        .pairs()
        .map(|(k, _)| k)
        .filter(|k| *k != "sig" && *k != "force")
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut json = String::from("{");
    for key in keys {
        if json.len() > 1 {
            json.push(',');
        }
        go_json_string(key, &mut json);
        json.push(':');
        if key == "op" {
            let ops: Vec<&str> = all
                .pairs()
                .filter(|(k, _)| *k == "op")
                .map(|(_, v)| v)
                .collect();
            if let [one] = ops.as_slice() {
                go_json_string(one, &mut json);
            } else {
                json.push('[');
                for (i, op) in ops.iter().enumerate() {
                    if i > 0 {
                        json.push(',');
                    }
                    go_json_string(op, &mut json);
                }
                json.push(']');
            }
        } else {
            let value = query
                .get(key)
                .or_else(|| from_path.get(key))
                .unwrap_or_default();
            go_json_string(value, &mut json);
        }
    }
    json.push('}');
    hex::encode(Md5::digest(json.as_bytes()))
}

/// picfit's `shard` settings: a derived file's name is its key split into `depth` folders
/// of `width` characters, then the rest of the key (or all of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shard {
    width: usize,
    depth: usize,
    rest_only: bool,
}

impl Shard {
    /// Checked settings: the folders must leave part of the 32-character key.
    ///
    /// # Errors
    /// `width × depth` of 32 or more.
    pub fn new(width: u8, depth: u8, rest_only: bool) -> anyhow::Result<Self> {
        let (width, depth) = (usize::from(width), usize::from(depth));
        anyhow::ensure!(
            width * depth < 32,
            "shard width x depth must be below 32 (the key's length), not {width} x {depth}"
        );
        Ok(Self {
            width,
            depth,
            rest_only,
        })
    }

    /// The path of `key` (ASCII hex), without extension: `Shard("1234567890", 1, 2)` is
    /// `1/2/34567890`, or `1/2/1234567890` when not rest-only.
    #[must_use]
    pub fn apply(&self, key: &str) -> String {
        let split = (self.width * self.depth).min(key.len());
        let mut parts: Vec<&str> = (0..self.depth)
            .filter_map(|i| key.get(i * self.width..(i + 1) * self.width))
            .filter(|p| !p.is_empty())
            .collect();
        parts.push(if self.rest_only {
            key.get(split..).unwrap_or_default()
        } else {
            key
        });
        parts.join("/")
    }
}

/// A JSON string as Go's encoder writes it (`<`, `>`, `&`, U+2028, U+2029 escaped).
fn go_json_string(s: &str, out: &mut String) {
    let encoded = serde_json::to_string(s).unwrap_or_default();
    for c in encoded.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

pub mod serve;

#[cfg(test)]
mod tests;
