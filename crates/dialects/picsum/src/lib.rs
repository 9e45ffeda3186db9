//! Lorem Picsum's dialect of the image service: the signed `/id/{id}/{w}/{h}{ext}` route
//! the API redirects to. It verifies the HMAC, parses Picsum's parameters
//! ([`picsum_url::params`]) and renders Picsum's byte-exact pipeline through the core.
//!
//! Shape shared by every dialect: [`route`] (matching), [`serve`] (parse and answer),
//! [`error`] (its refusals), settings ([`settings`]: flattened into the service's configuration,
//! with the dialect's start-up policy; built into [`Picsum`]), tests beside the code. [`variants`]
//! names the pre-sized variants a delete of an original removes too; [`credit`] the photo
//! credits on its answers.

pub mod credit;
pub mod dialect;
pub mod error;
pub mod route;
pub mod serve;
pub mod settings;
pub mod variants;

use std::sync::Arc;

use picsum_signing::Signer;

pub use route::ImageRoute as Route;

/// The dialect, built from its [`settings::Settings`].
pub struct Picsum {
    /// Verifies URL signatures.
    pub signer: Signer,
    /// Photo credits for the answers' `Picsum-Author` and `Link` (none without a catalog).
    pub credits: Option<Arc<dyn credit::Credits>>,
}
