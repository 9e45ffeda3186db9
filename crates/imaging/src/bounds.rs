//! Size bounds every step obeys: the largest side, the output pixel limit, and the
//! conversions between libvips' `i32` sides and ours.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use rs_vips::VipsImage;

use crate::ImagingError;
use crate::source::Limits;

/// Largest side any step may produce.
pub const MAX_SIDE: u32 = 16_384;

thread_local! {
    /// Pixels the render on this thread decoded or produced so far, its budget, and the
    /// process's. A render runs on one thread from start to end, so the count is its own.
    static WORK: Cell<(u64, u64, u64)> = const { Cell::new((0, u64::MAX, u64::MAX)) };
}

/// Pixels held by every render in flight in this process.
static IN_FLIGHT: AtomicU64 = AtomicU64::new(0);

/// The pixel budget of a render on this thread, from start to drop: what it spent is
/// handed back to the process's budget when it ends.
pub(crate) struct Budget;

/// Starts the pixel budget of a render on this thread.
pub(crate) fn begin_budget(limits: Limits) -> Budget {
    WORK.set((0, limits.max_work_pixels, limits.max_inflight_pixels));
    Budget
}

impl Drop for Budget {
    fn drop(&mut self) {
        let (used, max, process) = WORK.get();
        IN_FLIGHT.fetch_sub(used, Ordering::Relaxed);
        WORK.set((0, max, process));
    }
}

/// Counts `w × h` decoded or produced pixels against the render's budget and the
/// process's: past the first, the request asks too much (400); past the second, the
/// process is busy (503, try again).
pub(crate) fn spend(w: u32, h: u32) -> Result<(), ImagingError> {
    let (used, max, process) = WORK.get();
    let n = u64::from(w) * u64::from(h);
    let used = used.saturating_add(n);
    WORK.set((used, max, process));
    let total = IN_FLIGHT.fetch_add(n, Ordering::Relaxed).saturating_add(n);
    if used > max {
        return Err(ImagingError::OverBudget { pixels: used, max });
    }
    if total > process {
        return Err(ImagingError::Busy);
    }
    Ok(())
}

/// Memory a render is estimated to need beyond what its steps count (the encoder's and
/// decoder's working sets), held against the process's in-flight budget until dropped.
#[derive(Debug)]
#[must_use = "the memory is counted only while the reservation lives"]
pub struct Reservation(u64);

/// Bytes counted as one pixel of the in-flight budget.
const BYTES_PER_PIXEL: u64 = 4;

/// Counts `bytes` of estimated working memory against the process's in-flight budget
/// (`max_inflight_pixels`, at four bytes a pixel) until the reservation is dropped.
///
/// # Errors
/// [`ImagingError::OverBudget`] when the memory alone is more than the whole budget (the
/// request can never fit: 400); [`ImagingError::Busy`] when it does not fit beside the
/// renders in flight now (503, try again).
pub fn reserve(bytes: u64, limits: Limits) -> Result<Reservation, ImagingError> {
    let n = bytes / BYTES_PER_PIXEL;
    if n > limits.max_inflight_pixels {
        return Err(ImagingError::OverBudget {
            pixels: n,
            max: limits.max_inflight_pixels,
        });
    }
    let total = IN_FLIGHT.fetch_add(n, Ordering::Relaxed).saturating_add(n);
    let held = Reservation(n);
    if total > limits.max_inflight_pixels {
        return Err(ImagingError::Busy);
    }
    Ok(held)
}

impl Drop for Reservation {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(self.0, Ordering::Relaxed);
    }
}

/// Refuses outputs with a side over [`MAX_SIDE`] or more pixels than the output limit, and
/// counts the image against the render's budget.
pub(crate) fn check_output(w: u32, h: u32, limits: Limits) -> Result<(), ImagingError> {
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > limits.max_output_pixels {
        return Err(ImagingError::OutputTooLarge {
            width: w,
            height: h,
        });
    }
    spend(w, h)
}

/// An image's width and height.
pub(crate) fn dims(image: &VipsImage) -> (u32, u32) {
    (
        u32::try_from(image.get_width()).unwrap_or(0),
        u32::try_from(image.get_height()).unwrap_or(0),
    )
}

/// A side as libvips takes it.
pub(crate) fn side(v: u32) -> Result<i32, ImagingError> {
    i32::try_from(v).map_err(|_| ImagingError::OutputTooLarge {
        width: v,
        height: v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_count_until_dropped_and_never_fit_past_the_budget() {
        let limits = Limits {
            max_inflight_pixels: 1_000,
            ..Limits::default()
        };
        assert!(matches!(
            reserve(4_004, limits),
            Err(ImagingError::OverBudget { pixels: 1_001, .. })
        ));
        let first = reserve(3_000, limits).unwrap();
        assert!(matches!(reserve(1_200, limits), Err(ImagingError::Busy)));
        drop(first);
        let second = reserve(1_200, limits).unwrap();
        assert_eq!(IN_FLIGHT.load(Ordering::Relaxed), 300);
        drop(second);
        assert_eq!(IN_FLIGHT.load(Ordering::Relaxed), 0);
    }
}
