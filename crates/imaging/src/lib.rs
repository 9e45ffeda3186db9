//! Image rendering on libvips. Synchronous on purpose: no tokio, no HTTP. Callers run it on
//! their own bounded worker threads.
//!
//! * [`init`] sets libvips up once per process (cache off, one thread per operation,
//!   untrusted loaders blocked, only JPEG/PNG/WebP/GIF loaders allowed).
//! * [`probe`] reads a source's header without decoding it; [`jpeg_dimensions`] reads a
//!   JPEG's size without libvips, for the async side.
//! * [`picsum`]: Picsum's render ([`render_picsum`], in the [`Flavour`] of the build: Lorem
//!   Picsum's byte-exact one or the default fast one) and pre-sized variants;
//!   [`ladder`]: pre-sized copies of originals that have none.
//! * [`model`]: the transformation model every URL dialect parses into, a [`model::Pipeline`]
//!   of [`model::Op`]s; `ops/` holds one file per operation, listed once in `pipeline.rs`.
//!   [`process`] runs a pipeline ([`process_layered`] with the overlay images the caller
//!   loaded): the executor for still images, `animation` for animated GIF and WebP.
//!
//! Renders run inside [`cancellable`] stop when their caller gives up. All FFI lives in
//! `vips`.

mod animation;
mod bmp;
mod bounds;
mod cancel;
mod clock;
pub mod cost;
mod cover;
mod draw;
mod encode;
mod error;
mod execute;
pub mod fonts;
mod jpeg;
pub mod ladder;
pub mod model;
pub mod ops;
pub mod orc;
pub mod picsum;
mod pipeline;
mod process;
pub mod shape;
mod source;
mod trim;
mod vips;

pub use bounds::{MAX_SIDE, Reservation, reserve};
pub use cancel::cancellable;
pub use clock::{process_cpu_time, thread_cpu_time};
pub use error::ImagingError;
pub use jpeg::jpeg_dimensions;
pub use picsum::{Flavour, PicsumTask, fit_within, render_picsum, render_picsum_as};
pub use process::{Rendered, process, process_layered};
pub use source::{Limits, Probe, probe};
pub use trim::trim_memory;
pub use vips::{Held, held, init, release_thread_state, version};

/// The libvips this build links, as `build.rs` chose it: `8.17.3` (the default, sharp's
/// prebuilt object with mozjpeg) or `system` (the compatibility build on Debian's 8.14).
pub const LIBVIPS_BUILD: &str = env!("PICSUM_LIBVIPS_BUILD");
