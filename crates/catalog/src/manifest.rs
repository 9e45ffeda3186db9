//! Where a catalog comes from: [`CatalogSource`], and [`read_manifest`] for Picsum's JSON
//! manifest.

use std::path::PathBuf;

use crate::error::CatalogError;
use crate::image::Image;

/// Where the catalog comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogSource {
    /// A Picsum JSON manifest: an array of `{id, author, width, height, url}`.
    Manifest(PathBuf),
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
