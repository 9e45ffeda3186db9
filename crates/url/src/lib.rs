//! The URL grammar the picsum services share, with no web stack and no I/O:
//!
//! * [`query`]: Go `net/url` compatible query parsing and the canonical query encoding that
//!   the HMAC signature covers.
//! * [`format`]: the one image format enum (names, extensions, MIME types, magic numbers).
//! * [`params`]: the image request grammar (size, extension, `grayscale`, `blur`) parsed once
//!   into domain types, with Lorem Picsum's exact error precedence.
//!
//! Pure on purpose: the imaging and signing crates depend on it, and a test of the workspace
//! checks that it never pulls in axum, hyper or tokio.

pub mod format;
pub mod params;
pub mod query;
