//! The transformation model every URL dialect parses into, re-exported in one place: a
//! [`Pipeline`] of [`Op`]s (each defined in its own file under `ops/`, listed once there) with [`Output`]
//! settings, the one [`Format`] (defined in `picsum-url`, which Picsum's grammar shares), and the shared geometry ([`Size`], [`Gravity`],
//! [`Rounding`]). Nothing after a dialect's parser knows which dialect a request used.

pub mod geometry;

pub use crate::draw::Layers;
pub use crate::ops::*;
pub use crate::pipeline::{Output, Pipeline};
pub use geometry::{Gravity, Rounding, Size, rgba_from_hex};
pub use picsum_url::format::Format;
