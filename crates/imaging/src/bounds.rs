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
    /// Pixels this thread's render reserved ahead ([`reserve`]): what it spends is counted
    /// against the process's budget only past them.
    static PREPAID: Cell<u64> = const { Cell::new(0) };
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

/// Of `used` pixels of this thread's render, those counted in the process's budget.
fn counted(used: u64) -> u64 {
    used.saturating_sub(PREPAID.get())
}

impl Drop for Budget {
    fn drop(&mut self) {
        let (used, max, process) = WORK.get();
        IN_FLIGHT.fetch_sub(counted(used), Ordering::Relaxed);
        WORK.set((0, max, process));
    }
}

/// Counts `w × h` decoded or produced pixels against the render's budget and the
/// process's: past the first, the request asks too much (400); past the second, the
/// process is busy (503, try again).
pub(crate) fn spend(w: u32, h: u32) -> Result<(), ImagingError> {
    let (before, max, process) = WORK.get();
    let n = u64::from(w) * u64::from(h);
    let used = before.saturating_add(n);
    WORK.set((used, max, process));
    let more = counted(used) - counted(before);
    let total = IN_FLIGHT
        .fetch_add(more, Ordering::Relaxed)
        .saturating_add(more);
    if used > max {
        return Err(ImagingError::OverBudget { pixels: used, max });
    }
    if total > process {
        return Err(ImagingError::Busy);
    }
    Ok(())
}

/// Memory a render is estimated to need (its images and the encoder's and decoder's
/// working sets), held against the process's in-flight budget until dropped; the pixels
/// its steps then count are charged to the process only past it.
#[derive(Debug)]
#[must_use = "the memory is counted only while the reservation lives"]
pub struct Reservation(u64);

/// Bytes counted as one pixel of the in-flight budget.
const BYTES_PER_PIXEL: u64 = 4;

/// Counts `bytes` of estimated working memory against the process's in-flight budget
/// (`max_inflight_pixels`, at four bytes a pixel) until the reservation is dropped. A
/// render estimated at more than the whole budget holds all of it: it runs alone (the
/// render's own limits then judge what it asks for).
///
/// # Errors
/// [`ImagingError::Busy`] when it does not fit beside the renders in flight now (503, try
/// again).
pub fn reserve(bytes: u64, limits: Limits) -> Result<Reservation, ImagingError> {
    let n = (bytes / BYTES_PER_PIXEL).min(limits.max_inflight_pixels);
    let total = IN_FLIGHT.fetch_add(n, Ordering::Relaxed).saturating_add(n);
    if total > limits.max_inflight_pixels {
        IN_FLIGHT.fetch_sub(n, Ordering::Relaxed);
        return Err(ImagingError::Busy);
    }
    PREPAID.set(n);
    Ok(Reservation(n))
}

impl Drop for Reservation {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(self.0, Ordering::Relaxed);
        PREPAID.set(0);
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
    fn reservations_count_until_dropped_and_hold_at_most_the_budget() {
        let limits = Limits {
            max_inflight_pixels: 1_000,
            ..Limits::default()
        };
        // More than the whole budget holds all of it.
        let all = reserve(40_000, limits).unwrap();
        assert_eq!(IN_FLIGHT.load(Ordering::Relaxed), 1_000);
        assert!(matches!(reserve(4, limits), Err(ImagingError::Busy)));
        drop(all);
        let first = reserve(3_000, limits).unwrap();
        assert!(matches!(reserve(1_200, limits), Err(ImagingError::Busy)));
        assert_eq!(IN_FLIGHT.load(Ordering::Relaxed), 750);
        // What the render spends within its reservation is not counted twice.
        let budget = begin_budget(limits);
        spend(10, 25).unwrap();
        spend(10, 10).unwrap();
        assert_eq!(IN_FLIGHT.load(Ordering::Relaxed), 750);
        spend(30, 20).unwrap();
        assert_eq!(IN_FLIGHT.load(Ordering::Relaxed), 950);
        drop(budget);
        assert_eq!(IN_FLIGHT.load(Ordering::Relaxed), 750);
        drop(first);
        assert_eq!(IN_FLIGHT.load(Ordering::Relaxed), 0);
    }
}
