//! Why a picfit request is refused, and with which status.

use http::StatusCode;
use picsum_image_core::ServiceError;

/// Why a picfit request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PicfitError {
    /// Neither path parameters nor `path`/`url`.
    #[error("Request should contains parameters or query string")]
    NoParameters,
    /// No `op`.
    #[error("`op` parameter or query string cannot be empty")]
    NoOperation,
    /// An unknown operation.
    #[error("Invalid method {0} or invalid parameters")]
    InvalidOperation(String),
    /// `url=` is not an http(s) URL.
    #[error("URL {0} is not valid")]
    InvalidUrl(String),
    /// A bad parameter value (picfit: 500).
    #[error("{0}")]
    InvalidParameter(String),
    /// Missing or wrong `sig`.
    #[error("Invalid signature")]
    BadSignature,
    /// A size not in `allowed_sizes`.
    #[error("Requested size not allowed")]
    SizeNotAllowed,
    /// `/redirect` without `IMAGE_DERIVED_BASE_URL`.
    #[error("redirect needs IMAGE_DERIVED_BASE_URL to be configured")]
    NoDerivedBaseUrl,
}

impl PicfitError {
    /// The status it answers with: 401 for signatures, 403 for sizes, 409 for a redirect
    /// the configuration cannot give, 400 for the rest (where picfit answers 500).
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        match self {
            Self::BadSignature => StatusCode::UNAUTHORIZED,
            Self::SizeNotAllowed => StatusCode::FORBIDDEN,
            Self::NoDerivedBaseUrl => StatusCode::CONFLICT,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<PicfitError> for ServiceError {
    fn from(e: PicfitError) -> Self {
        Self::refused(e.status(), &e)
    }
}
