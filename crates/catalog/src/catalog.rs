//! [`Catalog`]: the immutable in-memory snapshot of every image, in file order (random and
//! seeded picks index into it) and numeric order (listing), with its id and tag indexes.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::CatalogError;
use crate::image::Image;
use crate::manifest::{CatalogSource, read_manifest};
use crate::seed;

/// An immutable snapshot of every image. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub(crate) inner: Arc<Snapshot>,
}

#[derive(Debug)]
pub(crate) struct Snapshot {
    pub(crate) images: Vec<Image>,
    pub(crate) numeric: Vec<usize>,
    pub(crate) by_id: HashMap<String, usize>,
    /// Indexes (file order) of the images with each tag, stored or computed.
    pub(crate) by_tag: HashMap<String, Vec<usize>>,
    /// [`seed::murmur3_h1`] of each id, for rendezvous picks.
    pub(crate) id_hash: Vec<u64>,
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

/// An id as Go's `strconv.Atoi` reads it, `None` when it is not an integer.
pub fn numeric_id(id: &str) -> Option<i64> {
    id.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::tests::image;

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
