//! Filters on the catalog: `?orientation=` and `?tag=`, parsed once into a [`Filter`].
//!
//! Every image carries its catalog tags (manifest field, database column, `picsum import
//! --tags`) and computed ones: its [`Orientation`]'s name. A filter matches an image that has
//! every tag it names and, when it names one, the orientation. [`Tag`] and [`Orientation`]
//! (`tag.rs`) and [`FilterError`] (`error.rs`) are re-exported here.

use std::fmt;

use crate::Image;
pub use crate::error::FilterError;
pub use crate::tag::{MAX_TAG_LEN, Orientation, Tag};

/// Most tags one filter may name.
pub const MAX_FILTER_TAGS: usize = 8;

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
            let names: Vec<String> = self
                .tags
                .iter()
                .map(|t| format!("{:?}", t.as_str()))
                .collect();
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
