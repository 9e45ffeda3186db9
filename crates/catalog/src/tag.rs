//! What an image is filtered by: its [`Tag`]s (stored ones are validated words) and its
//! [`Orientation`], whose name is a computed tag.

use std::fmt;

use crate::error::FilterError;

/// Longest tag accepted, in bytes.
pub const MAX_TAG_LEN: usize = 32;

/// The shape of an image. Within 5% of square counts as square: few photos are exactly so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Orientation {
    /// Wider than tall.
    Landscape,
    /// Taller than wide.
    Portrait,
    /// Sides within 5% of each other.
    Square,
}

impl Orientation {
    /// Every orientation, for indexing.
    pub const ALL: [Self; 3] = [Self::Landscape, Self::Portrait, Self::Square];

    /// The orientation of a `width`×`height` image.
    pub fn of(width: u32, height: u32) -> Self {
        let (w, h) = (u64::from(width), u64::from(height));
        let long = w.max(h);
        if (long - w.min(h)) * 20 <= long {
            Self::Square
        } else if w > h {
            Self::Landscape
        } else {
            Self::Portrait
        }
    }

    /// Parses `landscape`, `portrait` or `square` (any case).
    ///
    /// # Errors
    /// [`FilterError::Orientation`].
    pub fn parse(s: &str) -> Result<Self, FilterError> {
        Self::ALL
            .into_iter()
            .find(|o| o.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| FilterError::Orientation(s.to_owned()))
    }

    /// The lowercase name, also the image's computed tag.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Landscape => "landscape",
            Self::Portrait => "portrait",
            Self::Square => "square",
        }
    }
}

/// A tag: 1 to [`MAX_TAG_LEN`] bytes of lowercase `a-z`, `0-9` and `-`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize, serde::Serialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl TryFrom<String> for Tag {
    type Error = FilterError;
    fn try_from(s: String) -> Result<Self, FilterError> {
        Self::parse(&s)
    }
}

impl From<Tag> for String {
    fn from(tag: Tag) -> Self {
        tag.0
    }
}

impl Tag {
    /// Parses a tag, lowercasing it.
    ///
    /// # Errors
    /// [`FilterError::Tag`].
    pub fn parse(s: &str) -> Result<Self, FilterError> {
        let ok = !s.is_empty()
            && s.len() <= MAX_TAG_LEN
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(FilterError::Tag(s.to_owned()))
        }
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_of_sizes() {
        assert_eq!(Orientation::of(1200, 800), Orientation::Landscape);
        assert_eq!(Orientation::of(800, 1200), Orientation::Portrait);
        assert_eq!(Orientation::of(1000, 1000), Orientation::Square);
        assert_eq!(Orientation::of(1000, 950), Orientation::Square);
        assert_eq!(Orientation::of(1000, 949), Orientation::Landscape);
        assert_eq!(Orientation::of(0, 0), Orientation::Square);
        assert_eq!(Orientation::of(u32::MAX, 1), Orientation::Landscape);
    }
}
