//! Filters on the catalog: `?orientation=` and `?tag=`, parsed once into a [`Filter`].
//!
//! Every image carries its catalog tags (manifest field, database column, `picsum import
//! --tags`) and computed ones: its [`Orientation`]'s name. A filter matches an image that has
//! every tag it names and, when it names one, the orientation.

use std::fmt;

use crate::Image;

/// Longest tag accepted, in bytes.
pub const MAX_TAG_LEN: usize = 32;
/// Most tags one filter may name.
pub const MAX_FILTER_TAGS: usize = 8;

/// Why a filter or a tag was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// `?orientation=` is none of the three.
    #[error("Invalid orientation {0:?}: use landscape, portrait or square")]
    Orientation(String),
    /// A tag is empty, too long or has characters outside `a-z`, `0-9` and `-`.
    #[error("Invalid tag {0:?}: tags are 1 to 32 characters of a-z, 0-9 and '-' (case is ignored)")]
    Tag(String),
    /// `?tag=` names too many tags.
    #[error("Too many tags: at most 8, separated by commas")]
    TooMany,
    /// `?fields=` names a field there is not.
    #[error("Invalid field {0:?}: use orientation, tags, color, thumbhash or css_lqip")]
    Field(String),
}

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

/// Which images a request may pick from. The default matches every image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Required orientation.
    pub orientation: Option<Orientation>,
    /// Required tags (all of them), sorted, without duplicates.
    pub tags: Vec<Tag>,
}

impl Filter {
    /// Reads `?orientation=` and `?tag=` (comma-separated; every tag must match). Missing or
    /// empty values filter nothing.
    ///
    /// # Errors
    /// An unknown orientation, an invalid tag or more than [`MAX_FILTER_TAGS`] tags.
    pub fn parse(orientation: Option<&str>, tag: Option<&str>) -> Result<Self, FilterError> {
        let orientation = orientation
            .filter(|o| !o.is_empty())
            .map(Orientation::parse)
            .transpose()?;
        let mut tags = tag
            .filter(|t| !t.is_empty())
            .map(|t| t.split(',').map(Tag::parse).collect::<Result<Vec<_>, _>>())
            .transpose()?
            .unwrap_or_default();
        tags.sort();
        tags.dedup();
        if tags.len() > MAX_FILTER_TAGS {
            return Err(FilterError::TooMany);
        }
        Ok(Self { orientation, tags })
    }

    /// Whether this filter matches every image.
    pub fn is_empty(&self) -> bool {
        self.orientation.is_none() && self.tags.is_empty()
    }

    /// Whether `image` has every tag and the orientation this filter names.
    pub fn matches(&self, image: &Image) -> bool {
        self.orientation.is_none_or(|o| image.orientation() == o)
            && self.tags.iter().all(|t| image.has_tag(t))
    }

    /// The filter as query pairs (`orientation`, then `tag`), for links that keep it.
    pub fn query(&self) -> String {
        let mut q = String::new();
        if let Some(o) = self.orientation {
            q.push_str("&orientation=");
            q.push_str(o.name());
        }
        if !self.tags.is_empty() {
            q.push_str("&tag=");
            q.push_str(
                &self
                    .tags
                    .iter()
                    .map(Tag::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            );
        }
        q
    }
}

impl fmt::Display for Filter {
    /// Words for error messages: `tag "snow" and orientation portrait`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.tags.is_empty() {
            let names: Vec<String> = self.tags.iter().map(|t| format!("{:?}", t.0)).collect();
            let noun = if names.len() == 1 { "tag" } else { "tags" };
            parts.push(format!("{noun} {}", names.join(", ")));
        }
        if let Some(o) = self.orientation {
            parts.push(format!("orientation {}", o.name()));
        }
        f.write_str(&parts.join(" and "))
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

    #[test]
    fn parses_and_describes() {
        let f = Filter::parse(Some("Portrait"), Some("snow,City,snow")).unwrap();
        assert_eq!(f.orientation, Some(Orientation::Portrait));
        assert_eq!(
            f.tags,
            vec![Tag::parse("city").unwrap(), Tag::parse("snow").unwrap()]
        );
        assert_eq!(
            f.to_string(),
            r#"tags "city", "snow" and orientation portrait"#
        );
        assert_eq!(f.query(), "&orientation=portrait&tag=city,snow");
        assert!(Filter::parse(None, Some("")).unwrap().is_empty());
        assert!(Filter::parse(Some(""), None).unwrap().is_empty());
    }

    #[test]
    fn refuses_bad_values() {
        assert_eq!(
            Filter::parse(Some("wide"), None),
            Err(FilterError::Orientation("wide".into()))
        );
        for bad in ["a,,b", "é", "a b", &"x".repeat(33), "a_b"] {
            assert!(
                matches!(Filter::parse(None, Some(bad)), Err(FilterError::Tag(_))),
                "{bad}"
            );
        }
        let nine = (0..9)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(Filter::parse(None, Some(&nine)), Err(FilterError::TooMany));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(o in ".{0,12}", t in ".{0,80}") {
            if let Ok(f) = Filter::parse(Some(&o), Some(&t)) {
                let again = Filter::parse(
                    f.orientation.map(Orientation::name),
                    Some(&f.tags.iter().map(Tag::as_str).collect::<Vec<_>>().join(",")),
                ).unwrap();
                proptest::prop_assert_eq!(again, f);
            }
        }
    }
}
