//! What writes the configuration allows: uploads and deletes on or off, the largest
//! upload and how long its form may take to arrive, and the request body limit that
//! follows from them.

/// Upload and delete settings, from configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct UploadSettings {
    /// `POST /upload` accepted.
    pub enabled: bool,
    /// `DELETE /{path}` accepted.
    pub deletes: bool,
    /// Largest upload, in bytes.
    pub max_bytes: u64,
    /// How long a client may take to send its upload form; slower bodies are cut (408).
    pub time_limit: std::time::Duration,
}

impl UploadSettings {
    /// The request body limit: twice the upload limit plus room for the form's own
    /// headers. An upload over the limit is refused as its image field passes the limit,
    /// and the rest of the body is read and thrown away up to this bound so that the
    /// client reads the 413.
    #[must_use]
    pub fn body_limit(&self) -> usize {
        usize::try_from(self.max_bytes)
            .unwrap_or(usize::MAX)
            .saturating_mul(2)
            .saturating_add(64 << 10)
    }
}
