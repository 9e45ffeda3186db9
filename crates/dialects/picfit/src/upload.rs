//! picfit's upload: a multipart form with the image in field `data`, stored under the
//! base name of the client's file name, answered with `{"filename", "path", "url"}`;
//! refusals are the service's error body.

use std::sync::Arc;

use axum::response::Response;
use http::StatusCode;
use picsum_image_core::error::UploadError;
use picsum_image_core::respond::json;
use picsum_image_core::upload::{self, FormSpec, Received, UPLOAD_PREFIX};
use picsum_image_core::{Core, ServiceError};

/// The field picfit's form carries the image in.
pub const IMAGE_FIELD: &str = "data";

/// The form picfit's upload reads.
pub const FORM: FormSpec<'static> = FormSpec {
    images: &[IMAGE_FIELD],
    short: &[],
};

/// Stores a received form and answers in picfit's shape.
pub async fn handle(core: &Arc<Core>, received: Received) -> Response {
    match store(core, received).await {
        Ok(key) => json(
            StatusCode::OK,
            &serde_json::json!({
                "filename": key.strip_prefix(UPLOAD_PREFIX).unwrap_or(&key),
                "path": key,
                "url": "",
            }),
        ),
        Err(e) => refused(e),
    }
}

/// A refusal in picfit's shape: the service's error body.
#[must_use]
pub fn refused(e: ServiceError) -> Response {
    e.into_response(false)
}

async fn store(core: &Arc<Core>, received: Received) -> Result<String, ServiceError> {
    let name = base_name(received.file_name.as_deref().unwrap_or_default())?;
    upload::store(core, &name, received).await
}

/// The last segment of the client's file name (a path from some browsers).
fn base_name(file_name: &str) -> Result<String, ServiceError> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    if base.is_empty() {
        return Err(UploadError::BadName(file_name.to_owned()).into());
    }
    Ok(base.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_name_of_the_clients_file_name_is_kept() {
        assert_eq!(base_name("photo.jpg").unwrap(), "photo.jpg");
        assert_eq!(base_name("C:\\Users\\me\\photo.jpg").unwrap(), "photo.jpg");
        assert_eq!(base_name("../../etc/x.png").unwrap(), "x.png");
        assert!(base_name("").is_err());
        assert!(base_name("dir/").is_err());
    }
}
