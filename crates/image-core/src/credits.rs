//! Who made an original and where it comes from, as the catalog says: what a dialect that
//! credits photos on its answers asks for (the service reads the catalog and hands it in).

/// Who made a photo and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    /// Photographer (and licence, as the catalog words it).
    pub author: String,
    /// Source page; empty when unknown.
    pub source: String,
}

/// Looks up the credit of an image id.
pub trait Credits: Send + Sync {
    /// The credit of `id`, `None` when the catalog does not know it.
    fn credit(&self, id: &str) -> Option<Credit>;
}
