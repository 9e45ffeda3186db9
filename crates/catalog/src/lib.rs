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
//!
//! Files: `catalog.rs` holds [`Catalog`], `image.rs` [`Image`] and its [`Placeholder`],
//! `manifest.rs` [`CatalogSource`] and [`read_manifest`], `tag.rs` [`Tag`] and
//! [`filter::Orientation`], `error.rs` [`CatalogError`] and [`filter::FilterError`]; this
//! file only re-exports them.

mod catalog;
mod error;
pub mod filter;
mod image;
pub mod info;
pub mod json;
pub mod list;
mod manifest;
pub mod meta;
mod rng_cooked;
pub mod seed;
pub mod select;
mod tag;

pub use catalog::{Catalog, numeric_id};
pub use error::CatalogError;
pub use image::{Image, Placeholder};
pub use manifest::{CatalogSource, read_manifest};
pub use tag::Tag;
