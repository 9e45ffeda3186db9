//! [`GuardError`]: why the guard refused a request, the status it answers with, and its
//! conversion into the core's [`ServiceError`].

use http::StatusCode;
use picsum_image_core::ServiceError;

/// Why the guard refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    /// The client is not on `IMAGE_ALLOWED_IPS`.
    #[error("Endpoint restricted")]
    Restricted,
    /// An API key that no key store knows, one without the permission, or none.
    #[error("API key invalid or missing")]
    ApiKeyInvalid,
    /// The API key store (Redis) cannot be reached.
    #[error("Key store unavailable, retry shortly")]
    KeyStoreUnavailable(String),
    /// The request asks for more than its budget.
    #[error("{0}")]
    OverBudget(String),
}

impl GuardError {
    /// The status it answers with.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        match self {
            Self::Restricted | Self::ApiKeyInvalid => StatusCode::UNAUTHORIZED,
            Self::KeyStoreUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::OverBudget(_) => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<GuardError> for ServiceError {
    fn from(e: GuardError) -> Self {
        Self::refused(e.status(), &e)
    }
}
