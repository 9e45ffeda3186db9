//! Why a Picsum image request is refused; each error becomes a 400 through the core's one
//! mapping to HTTP, with Picsum's own messages.

use http::StatusCode;
use picsum_image_core::ServiceError;
use picsum_url::params::ParamError;

/// A refused Picsum request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PicsumError {
    /// Missing or wrong `hmac`.
    #[error("Invalid parameters")]
    BadSignature,
    /// Signed but malformed parameters.
    #[error(transparent)]
    Params(#[from] ParamError),
}

impl From<PicsumError> for ServiceError {
    fn from(e: PicsumError) -> Self {
        Self::refused(StatusCode::BAD_REQUEST, &e)
    }
}
