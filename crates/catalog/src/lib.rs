//! The image catalog: which photos exist, with their author, size and source page.
//!
//! A [`Catalog`] is an immutable in-memory snapshot; every request is served from it without
//! touching the backing store. It keeps Lorem Picsum's two orders: *file order* (random and
//! seeded selection index into it, so seeds pick the same photo as picsum.photos for the same
//! catalog) and *numeric order* (listing). The backing store is chosen by [`CatalogSource`];
//! the first one is Picsum's JSON manifest, which needs no server.
//!
//! [`info`] and [`list`] hold Picsum's JSON documents, encoded by [`json::to_go_json`], and
//! [`meta`] ours (tags, colour, ThumbHash);
//! [`filter`] the `?orientation=`/`?tag=` filters and [`select`] the filtered and seeded
//! picks (Picsum's seeds, or seeds that survive catalog growth).

pub mod filter;
pub mod info;
pub mod json;
pub mod list;
pub mod meta;
mod rng_cooked;
pub mod seed;
pub mod select;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use filter::Orientation;
pub use filter::Tag;

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

/// Why a catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The manifest file could not be read.
    #[error("cannot read catalog manifest {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The manifest is not a JSON array of images.
    #[error("invalid catalog manifest {path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// Two images share an id.
    #[error("duplicate image id {0:?} in catalog")]
    DuplicateId(String),
}

/// Where the catalog comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogSource {
    /// A Picsum JSON manifest: an array of `{id, author, width, height, url}`.
    Manifest(PathBuf),
}

/// An immutable snapshot of every image. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Catalog {
    inner: Arc<Snapshot>,
}

#[derive(Debug)]
struct Snapshot {
    images: Vec<Image>,
    numeric: Vec<usize>,
    by_id: HashMap<String, usize>,
    /// Indexes (file order) of the images with each tag, stored or computed.
    by_tag: HashMap<String, Vec<usize>>,
    /// [`seed::murmur3_h1`] of each id, for rendezvous picks.
    id_hash: Vec<u64>,
}

impl Catalog {
    /// Loads a catalog.
    ///
    /// # Errors
    /// A missing or unreadable file, invalid JSON, or duplicate ids.
    pub fn load(source: &CatalogSource) -> Result<Self, CatalogError> {
        match source {
            CatalogSource::Manifest(path) => Self::from_images(read_manifest(path)?),
        }
    }

    /// A catalog over `images`, in that (file) order.
    ///
    /// # Errors
    /// [`CatalogError::DuplicateId`].
    pub fn from_images(images: Vec<Image>) -> Result<Self, CatalogError> {
        let mut by_id = HashMap::with_capacity(images.len());
        for (i, img) in images.iter().enumerate() {
            if by_id.insert(img.id.clone(), i).is_some() {
                return Err(CatalogError::DuplicateId(img.id.clone()));
            }
        }
        let mut numeric: Vec<usize> = (0..images.len()).collect();
        numeric.sort_by_key(|&i| {
            images
                .get(i)
                .map_or(0, |img| numeric_id(&img.id).unwrap_or(0))
        });
        let mut by_tag: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, img) in images.iter().enumerate() {
            for tag in img.all_tags() {
                by_tag.entry(tag.to_owned()).or_default().push(i);
            }
        }
        let id_hash = images
            .iter()
            .map(|img| seed::murmur3_h1(img.id.as_bytes()))
            .collect();
        Ok(Self {
            inner: Arc::new(Snapshot {
                images,
                numeric,
                by_id,
                by_tag,
                id_hash,
            }),
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.inner.images.len()
    }

    /// Whether the catalog has no image.
    pub fn is_empty(&self) -> bool {
        self.inner.images.is_empty()
    }

    /// The image with exactly this id (`"01"` is not `"1"`).
    pub fn get(&self, id: &str) -> Option<&Image> {
        self.inner
            .by_id
            .get(id)
            .and_then(|&i| self.inner.images.get(i))
    }

    /// A uniformly random image, `None` when empty.
    pub fn random(&self) -> Option<&Image> {
        if self.is_empty() {
            return None;
        }
        self.inner.images.get(fastrand::usize(..self.len()))
    }

    /// The image Picsum picks for `seed` (see [`seed::seed_index`]), `None` when empty.
    pub fn by_seed(&self, seed: &str) -> Option<&Image> {
        if self.is_empty() {
            return None;
        }
        self.inner.images.get(seed::seed_index(seed, self.len()))
    }

    /// Images in numeric id order (non-numeric ids sort as 0).
    pub fn numeric(&self) -> impl Iterator<Item = &Image> {
        self.inner
            .numeric
            .iter()
            .filter_map(|&i| self.inner.images.get(i))
    }

    /// Images in file order.
    pub fn images(&self) -> &[Image] {
        &self.inner.images
    }
}

/// The images of a Picsum JSON manifest, in file order.
///
/// # Errors
/// A missing or unreadable file, or invalid JSON.
pub fn read_manifest(path: &std::path::Path) -> Result<Vec<Image>, CatalogError> {
    let bytes = std::fs::read(path).map_err(|source| CatalogError::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| CatalogError::Parse {
        path: path.to_owned(),
        source,
    })
}

/// An id as Go's `strconv.Atoi` reads it, `None` when it is not an integer.
pub fn numeric_id(id: &str) -> Option<i64> {
    id.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn orders_and_lookup() {
        let c =
            Catalog::from_images(["0", "1", "10", "100", "2", "x"].map(image).to_vec()).unwrap();
        let numeric: Vec<&str> = c.numeric().map(|i| i.id.as_str()).collect();
        assert_eq!(numeric, ["0", "x", "1", "2", "10", "100"]);
        assert_eq!(c.get("10").unwrap().id, "10");
        assert!(c.get("01").is_none());
        // Seed "1" over the two-image fixture picks index 1 in *file* order.
        let two = Catalog::from_images(vec![image("1"), image("2")]).unwrap();
        assert_eq!(two.by_seed("1").unwrap().id, "2");
    }

    #[test]
    fn duplicates_and_bad_json_refused() {
        assert!(matches!(
            Catalog::from_images(vec![image("1"), image("1")]),
            Err(CatalogError::DuplicateId(_))
        ));
        let dir = std::env::temp_dir().join(format!("picsum-cat-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.json");
        std::fs::write(
            &bad,
            r#"[{"id":"1","author":"a","url":"u","width":1,"height":2},]"#,
        )
        .unwrap();
        assert!(matches!(
            Catalog::load(&CatalogSource::Manifest(bad)),
            Err(CatalogError::Parse { .. })
        ));
        assert!(matches!(
            Catalog::load(&CatalogSource::Manifest(dir.join("none.json"))),
            Err(CatalogError::Read { .. })
        ));
    }

    #[test]
    fn empty_catalog_selects_nothing() {
        let c = Catalog::from_images(vec![]).unwrap();
        assert!(c.random().is_none() && c.by_seed("x").is_none());
    }
}
