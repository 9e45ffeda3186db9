//! [`Image`]: one photo as the manifest describes it (id, author, size, source page, tags),
//! with its computed tags and [`Placeholder`] (ThumbHash, dominant colour and the LQIP
//! made from them on first use).

use crate::tag::{Orientation, Tag};

/// One photo as the manifest describes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Image {
    /// Identifier, a string (in practice decimal digits).
    pub id: String,
    /// Photographer.
    pub author: String,
    /// Stored width of the original.
    pub width: u32,
    /// Stored height of the original.
    pub height: u32,
    /// Source page of the photo.
    pub url: String,
    /// Catalog tags (the computed orientation and colour-family tags are not stored here).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// Placeholder data: ThumbHash and dominant colour, when computed.
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<Placeholder>,
}

/// A photo's placeholder: its ThumbHash (standard base64) and dominant colour (`#rrggbb`),
/// and the CSS-only integer made from the ThumbHash on first use.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Placeholder {
    /// ThumbHash, base64.
    pub thumbhash: String,
    /// Dominant colour, `#rrggbb`.
    pub color: String,
    /// [`Placeholder::css_lqip`], once computed (a catalog of a million photos would spend
    /// most of a minute computing them all up front).
    #[serde(skip)]
    css: std::sync::OnceLock<Option<i32>>,
    /// [`Placeholder::lqip_png`], once made: the same bytes answer every size, so the
    /// deflate runs once per photo, not per request.
    #[serde(skip)]
    png: std::sync::OnceLock<Option<std::sync::Arc<[u8]>>>,
}

impl Placeholder {
    /// The placeholder of a ThumbHash and a colour.
    pub fn new(thumbhash: String, color: String) -> Self {
        Self {
            thumbhash,
            color,
            css: std::sync::OnceLock::new(),
            png: std::sync::OnceLock::new(),
        }
    }

    /// The LQIP PNG of the ThumbHash ([`picsum_placeholder::lqip_png`]), made on first use;
    /// `None` when the ThumbHash does not decode.
    pub fn lqip_png(&self) -> Option<std::sync::Arc<[u8]>> {
        self.png
            .get_or_init(|| {
                picsum_placeholder::lqip_png(&self.thumbhash)
                    .ok()
                    .map(std::sync::Arc::from)
            })
            .clone()
    }

    /// The CSS-only placeholder integer ([`picsum_placeholder::css_lqip`]); `None` when the
    /// ThumbHash does not decode.
    pub fn css_lqip(&self) -> Option<i32> {
        *self
            .css
            .get_or_init(|| picsum_placeholder::css_lqip(&self.thumbhash))
    }

    /// The family of the dominant colour (`blue`, `gray`, …), a computed tag.
    pub fn family(&self) -> Option<&'static str> {
        picsum_placeholder::Rgb::parse(&self.color).map(picsum_placeholder::family)
    }
}

impl From<&picsum_placeholder::Placeholder> for Placeholder {
    fn from(p: &picsum_placeholder::Placeholder) -> Self {
        Self::new(p.thumbhash_base64(), p.colour.to_string())
    }
}

impl Image {
    /// A version of what the image service renders for this photo (its size and, when
    /// computed, its ThumbHash): 12 hex digits that change when the photo is imported again
    /// with other pixels. Signed image URLs carry it (`v=`), so a redirect a CDN keeps always
    /// names the photo as it was when it was made, never another under the same URL.
    pub fn version(&self) -> String {
        // FNV-1a, 64 bits: a name, not a secret (the URL's signature covers it).
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let thumbhash = self
            .placeholder
            .as_ref()
            .map_or("", |p| p.thumbhash.as_str());
        let text = format!("{}\n{}x{}\n{thumbhash}", self.id, self.width, self.height);
        for byte in text.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{:012x}", hash >> 16)
    }

    /// The image's shape.
    pub fn orientation(&self) -> Orientation {
        Orientation::of(self.width, self.height)
    }

    /// Whether the image has `tag`, stored or computed.
    pub fn has_tag(&self, tag: &Tag) -> bool {
        self.computed_tags().any(|t| t == tag.as_str()) || self.tags.contains(tag)
    }

    /// Stored and computed tags, sorted, without duplicates.
    pub fn all_tags(&self) -> Vec<&str> {
        let mut tags: Vec<&str> = self.tags.iter().map(Tag::as_str).collect();
        for computed in self.computed_tags() {
            tags.push(computed);
        }
        tags.sort_unstable();
        tags.dedup();
        tags
    }

    /// The tags computed from the photo: its orientation and its colour's family.
    pub fn computed_tags(&self) -> impl Iterator<Item = &'static str> + use<> {
        let family = self.placeholder.as_ref().and_then(Placeholder::family);
        std::iter::once(self.orientation().name()).chain(family)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 300×400 photo with `id`, no tags and no placeholder.
    pub(crate) fn image(id: &str) -> Image {
        Image {
            id: id.into(),
            author: "John Doe".into(),
            width: 300,
            height: 400,
            url: "https://picsum.photos".into(),
            tags: Vec::new(),
            placeholder: None,
        }
    }
}
