//! The API's errors and their one mapping to HTTP answers.

use axum::response::Response;
use http::StatusCode;
use picsum_url::params::ParamError;
use picsum_web::response::error_response;

/// Everything an API request can fail with; messages are Picsum's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
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
}

impl ApiError {
    fn status(self) -> StatusCode {
        match self {
            Self::PageNotFound | Self::ImageNotFound => StatusCode::NOT_FOUND,
            Self::Params(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// Picsum's text-or-JSON error answer.
    pub fn into_response(self, json: bool) -> Response {
        error_response(self.status(), &self.to_string(), json)
    }
}
