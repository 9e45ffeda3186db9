//! The parameters one picfit operation reads, and the checks of values every operation
//! shares (sides, booleans, storage keys).

use picsum_imaging::MAX_SIDE;

use crate::error::PicfitError;

/// The parameters one operation reads: the request's effective ones, or a
/// sub-operation's own.
#[derive(Clone)]
pub(crate) struct Params<'a>(pub(crate) Vec<(&'a str, &'a str)>);

impl<'a> Params<'a> {
    pub(crate) fn get(&self, key: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// A side: absent, empty or 0 is "derive it"; at most [`MAX_SIDE`].
    pub(crate) fn side(&self, key: &str) -> Result<Option<u32>, PicfitError> {
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
    pub(crate) fn flag(&self, key: &str, default: bool) -> Result<bool, PicfitError> {
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

/// A storage key: no empty, absolute or `..` segments (picfit passes `..` through).
pub(crate) fn clean_path(path: &str) -> Result<String, PicfitError> {
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
