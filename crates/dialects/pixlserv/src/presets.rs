//! Named transformations (pixlserv's `t_NAME`): a parameter string, an `eager` flag (run
//! after every upload), and watermark and text overlays.
//!
//! They come from `IMAGE_PRESETS` (`name=params;…`, parameters only) and from a file named
//! by `IMAGE_PRESETS_FILE` in pixlserv's shape, YAML (`.yaml`/`.yml`) or TOML (`.toml`):
//!
//! ```yaml
//! transformations:
//!   - name: square
//!     parameters: w_200,h_200,c_p
//!     eager: Yes
//!     watermark: {source: logo.png, gravity: se, x-pos: 10, y-pos: 10}
//!     text:
//!       - {content: "© Picsum", gravity: sw, x-pos: 8, y-pos: 8, color: "#fff", size: 14}
//! ```
//!
//! Everything is checked at start-up, with pixlserv's messages: names, parameters,
//! gravities, offsets, colours, sizes and fonts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail, ensure};
use picsum_imaging::model::{Gravity, Op};
use picsum_imaging::model::{MAX_TEXT_SIZE, Text, Watermark};
use serde::Deserialize;

use crate::error::PixlservError;
use crate::params::Params;

/// One named transformation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preset {
    /// pixlserv parameters, e.g. `w_200,h_200,c_p`.
    pub params: String,
    /// Rendered (into the caches) after every upload.
    pub eager: bool,
    /// Image drawn over the result.
    pub watermark: Option<WatermarkSpec>,
    /// Text drawn over the result, in order.
    pub text: Vec<TextSpec>,
}

/// A watermark as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatermarkSpec {
    /// Storage key of the image.
    pub source: String,
    /// Edge or corner the offsets are taken from.
    pub gravity: Gravity,
    /// Offsets at 1x.
    pub offset: (u32, u32),
}

/// A text overlay as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextSpec {
    /// What is written.
    pub content: String,
    /// Edge or corner the offsets are taken from.
    pub gravity: Gravity,
    /// Offsets at 1x.
    pub offset: (u32, u32),
    /// RGBA.
    pub colour: [u8; 4],
    /// Font file; `None` is the bundled DejaVu Sans.
    pub font: Option<String>,
    /// Points at 72 DPI (pixels) at 1x.
    pub size: u32,
}

impl Preset {
    /// The overlay steps at retina `scale`: offsets and text sizes multiplied, and the
    /// watermark's `@{scale}x` variant tried first.
    #[must_use]
    pub fn overlays(&self, scale: u32) -> Vec<Op> {
        let times = |(x, y): (u32, u32)| (x.saturating_mul(scale), y.saturating_mul(scale));
        let mut ops = Vec::new();
        if let Some(wm) = &self.watermark {
            let retina = (scale > 1).then(|| match wm.source.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}@{scale}x.{ext}"),
                None => format!("{}@{scale}x", wm.source),
            });
            ops.push(Op::Watermark(Watermark {
                source: wm.source.clone(),
                retina,
                scale,
                gravity: wm.gravity,
                offset: times(wm.offset),
            }));
        }
        for t in &self.text {
            ops.push(Op::Text(Text {
                content: t.content.clone(),
                font: t.font.clone(),
                colour: t.colour,
                size: t.size.saturating_mul(scale).min(MAX_TEXT_SIZE),
                gravity: t.gravity,
                offset: times(t.offset),
            }));
        }
        ops
    }
}

/// Reads and checks every preset: `env` is `IMAGE_PRESETS`, `file` `IMAGE_PRESETS_FILE`.
///
/// # Errors
/// An unreadable file, a bad entry or a name defined twice, with pixlserv's message.
pub fn load(env: &str, file: Option<&Path>) -> anyhow::Result<HashMap<String, Preset>> {
    let mut presets = HashMap::new();
    let mut add = |name: String, preset: Preset| -> anyhow::Result<()> {
        ensure!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "invalid transformation name: {name}"
        );
        check_params(&preset.params)?;
        ensure!(
            presets.insert(name.clone(), preset).is_none(),
            "transformation {name} is defined twice"
        );
        Ok(())
    };
    for entry in env.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let (name, params) = entry
            .split_once('=')
            .with_context(|| format!("preset {entry}: expected name=params"))?;
        add(
            name.to_owned(),
            Preset {
                params: params.to_owned(),
                ..Preset::default()
            },
        )?;
    }
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read presets file {}", path.display()))?;
        let parsed: FileShape = match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => serde_yaml_ng::from_str(&text)
                .with_context(|| format!("{}: invalid YAML", path.display()))?,
            Some("toml") => toml::from_str(&text)
                .with_context(|| format!("{}: invalid TOML", path.display()))?,
            _ => bail!(
                "presets file {} must end in .yaml, .yml or .toml",
                path.display()
            ),
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        for entry in parsed.transformations {
            let name = entry.name.clone();
            let preset = entry
                .into_preset(dir)
                .with_context(|| format!("transformation {name}"))?;
            add(name, preset)?;
        }
    }
    Ok(presets)
}

/// A preset's parameters must parse as a request's would (a preset cannot name another).
fn check_params(params: &str) -> anyhow::Result<()> {
    let checked = match params.strip_prefix("t_") {
        Some(name) if !params.contains(',') => {
            Err(PixlservError::UnknownTransformation(name.to_owned()))
        }
        _ => Params::parse(params)
            .and_then(|p| p.first_step(1))
            .map(drop),
    };
    checked.map_err(|e| anyhow::anyhow!("invalid transformation parameters: {params} ({e})"))
}

#[derive(Debug, Deserialize)]
struct FileShape {
    #[serde(default)]
    transformations: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    parameters: String,
    #[serde(default)]
    eager: YesNo,
    watermark: Option<WatermarkEntry>,
    #[serde(default)]
    text: Vec<TextEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct WatermarkEntry {
    source: Option<String>,
    gravity: Option<String>,
    #[serde(default)]
    x_pos: i64,
    #[serde(default)]
    y_pos: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TextEntry {
    content: Option<String>,
    gravity: Option<String>,
    #[serde(default)]
    x_pos: i64,
    #[serde(default)]
    y_pos: i64,
    color: Option<String>,
    font: Option<String>,
    size: Option<i64>,
}

/// YAML 1.1 booleans as pixlserv's configs write them (`Yes`, `no`, `on`…), or a bool.
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum YesNo {
    Bool(bool),
    Word(String),
    #[default]
    Unset,
}

impl YesNo {
    fn value(&self) -> anyhow::Result<bool> {
        match self {
            Self::Bool(b) => Ok(*b),
            Self::Unset => Ok(false),
            Self::Word(w) => match w.to_ascii_lowercase().as_str() {
                "yes" | "y" | "true" | "on" => Ok(true),
                "no" | "n" | "false" | "off" => Ok(false),
                other => bail!("eager must be yes or no, not {other}"),
            },
        }
    }
}

impl Entry {
    fn into_preset(self, dir: &Path) -> anyhow::Result<Preset> {
        let watermark = self
            .watermark
            .map(|w| -> anyhow::Result<WatermarkSpec> {
                let source = w
                    .source
                    .filter(|s| !s.is_empty())
                    .context("a watermark needs to have a source specified")?;
                Ok(WatermarkSpec {
                    source,
                    gravity: gravity(w.gravity.as_deref(), "watermark")?,
                    offset: offset(w.x_pos, w.y_pos)?,
                })
            })
            .transpose()?;
        let text = self
            .text
            .into_iter()
            .map(|t| -> anyhow::Result<TextSpec> {
                let content = t
                    .content
                    .filter(|c| !c.trim().is_empty())
                    .context("a text overlay needs content")?;
                ensure!(
                    content.chars().count() <= 1000,
                    "text content is longer than 1000 characters"
                );
                let colour = t.color.context("a text overlay needs a color")?;
                let size = t.size.unwrap_or(0);
                ensure!(
                    (1..=i64::from(MAX_TEXT_SIZE)).contains(&size),
                    "text size must be 1 to {MAX_TEXT_SIZE}, not {size}"
                );
                Ok(TextSpec {
                    content,
                    gravity: gravity(t.gravity.as_deref(), "text")?,
                    offset: offset(t.x_pos, t.y_pos)?,
                    colour: hex_colour(&colour)?,
                    font: font(t.font.as_deref(), dir)?,
                    size: u32::try_from(size)?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Preset {
            params: self.parameters,
            eager: self.eager.value()?,
            watermark,
            text,
        })
    }
}

fn gravity(name: Option<&str>, what: &str) -> anyhow::Result<Gravity> {
    let name = name.with_context(|| format!("a {what} needs a gravity"))?;
    Gravity::from_name(&name.to_ascii_lowercase())
        .filter(|g| !matches!(g, Gravity::Attention | Gravity::Entropy))
        .with_context(|| format!("invalid {what} gravity: {name}"))
}

fn offset(x: i64, y: i64) -> anyhow::Result<(u32, u32)> {
    let side = |v: i64, name: &str| {
        u32::try_from(v)
            .ok()
            .filter(|v| *v <= picsum_imaging::MAX_SIDE)
            .with_context(|| format!("{name} must be 0 to {}, not {v}", picsum_imaging::MAX_SIDE))
    };
    Ok((side(x, "x-pos")?, side(y, "y-pos")?))
}

/// `#rgb`, `#rrggbb` or `#rrggbbaa` (the `#` optional).
fn hex_colour(text: &str) -> anyhow::Result<[u8; 4]> {
    let hex = text.trim().trim_start_matches('#');
    let expanded: String = if hex.len() == 3 {
        hex.chars().flat_map(|c| [c, c]).collect()
    } else {
        hex.to_owned()
    };
    picsum_imaging::model::rgba_from_hex(&expanded)
        .ok_or_else(|| anyhow::anyhow!("invalid color: {text}"))
}

/// A font file: as given, else beside the presets file; pixlserv's own
/// `fonts/DejaVuSans.ttf` (or no font) is the bundled copy of the same face.
fn font(path: Option<&str>, dir: &Path) -> anyhow::Result<Option<String>> {
    let Some(path) = path.filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let given = PathBuf::from(path);
    let found = [given.clone(), dir.join(&given)]
        .into_iter()
        .find(|p| p.is_file());
    let Some(found) = found else {
        if given.file_name().is_some_and(|n| n == "DejaVuSans.ttf") {
            return Ok(None);
        }
        bail!("font {path} does not exist");
    };
    let found = found.to_string_lossy().into_owned();
    picsum_imaging::fonts::resolve(Some(&found))?;
    Ok(Some(found))
}

#[cfg(test)]
mod tests;
