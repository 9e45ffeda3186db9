//! Why a pixlserv request or upload is refused: 400 with pixlserv's messages, or its 404.

use http::StatusCode;
use picsum_image_core::ServiceError;

/// Why a pixlserv request is refused (400 with pixlserv's message, or 404).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PixlservError {
    /// A bad parameter; the message is pixlserv's.
    #[error("{0}")]
    Invalid(String),
    /// `t_NAME` that no preset defines.
    #[error("Unknown transformation: {0}")]
    UnknownTransformation(String),
    /// The original is not in the storage (pixlserv's 404 message).
    #[error("Image not found: {0}")]
    NotFound(String),
    /// A signed upload's timestamp is not a number, too old, or in the future.
    #[error("invalid timestamp")]
    InvalidTimestamp,
    /// A signed upload's signature does not match.
    #[error("invalid signature")]
    InvalidSignature,
}

impl From<PixlservError> for ServiceError {
    fn from(e: PixlservError) -> Self {
        let status = match e {
            PixlservError::NotFound(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        };
        Self::refused(status, &e)
    }
}
