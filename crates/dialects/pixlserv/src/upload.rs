//! pixlserv's upload: a multipart form with the image in field `image` (and, for a key
//! with a secret, `timestamp` and `signature`), checked in pixlserv's order (the key was
//! admitted before, then the image field, then the signature), stored as
//! `{unix}-{0..999}.{jpg|png|…}`, answered with `{"status", "errorMessage", "imagePath"}`,
//! refusals included.

use std::sync::Arc;

use axum::response::Response;
use bytes::Bytes;
use picsum_image_core::respond::json;
use picsum_image_core::upload::{self, FormSpec, Received};
use picsum_image_core::{Core, ServiceError};
use picsum_imaging::model::Format;
use picsum_signing::dialects::PixlservRefusal;

use crate::PixlservError;

/// The field pixlserv's form carries the image in.
pub const IMAGE_FIELD: &str = "image";

/// The form pixlserv's upload reads.
pub const FORM: FormSpec<'static> = FormSpec {
    images: &[IMAGE_FIELD],
    short: &[("timestamp", 64), ("signature", 256)],
};

/// Checks the signature when the uploader's key has a `secret`, stores the image under a
/// new name and answers in pixlserv's shape.
pub async fn handle(core: &Arc<Core>, secret: Option<&str>, received: Received) -> Response {
    match store(core, secret, received).await {
        Ok(key) => json(
            http::StatusCode::OK,
            &serde_json::json!({ "status": "ok", "errorMessage": "", "imagePath": key }),
        ),
        Err(e) => refused(e),
    }
}

/// A refusal in pixlserv's shape.
#[must_use]
pub fn refused(e: ServiceError) -> Response {
    json(
        e.status(),
        &serde_json::json!({ "status": "error", "errorMessage": e.to_string(), "imagePath": "" }),
    )
}

async fn store(
    core: &Arc<Core>,
    secret: Option<&str>,
    received: Received,
) -> Result<String, ServiceError> {
    if let Some(secret) = secret {
        let field = |name| received.short.get(name).cloned();
        check_signature(secret, field("timestamp"), field("signature"))?;
    }
    let format = upload::image_format(&received.bytes)?;
    upload::store(core, &name(format, unix_now()), received).await
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// pixlserv's name of a new upload: `{unix}-{0..999}.{ext}`.
fn name(format: Format, unix: u64) -> String {
    format!("{unix}-{}.{}", fastrand::u16(0..1000), format.extension())
}

/// pixlserv's upload signature over the timestamp, with the key's secret.
fn check_signature(
    secret: &str,
    timestamp: Option<Bytes>,
    signature: Option<Bytes>,
) -> Result<(), ServiceError> {
    let text =
        |b: Option<Bytes>| String::from_utf8(b.unwrap_or_default().to_vec()).unwrap_or_default();
    let timestamp: i64 = text(timestamp)
        .trim()
        .parse()
        .map_err(|_| PixlservError::InvalidTimestamp)?;
    let now = i64::try_from(unix_now()).unwrap_or(i64::MAX);
    picsum_signing::dialects::pixlserv_verify(
        secret.as_bytes(),
        timestamp,
        text(signature).trim(),
        now,
    )
    .map_err(|refusal| {
        match refusal {
            PixlservRefusal::InvalidTimestamp => PixlservError::InvalidTimestamp,
            PixlservRefusal::InvalidSignature => PixlservError::InvalidSignature,
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unix_time_a_number_and_the_formats_extension() {
        let n = name(Format::Png, 1_796_662_800);
        let (stem, ext) = n.split_once('.').unwrap();
        assert_eq!(ext, "png");
        let (unix, random) = stem.split_once('-').unwrap();
        assert_eq!(unix, "1796662800");
        assert!(random.parse::<u16>().unwrap() < 1000);
        assert!(name(Format::Jpeg, 1).ends_with(".jpg"));
    }

    #[test]
    fn a_bad_timestamp_or_signature_is_refused() {
        let err = check_signature("s", Some(Bytes::from("soon")), None).unwrap_err();
        assert_eq!(err.to_string(), "invalid timestamp");
        let now = unix_now().to_string();
        let err = check_signature("s", Some(Bytes::from(now)), Some(Bytes::from("x")));
        assert_eq!(err.unwrap_err().to_string(), "invalid signature");
    }
}
