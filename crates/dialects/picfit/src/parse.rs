//! picfit's URL grammar, parsed into the one transformation model.
//!
//! Query form `/{display|redirect|get}?path=…|url=…&op=…&w=…&h=…&upscale=…&fmt=…&q=…&deg=…
//! &pos=…&filter=…&sig=…`, path form `/{method}/[{sig}/]{op}/{W}x{H}/{path}`, and chains of
//! `op=op:NAME+key:value` sub-operations (which use only their own parameters; `flat`
//! exists only there, drawing its `path:` images onto the result). Where
//! picfit answers bad input with a 500, this answers 400 (or 403 for sizes, 401 for
//! signatures); see the list of deliberate differences in `docs/dialects.md`.

use std::sync::LazyLock;

use picsum_imaging::model::{Format, Output, Pipeline};
use picsum_url::query::Query;
use regex::Regex;

use crate::error::PicfitError;
use crate::key::store_key;
use crate::ops::steps;
use crate::params::{Params, clean_path};

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
    let from_path = path_params(tail)?;
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
    let steps = steps(&ops, &top, settings.allowed_sizes)?;
    let output = output(get("fmt"), get("q"), settings.quality)?;
    Ok(Request {
        method,
        source,
        passthrough: ops == ["noop"] && output.format.is_none(),
        pipeline: Pipeline { ops: steps, output },
        key: store_key(&signed, &query, &from_path),
        force: get("force").is_some_and(|f| !f.is_empty()),
    })
}

/// The parameters of the path form (`sig`, `op`, `w`, `h`, `path`); none for the query form.
fn path_params(tail: &str) -> Result<Query, PicfitError> {
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
    Ok(from_path)
}

/// `fmt` and `q`; the configured quality when `q` is absent.
fn output(fmt: Option<&str>, q: Option<&str>, default_quality: u8) -> Result<Output, PicfitError> {
    let format = fmt
        .map(|f| {
            Format::from_name(f)
                .ok_or_else(|| PicfitError::InvalidParameter(format!("Unknown format {f}")))
        })
        .transpose()?;
    let quality = q
        .map(|q| {
            q.parse::<u8>()
                .ok()
                .filter(|q| (1..=100).contains(q))
                .ok_or_else(|| {
                    PicfitError::InvalidParameter("Quality should be between 1 and 100".into())
                })
        })
        .transpose()?;
    Ok(Output {
        format,
        quality: quality.or(Some(default_quality)),
    })
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
