//! The image service's errors and their one mapping to HTTP answers. Dialects and the guard
//! have their own error enums; each converts into [`ServiceError::Refused`] with its status
//! and message, so this is the only place an error becomes a response.

use axum::response::Response;
use http::StatusCode;
use http::header::{HeaderValue, RETRY_AFTER};
use picsum_imaging::ImagingError;
use picsum_storage::StorageError;
use picsum_web::response::error_response;

use crate::memory::OverBudget;
use crate::pool::PoolError;
use crate::remote::RemoteError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No route matched.
    #[error("page not found")]
    PageNotFound,
    /// No source photo for the id.
    #[error("Image does not exist")]
    ImageNotFound,
    /// The source photo cannot be decoded safely (too large, truncated, unsupported).
    #[error("Image cannot be processed")]
    Unprocessable(#[source] ImagingError),
    /// Every worker busy and the queue full.
    #[error("Service overloaded, retry shortly")]
    Overloaded,
    /// This client used up its share (of render CPU, of the render queue, of the bytes
    /// held for it or written for it): 429, with the wait.
    #[error("Too many requests: this client's share of {what} is used up, retry later")]
    OverShare {
        /// What ran out.
        what: &'static str,
        /// When the client may try again.
        retry_after: std::time::Duration,
    },
    /// Storage could not be read.
    #[error("Storage unavailable, retry shortly")]
    StorageUnavailable(#[source] StorageError),
    /// An upload or delete refused.
    #[error(transparent)]
    Upload(#[from] UploadError),
    /// A remote source (`url=`) refused or failed.
    #[error(transparent)]
    Remote(RemoteError),
    /// Refused by a dialect's parser or by the guard, with its status and message.
    #[error("{message}")]
    Refused {
        /// The status to answer with.
        status: StatusCode,
        /// The message of the body.
        message: String,
    },
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
        if matches!(e, ImagingError::Busy) {
            return Self::Overloaded;
        }
        if matches!(
            e,
            ImagingError::OutputTooLarge { .. } | ImagingError::OverBudget { .. }
        ) {
            Self::OutputTooLarge(e)
        } else if e.is_client_error() {
            Self::Unprocessable(e)
        } else {
            Self::Internal(e.to_string())
        }
    }
}

impl From<OverBudget> for ServiceError {
    fn from(e: OverBudget) -> Self {
        if e.share {
            Self::OverShare {
                what: "bytes in flight",
                retry_after: crate::memory::SHARE_RETRY_AFTER,
            }
        } else {
            Self::Overloaded
        }
    }
}

impl From<PoolError> for ServiceError {
    fn from(e: PoolError) -> Self {
        match e {
            PoolError::Overloaded => Self::Overloaded,
            PoolError::OverShare(retry_after) => Self::OverShare {
                what: "rendering",
                retry_after,
            },
            PoolError::Failed => Self::Internal(e.to_string()),
        }
    }
}

impl ServiceError {
    /// A refusal with `status` and the error's own message (dialects' and the guard's
    /// errors convert through this).
    pub fn refused(status: StatusCode, error: &impl std::fmt::Display) -> Self {
        Self::Refused {
            status,
            message: error.to_string(),
        }
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::PageNotFound | Self::ImageNotFound => StatusCode::NOT_FOUND,
            Self::OutputTooLarge(_) => StatusCode::BAD_REQUEST,
            Self::Refused { status, .. } => *status,
            Self::Upload(e) => e.status(),
            Self::Remote(e) => {
                use RemoteError as R;
                match e {
                    // Not public and unresolvable alike: one answer for both.
                    R::Disabled | R::HostNotAllowed(_) | R::NotPublic(_) | R::Unresolvable(_) => {
                        StatusCode::FORBIDDEN
                    }
                    R::InvalidUrl(_) | R::TooManyRedirects => StatusCode::BAD_REQUEST,
                    R::NotFound => StatusCode::NOT_FOUND,
                    R::TooLarge(_) | R::NotAnImage => StatusCode::UNPROCESSABLE_ENTITY,
                    R::Upstream(_) => StatusCode::BAD_GATEWAY,
                    R::Timeout => StatusCode::GATEWAY_TIMEOUT,
                    R::Busy => StatusCode::SERVICE_UNAVAILABLE,
                }
            }
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Overloaded | Self::StorageUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::OverShare { .. } => StatusCode::TOO_MANY_REQUESTS,
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
            // The host and the origin's or HTTP client's detail go to the log only.
            Self::Remote(RemoteError::Upstream(detail)) => {
                tracing::warn!(error = %detail, "remote source failed");
            }
            Self::Remote(RemoteError::NotPublic(host) | RemoteError::Unresolvable(host)) => {
                tracing::info!(host = %host, error = ?self, "remote source refused");
            }
            _ => {}
        }
        let mut res = error_response(status, &self.to_string(), json);
        if let Self::OverShare { retry_after, .. } = &self {
            metrics::counter!("picsum_share_refusals_total").increment(1);
            let seconds = retry_after.as_secs().max(1);
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

/// Why an upload or a delete is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// Uploads or deletes are switched off.
    #[error("{0} are disabled on this server")]
    Disabled(&'static str),
    /// No image field.
    #[error("missing image field")]
    MissingField,
    /// Not a multipart form, or a broken one.
    #[error("invalid multipart form: {0}")]
    BadForm(String),
    /// Over the byte limit.
    #[error("image is larger than {0} bytes")]
    TooLarge(u64),
    /// Not JPEG, PNG, GIF or WebP.
    #[error("not a supported image (JPEG, PNG, GIF or WebP)")]
    NotAnImage,
    /// A file name that cannot be a storage key.
    #[error("invalid file name {0:?}")]
    BadName(String),
    /// The name is taken.
    #[error("{0} already exists")]
    Exists(String),
    /// `DELETE /` or a bad path.
    #[error("invalid path {0:?}")]
    BadPath(String),
    /// The form did not arrive within the upload time limit.
    #[error("upload too slow")]
    TooSlow,
}

impl UploadError {
    /// The status it answers with.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        match self {
            Self::Disabled(_) => StatusCode::FORBIDDEN,
            Self::MissingField | Self::BadForm(_) | Self::BadName(_) | Self::BadPath(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooSlow => StatusCode::REQUEST_TIMEOUT,
            Self::NotAnImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Exists(_) => StatusCode::CONFLICT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answer(e: ServiceError) -> (StatusCode, String) {
        use http_body_util::BodyExt as _;
        let res = e.into_response(false);
        let status = res.status();
        let body = res.into_body().collect().await.map(|b| b.to_bytes());
        (
            status,
            String::from_utf8_lossy(&body.unwrap_or_default()).into_owned(),
        )
    }

    #[tokio::test]
    async fn not_public_and_unresolvable_answer_alike() {
        let not_public = answer(ServiceError::Remote(RemoteError::NotPublic(
            "10.0.0.1".into(),
        )));
        let unresolvable = answer(ServiceError::Remote(RemoteError::Unresolvable(
            "db.internal".into(),
        )));
        let (not_public, unresolvable) = (not_public.await, unresolvable.await);
        assert_eq!(not_public, unresolvable);
        assert_eq!(
            not_public,
            (
                StatusCode::FORBIDDEN,
                format!("{}\n", crate::remote::NOT_ALLOWED)
            )
        );
    }

    #[tokio::test]
    async fn upstream_failures_never_echo_their_detail() {
        let detail = "error sending request for url (http://10.0.0.1/): \
                      client error (Connect): tcp connect error: Connection refused";
        let (status, body) =
            answer(ServiceError::Remote(RemoteError::Upstream(detail.into()))).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::BAD_GATEWAY, "Source could not be fetched\n")
        );
    }
}
