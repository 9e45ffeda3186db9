//! The API's errors and their one mapping to HTTP answers.

use axum::response::Response;
use http::StatusCode;
use picsum_catalog::filter::FilterError;
use picsum_url::params::ParamError;
use picsum_web::response::error_response;

/// Everything an API request can fail with; messages are Picsum's where Picsum has them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No route matched.
    #[error("page not found")]
    PageNotFound,
    /// Unknown image id (or an empty catalog).
    #[error("Image does not exist")]
    ImageNotFound,
    /// Bad size, extension or blur.
    #[error(transparent)]
    Params(#[from] ParamError),
    /// Bad `?orientation=` or `?tag=`.
    #[error(transparent)]
    Filter(#[from] FilterError),
    /// Bad `count` on `/v2/pick`.
    #[error("Invalid count: use 1 to 100")]
    Count,
    /// Bad `?seed_mode=`.
    #[error("Invalid seed_mode: use picsum or stable")]
    SeedMode,
    /// `?lqip` or `?color` for a photo whose placeholder was not computed.
    #[error("No placeholder for this image")]
    NoPlaceholder,
    /// A well-formed filter that no image matches (the filter, in words).
    #[error("No image matches {0}")]
    NoMatch(String),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::PageNotFound | Self::ImageNotFound | Self::NoMatch(_) | Self::NoPlaceholder => {
                StatusCode::NOT_FOUND
            }
            Self::Params(_) | Self::Filter(_) | Self::SeedMode | Self::Count => {
                StatusCode::BAD_REQUEST
            }
        }
    }

    /// Picsum's text-or-JSON error answer.
    pub fn into_response(self, json: bool) -> Response {
        error_response(self.status(), &self.to_string(), json)
    }
}
