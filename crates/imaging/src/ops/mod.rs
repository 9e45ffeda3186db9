//! One file per operation: its parameters, canonical text, the scaling it plans and the
//! rest of its work ([`step::Step`]). The list below is the only place operations are
//! named: a new operation is one file here plus one line in it.

use std::fmt;

use step::Step;

pub(crate) mod step;

pub use flat::Placement;
pub use flip::Axis;
pub use rotate::Turn;
pub use text::MAX_TEXT_SIZE;

/// Declares each operation's module, re-exports its type, and declares [`Op`] with one
/// variant per operation, dispatching [`Step`] to them.
macro_rules! operations {
    ($($(#[$doc:meta])* $module:ident::$name:ident),* $(,)?) => {
        $(pub mod $module;
        pub use $module::$name;)*

        /// One step of a pipeline.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Op {
            $($(#[$doc])* $name($name),)*
        }

        impl Op {
            /// The operation, as the executor sees it.
            pub(crate) fn step(&self) -> &dyn Step {
                match self {
                    $(Self::$name(op) => op,)*
                }
            }
        }

        $(impl From<$name> for Op {
            fn from(op: $name) -> Self {
                Self::$name(op)
            }
        })*
    };
}

operations! {
    /// Scale to the box.
    resize::Resize,
    /// Cover the box, then crop to it.
    fill::Fill,
    /// Fit inside the box.
    fit::Fit,
    /// Fit, then extend to the box.
    pad::Pad,
    /// Cut the box without scaling.
    crop::Crop,
    /// Quarter turns.
    rotate::Rotate,
    /// Mirror.
    flip::Flip,
    /// Gaussian blur.
    blur::Blur,
    /// Single-band grey.
    grayscale::Grayscale,
    /// An image drawn over the output.
    watermark::Watermark,
    /// Text drawn over the output.
    text::Text,
    /// picfit's `flat`: images drawn into a rectangle or at a corner.
    flat::Flat,
}

impl Op {
    /// The operation's name, for metrics.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.step().name()
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.step().fmt(f)
    }
}
