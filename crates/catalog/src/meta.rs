//! Opt-in JSON beyond Picsum's: `/id/{id}/meta` (every field) and `/v2/list?fields=…`
//! (the fields asked for), Picsum's keys first and in Picsum's order, then ours.

use serde::Serialize;

use crate::filter::FilterError;
use crate::info::Info;
use crate::{Image, Placeholder};

/// Which extra fields a document carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fields {
    /// `orientation`: `landscape`, `portrait` or `square`.
    pub orientation: bool,
    /// `tags`: stored and computed, sorted.
    pub tags: bool,
    /// `color`: the dominant colour, `#rrggbb` (`null` when not computed).
    pub color: bool,
    /// `thumbhash`: base64 (`null` when not computed).
    pub thumbhash: bool,
    /// `css_lqip`: the CSS-only placeholder integer (`null` when not computed).
    pub css_lqip: bool,
}

impl Fields {
    /// Every field.
    pub const ALL: Self = Self {
        orientation: true,
        tags: true,
        color: true,
        thumbhash: true,
        css_lqip: true,
    };

    /// Parses `?fields=a,b` (empty or missing: none).
    ///
    /// # Errors
    /// [`FilterError::Field`] for a name that is not one of the five.
    pub fn parse(s: Option<&str>) -> Result<Self, FilterError> {
        let mut f = Self::default();
        for name in s.unwrap_or_default().split(',').filter(|n| !n.is_empty()) {
            match name {
                "orientation" => f.orientation = true,
                "tags" => f.tags = true,
                "color" => f.color = true,
                "thumbhash" => f.thumbhash = true,
                "css_lqip" => f.css_lqip = true,
                other => return Err(FilterError::Field(other.to_owned())),
            }
        }
        Ok(f)
    }

    /// The fields as a query pair (`&fields=…`), empty when none, for links that keep them.
    pub fn query(self) -> String {
        let names = [
            (self.orientation, "orientation"),
            (self.tags, "tags"),
            (self.color, "color"),
            (self.thumbhash, "thumbhash"),
            (self.css_lqip, "css_lqip"),
        ];
        let on: Vec<&str> = names.iter().filter(|(b, _)| *b).map(|(_, n)| *n).collect();
        if on.is_empty() {
            String::new()
        } else {
            format!("&fields={}", on.join(","))
        }
    }

    /// Whether no extra field is asked for.
    pub fn is_empty(self) -> bool {
        self == Self::default()
    }
}

/// An [`Info`] with the extra fields asked for.
#[derive(Debug, Serialize)]
pub struct Meta<'a> {
    #[serde(flatten)]
    info: Info<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    orientation: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thumbhash: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    css_lqip: Option<Option<i32>>,
}

impl<'a> Meta<'a> {
    /// The document of `image` with `fields`.
    pub fn new(image: &'a Image, root_url: &str, fields: Fields) -> Self {
        let placeholder = image.placeholder.as_ref();
        Self {
            info: Info::new(image, root_url),
            orientation: fields.orientation.then(|| image.orientation().name()),
            tags: fields.tags.then(|| image.all_tags()),
            color: fields.color.then(|| placeholder.map(|p| p.color.as_str())),
            thumbhash: fields
                .thumbhash
                .then(|| placeholder.map(|p| p.thumbhash.as_str())),
            css_lqip: fields
                .css_lqip
                .then(|| placeholder.and_then(Placeholder::css_lqip)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tag;
    use crate::json::to_go_json;

    #[test]
    fn picsum_keys_first_then_ours() {
        let mut image = crate::image::tests::image("7");
        image.tags = vec![Tag::parse("snow").unwrap()];
        let body = |image: &Image, fields| {
            String::from_utf8(to_go_json(&Meta::new(image, "R", fields))).unwrap()
        };
        let picsum = r#"{"id":"7","author":"John Doe","width":300,"height":400,"url":"https://picsum.photos","download_url":"R/id/7/300/400""#;
        assert_eq!(body(&image, Fields::default()), format!("{picsum}}}\n"));
        assert_eq!(
            body(&image, Fields::ALL),
            format!(
                r#"{picsum},"orientation":"portrait","tags":["portrait","snow"],"color":null,"thumbhash":null,"css_lqip":null}}"#
            ) + "\n"
        );
        image.placeholder = Some(Placeholder::new("AAA=".into(), "#2050c0".into()));
        let fields = Fields::parse(Some("thumbhash,tags")).unwrap();
        assert_eq!(
            body(&image, fields),
            format!(r#"{picsum},"tags":["blue","portrait","snow"],"thumbhash":"AAA="}}"#) + "\n"
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert_eq!(
            Fields::parse(Some("tags,size")),
            Err(FilterError::Field("size".into()))
        );
        assert!(Fields::parse(Some("")).unwrap().is_empty());
    }
}
