//! Errors of the imaging crate.

/// Why a render failed. [`ImagingError::is_client_error`] separates bad sources (the
/// service answers 4xx) from libvips faults (5xx).
#[derive(Debug, thiserror::Error)]
pub enum ImagingError {
    /// The bytes are not an image in an allowed format.
    #[error("source is not an image in a supported format")]
    UnsupportedInput,
    /// The header announces more pixels than allowed: a decompression bomb or a mistake.
    #[error("source is {width}x{height} ({pages} pages), above the {max_pixels}-pixel limit")]
    SourceTooLarge {
        /// Width in the header.
        width: u32,
        /// Height of one page in the header.
        height: u32,
        /// Pages (frames).
        pages: u32,
        /// The limit.
        max_pixels: u64,
    },
    /// Decoding failed: truncated or corrupt data.
    #[error("source image is truncated or corrupt: {0}")]
    Corrupt(String),
    /// The source has several frames (animated GIF or WebP) and the request asks for
    /// something that cannot be done frame by frame (only resize, fit, fill and grey into
    /// GIF or WebP can), or it has more than 1000 frames.
    #[error(
        "animated images (up to 1000 frames; this one has {pages}) can only be resized, fitted or filled into GIF or WebP"
    )]
    Animated {
        /// Frames in the header.
        pages: u32,
    },
    /// A step would produce an image above the output limits.
    #[error("the requested output ({width}x{height}) is too large")]
    OutputTooLarge {
        /// Width asked for.
        width: u32,
        /// Height asked for.
        height: u32,
    },
    /// The render needs more pixels (decoded sources and overlays, and every step's image,
    /// summed) than its budget allows.
    #[error("the request needs more than {max} pixels of work ({pixels} so far)")]
    OverBudget {
        /// Pixels counted when the budget ran out.
        pixels: u64,
        /// The budget.
        max: u64,
    },
    /// The renders in flight already hold the process's pixel budget: try again shortly.
    #[error("too many large renders in flight, retry shortly")]
    Busy,
    /// libvips failed for another reason.
    #[error("libvips {op} failed: {detail}")]
    Vips {
        /// The operation.
        op: &'static str,
        /// libvips' message (best effort: its error buffer is process-global).
        detail: String,
    },
    /// An overlay image the pipeline draws was not handed over by the caller.
    #[error("overlay image {0} was not loaded")]
    MissingLayer(String),
    /// A font file of a text overlay cannot be used.
    #[error("font: {0}")]
    Font(String),
    /// libvips could not be initialised.
    #[error("libvips initialisation failed: {0}")]
    Init(String),
}

impl ImagingError {
    /// Whether the source, not the server, is at fault.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            Self::UnsupportedInput
                | Self::SourceTooLarge { .. }
                | Self::Corrupt(_)
                | Self::Animated { .. }
                | Self::OutputTooLarge { .. }
                | Self::OverBudget { .. }
        )
    }
}
