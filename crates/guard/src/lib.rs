//! The guard: the admission step of the image service. It decides who is asking (the
//! client address, behind trusted proxies only), what they may do (the write allowlist,
//! pixlserv-style API keys with `get` and `upload` permissions) and how often (a per-client
//! rate limit), and what a transformation will cost ([`budget`]). Dialects and the upload
//! and delete routes ask it before any work; it
//! answers with a [`GuardError`], which becomes a response through the core's one mapping.
//! [`dialect`] is what a dialect registers at start-up: its settings and their policy.
//!
//! The guard never imports a dialect; it knows requests only by the questions above.

pub mod access;
mod admit;
pub mod budget;
pub mod dialect;
mod error;
pub mod gate;
pub mod keys;
pub mod peer;
pub mod ratelimit;
mod throttle;

pub use admit::{Auth, Guard};
pub use error::GuardError;
