//! Why the catalog refuses: a manifest it cannot load ([`CatalogError`]) or a filter, tag
//! or field it cannot parse ([`FilterError`]).

use std::path::PathBuf;

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
