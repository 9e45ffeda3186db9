//! Shared building blocks of the picsum services.
//!
//! * [`query`]: Go `net/url` compatible query parsing and the canonical query encoding that
//!   the HMAC signature covers.
//! * [`params`]: the image request grammar (size, extension, `grayscale`, `blur`) parsed once
//!   into domain types, with Lorem Picsum's exact error precedence.
//! * [`http`]: the text-or-JSON error body, cache-control values, CORS and the gorilla/mux
//!   style path cleaning both services answer with.
//! * [`server`]: shutdown signal, telemetry and the health/metrics listener.
//! * [`config`]: layered settings: defaults, config file, environment, flags.
//!
//! This crate must stay free of native libraries (no libvips): the API service links only it.

pub mod config;
pub mod http;
pub mod params;
pub mod query;
pub mod server;
