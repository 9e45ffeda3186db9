//! One file per operation: its parameters, canonical text, the scaling it plans and the
//! rest of its work ([`step::Step`]). A new operation is one file here plus one line in
//! the list in [`crate::pipeline`].

pub mod blur;
pub mod crop;
pub mod fill;
pub mod fit;
pub mod flat;
pub mod flip;
pub mod grayscale;
pub mod pad;
pub mod resize;
pub mod rotate;
pub(crate) mod step;
pub mod text;
pub mod watermark;

pub use blur::Blur;
pub use crop::Crop;
pub use fill::Fill;
pub use fit::Fit;
pub use flat::{Flat, Placement};
pub use flip::{Axis, Flip};
pub use grayscale::Grayscale;
pub use pad::Pad;
pub use resize::Resize;
pub use rotate::{Rotate, Turn};
pub use text::{MAX_TEXT_SIZE, Text};
pub use watermark::Watermark;
