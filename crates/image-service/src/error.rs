//! The image service's errors and their one mapping to HTTP answers.

use axum::response::Response;
use http::StatusCode;
use http::header::{HeaderValue, RETRY_AFTER};
use picsum_common::http::error_response;
use picsum_common::params::ParamError;
use picsum_imaging::ImagingError;
use picsum_storage::StorageError;

use crate::picfit::PicfitError;
use crate::pool::PoolError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No route matched.
    #[error("page not found")]
    PageNotFound,
    /// Missing or wrong `hmac`.
    #[error("Invalid parameters")]
    BadSignature,
    /// Signed but malformed parameters.
    #[error(transparent)]
    Params(#[from] ParamError),
    /// No source photo for the id.
    #[error("Image does not exist")]
    ImageNotFound,
    /// The source photo cannot be decoded safely (too large, truncated, unsupported).
    #[error("Image cannot be processed")]
    Unprocessable(#[source] ImagingError),
    /// Every worker busy and the queue full.
    #[error("Service overloaded, retry shortly")]
    Overloaded,
    /// Storage could not be read.
    #[error("Storage unavailable, retry shortly")]
    StorageUnavailable(#[source] StorageError),
    /// A transformation request in picfit's dialect that cannot be served.
    #[error(transparent)]
    Picfit(#[from] crate::picfit::PicfitError),
    /// A transformation request in pixlserv's dialect that cannot be served.
    #[error(transparent)]
    Pixlserv(#[from] crate::pixlserv::PixlservError),
    /// pixlserv's missing original.
    #[error("Image not found: {0}")]
    PixlservNotFound(String),
    /// The API key store (Redis) cannot be reached.
    #[error("Key store unavailable, retry shortly")]
    KeyStoreUnavailable(String),
    /// An API key in the URL that no key store knows.
    #[error("API key invalid or missing")]
    ApiKeyInvalid,
    /// An upload or delete refused.
    #[error(transparent)]
    Upload(#[from] crate::upload::UploadError),
    /// A remote source (`url=`) refused or failed.
    #[error(transparent)]
    Remote(crate::remote::RemoteError),
    /// `/redirect` without `IMAGE_DERIVED_BASE_URL`.
    #[error("redirect needs IMAGE_DERIVED_BASE_URL to be configured")]
    NoDerivedBaseUrl,
    /// The requested output exceeds the limits.
    #[error("{0}")]
    OutputTooLarge(#[source] ImagingError),
    /// A fault of ours.
    #[error("Something went wrong")]
    Internal(String),
}

impl From<StorageError> for ServiceError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound(_) | StorageError::InvalidKey(_) => Self::ImageNotFound,
            StorageError::TooLarge { .. } => Self::Unprocessable(ImagingError::SourceTooLarge {
                width: 0,
                height: 0,
                pages: 0,
                max_pixels: 0,
            }),
            StorageError::Unavailable(_) | StorageError::Config(_) => Self::StorageUnavailable(e),
        }
    }
}

impl From<ImagingError> for ServiceError {
    fn from(e: ImagingError) -> Self {
        if matches!(e, ImagingError::OutputTooLarge { .. }) {
            Self::OutputTooLarge(e)
        } else if e.is_client_error() {
            Self::Unprocessable(e)
        } else {
            Self::Internal(e.to_string())
        }
    }
}

impl From<PoolError> for ServiceError {
    fn from(e: PoolError) -> Self {
        match e {
            PoolError::Overloaded => Self::Overloaded,
            PoolError::Failed => Self::Internal(e.to_string()),
        }
    }
}

impl ServiceError {
    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::PageNotFound | Self::ImageNotFound => StatusCode::NOT_FOUND,
            Self::BadSignature | Self::Params(_) | Self::OutputTooLarge(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::Picfit(e) => match e {
                PicfitError::BadSignature => StatusCode::UNAUTHORIZED,
                PicfitError::SizeNotAllowed => StatusCode::FORBIDDEN,
                _ => StatusCode::BAD_REQUEST,
            },
            Self::Upload(e) => e.status(),
            Self::Remote(e) => {
                use crate::remote::RemoteError as R;
                match e {
                    R::Disabled | R::HostNotAllowed(_) | R::PrivateAddress { .. } => {
                        StatusCode::FORBIDDEN
                    }
                    R::InvalidUrl(_) | R::Unresolvable(_) | R::TooManyRedirects => {
                        StatusCode::BAD_REQUEST
                    }
                    R::NotFound => StatusCode::NOT_FOUND,
                    R::TooLarge(_) | R::NotAnImage => StatusCode::UNPROCESSABLE_ENTITY,
                    R::Upstream(_) => StatusCode::BAD_GATEWAY,
                    R::Timeout => StatusCode::GATEWAY_TIMEOUT,
                }
            }
            Self::Pixlserv(_) => StatusCode::BAD_REQUEST,
            Self::PixlservNotFound(_) => StatusCode::NOT_FOUND,
            Self::ApiKeyInvalid => StatusCode::UNAUTHORIZED,
            Self::NoDerivedBaseUrl => StatusCode::CONFLICT,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Overloaded | Self::StorageUnavailable(_) | Self::KeyStoreUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The answer: Picsum's text-or-JSON body, `Retry-After` on 503. Server faults and
    /// refused sources are logged here, once.
    pub fn into_response(self, json: bool) -> Response {
        let status = self.status();
        match &self {
            Self::Internal(detail) => tracing::error!(error = %detail, "request failed"),
            Self::StorageUnavailable(e) => tracing::error!(error = %e, "storage unavailable"),
            Self::Unprocessable(e) => tracing::warn!(error = %e, "source refused"),
            _ => {}
        }
        let mut res = error_response(status, &self.to_string(), json);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}
