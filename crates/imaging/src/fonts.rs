//! Font files for text overlays.
//!
//! libvips renders text with Pango, which finds fonts by family name through fontconfig.
//! A font is therefore given as a file (added to fontconfig by libvips' `fontfile`) and
//! asked for by the family name read from the file itself, so the face drawn is the file's
//! whatever else the machine has installed. Without a file, the bundled DejaVu Sans is
//! written once to the temporary directory and used.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::ImagingError;

const BUNDLED: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// A font ready for libvips: its file and its family name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Font {
    /// Path of the font file.
    pub file: PathBuf,
    /// Family name in the file.
    pub family: String,
}

/// Resolves `path` (or the bundled font for `None`), reading the family name once per path.
///
/// # Errors
/// [`ImagingError::Font`] when the file cannot be read or is not a font.
pub fn resolve(path: Option<&str>) -> Result<Font, ImagingError> {
    static KNOWN: OnceLock<Mutex<HashMap<Option<String>, Font>>> = OnceLock::new();
    // Held while a new font is read or written, so that only one thread does it.
    let mut known = KNOWN
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let key = path.map(str::to_owned);
    if let Some(font) = known.get(&key) {
        return Ok(font.clone());
    }
    let font = match path {
        Some(path) => {
            let data = std::fs::read(path)
                .map_err(|e| ImagingError::Font(format!("cannot read {path}: {e}")))?;
            Font {
                family: family(&data).ok_or_else(|| {
                    ImagingError::Font(format!("{path} is not a TrueType/OpenType font"))
                })?,
                file: PathBuf::from(path),
            }
        }
        None => bundled()?,
    };
    known.insert(key, font.clone());
    Ok(font)
}

/// The family name (name ID 1) of a font file.
fn family(data: &[u8]) -> Option<String> {
    let face = ttf_parser::Face::parse(data, 0).ok()?;
    face.names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
        .find_map(|n| n.to_string())
        .filter(|f| !f.is_empty())
}

/// Writes the bundled font to the temporary directory (atomically, once per content).
fn bundled() -> Result<Font, ImagingError> {
    let dir = std::env::temp_dir().join("picsum-fonts");
    let file = dir.join(format!("DejaVuSans-{}.ttf", BUNDLED.len()));
    let ok = std::fs::metadata(&file).is_ok_and(|m| m.len() == BUNDLED.len() as u64);
    if !ok {
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            let tmp = dir.join(format!(".DejaVuSans-{}.tmp", std::process::id()));
            std::fs::write(&tmp, BUNDLED)?;
            std::fs::rename(&tmp, &file)
        };
        write().map_err(|e| ImagingError::Font(format!("cannot write {}: {e}", file.display())))?;
    }
    Ok(Font {
        file,
        family: family(BUNDLED).unwrap_or_else(|| "DejaVu Sans".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_font_and_bad_files() {
        let font = resolve(None).unwrap();
        assert_eq!(font.family, "DejaVu Sans");
        assert_eq!(std::fs::read(&font.file).unwrap(), BUNDLED);
        let dir = std::env::temp_dir().join(format!("picsum-font-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.ttf");
        std::fs::write(&bad, b"not a font").unwrap();
        assert!(matches!(resolve(bad.to_str()), Err(ImagingError::Font(_))));
        assert!(matches!(
            resolve(Some("/nonexistent/font.ttf")),
            Err(ImagingError::Font(_))
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
