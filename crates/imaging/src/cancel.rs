//! Renders that stop when nobody waits for them any more: the caller runs a render inside
//! [`cancellable`] with a flag it raises when its client leaves or its deadline passes, and
//! every image about to be computed in full (before the encoder, before a copy to memory)
//! is [`watch`]ed, so libvips stops computing within one batch of tiles and the worker is
//! free again.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use rs_vips::VipsImage;

thread_local! {
    /// The cancel flag of the render running on this thread, if its caller gave one.
    static FLAG: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Runs `f` (a render) on this thread with `flag` as its cancel flag.
pub fn cancellable<T>(flag: Arc<AtomicBool>, f: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            FLAG.set(None);
        }
    }
    FLAG.set(Some(flag));
    let _reset = Reset;
    f()
}

/// Whether the render on this thread was given up by its caller.
pub(crate) fn cancelled() -> bool {
    FLAG.with_borrow(|f| {
        f.as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed))
    })
}

/// Makes `image`, and everything computed from it, stop once the current render's flag is
/// raised (nothing without a flag).
pub(crate) fn watch(image: &VipsImage) {
    if let Some(flag) = FLAG.with_borrow(Clone::clone) {
        crate::vips::kill_when(image, flag);
    }
}
