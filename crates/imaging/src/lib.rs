//! Image rendering on libvips. Synchronous on purpose: no tokio, no HTTP. Callers run it on
//! their own bounded worker threads.
//!
//! * [`init`] sets libvips up once per process (cache off, one thread per operation,
//!   untrusted loaders blocked, only JPEG/PNG/WebP/GIF loaders allowed).
//! * [`probe`] reads a source's header without decoding it; [`jpeg_dimensions`] reads a
//!   JPEG's size without libvips, for the async side.
//! * [`render`] refuses sources over the pixel limit or truncated, then runs Lorem Picsum's
//!   pipeline: thumbnail with centre crop, gaussian blur, B_W, metadata reset with the
//!   `Picsum ID` comment, progressive optimised JPEG or default WebP. On libvips 8.14.1 the
//!   bytes equal Picsum's own fixtures.
//!
//! * [`process`] runs a [`transform::Pipeline`], the one model every URL dialect of the
//!   general transformation API parses into; [`process_layered`] also draws overlays
//!   (watermarks, text, picfit's `flat`) from images the caller loaded. Animated GIF and
//!   WebP sources are resized, fitted or filled frame by frame into animated GIF or WebP.
//!
//! All FFI lives in [`vips`].

mod animation;
mod bmp;
mod compose;
mod error;
mod execute;
pub mod fonts;
mod jpeg;
pub mod overlay;
mod pipeline;
pub mod transform;
mod vips;

pub use error::ImagingError;
pub use execute::{MAX_SIDE, Rendered, process, process_layered};
pub use jpeg::jpeg_dimensions;
pub use pipeline::{Limits, Probe, RenderTask, fit_within, probe, render};
pub use vips::{init, release_thread_state, trim_memory, version};
