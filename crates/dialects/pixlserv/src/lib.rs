//! pixlserv's dialect of the image service: `/[{KEY}/]image/{params}/{path}[@{N}x].{ext}`
//! with its parameters, API keys (checked by the guard), named transformations with
//! watermark and text overlays, and eager presets rendered after every upload.
//!
//! Shape shared by every dialect: [`parse`] (URL to the model), [`serve`] (a parsed
//! request answered through the core), [`error`] (its refusals), settings ([`settings`]:
//! flattened into the service's configuration, with the dialect's start-up policy; built
//! into [`Pixlserv`] with its [`presets`]), tests beside the code. [`upload`] is its upload form and reply;
//! [`eager`] the upload hook it registers.

pub mod dialect;
pub mod eager;
pub mod error;
mod params;
pub mod parse;
pub mod presets;
pub mod serve;
pub mod settings;
pub mod upload;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

pub use error::PixlservError;
pub use parse::Route;

/// The dialect, built from its [`settings::Settings`].
#[derive(Debug, Clone, Default)]
pub struct Pixlserv {
    /// Named transformations (`t_NAME`).
    pub presets: HashMap<String, presets::Preset>,
}
