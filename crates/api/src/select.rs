//! Which image a request gets: the route's pick (random, id, seed) narrowed by the opt-in
//! `?orientation=`/`?tag=` filter, with seeds read in the configured mode unless the URL says
//! `?seed_mode=`. With none of these parameters every pick is Picsum's.

use picsum_catalog::filter::Filter;
use picsum_catalog::select::SeedMode;
use picsum_catalog::{Catalog, Image};
use picsum_url::query::Query;

use crate::error::ApiError;
use crate::routes::Pick;

/// A request's filter and seed mode, parsed once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Images the pick may come from.
    pub filter: Filter,
    /// How seeds pick.
    pub mode: SeedMode,
}

impl Selection {
    /// Reads `orientation`, `tag` and `seed_mode`; `default` is the configured seed mode.
    ///
    /// # Errors
    /// [`ApiError::Filter`] or [`ApiError::SeedMode`].
    pub fn parse(query: &Query, default: SeedMode) -> Result<Self, ApiError> {
        let filter = Filter::parse(query.get("orientation"), query.get("tag"))?;
        let mode = match query.get("seed_mode").filter(|m| !m.is_empty()) {
            None => default,
            Some(m) => m.parse().map_err(|_| ApiError::SeedMode)?,
        };
        Ok(Self { filter, mode })
    }

    /// The image for `pick`. An id ignores the filter (it names one image).
    ///
    /// # Errors
    /// [`ApiError::NoMatch`] when the filter leaves nothing, else
    /// [`ApiError::ImageNotFound`].
    pub fn pick<'c>(&self, catalog: &'c Catalog, pick: &Pick) -> Result<&'c Image, ApiError> {
        match pick {
            Pick::Id(id) => catalog.get(id).ok_or(ApiError::ImageNotFound),
            Pick::Random | Pick::Gray => self.found(catalog.random_in(&self.filter)),
            Pick::Seed(seed) => self.found(catalog.seeded(seed, &self.filter, self.mode)),
        }
    }

    fn found<'c>(&self, image: Option<&'c Image>) -> Result<&'c Image, ApiError> {
        match image {
            Some(image) => Ok(image),
            None if self.filter.is_empty() => Err(ApiError::ImageNotFound),
            None => Err(ApiError::NoMatch(self.filter.to_string())),
        }
    }
}
