//! What a render will cost, estimated before any work from the source's header and the
//! request: CPU time and peak memory. One model for every dialect: pixels decoded (after
//! JPEG shrink-on-load), resampled and produced, per-operation factors (blur by sigma,
//! overlays by layer), the encoder, and animation frames.
//!
//! The rates are nanoseconds of one core per pixel and bytes per pixel, measured on
//! libvips 8.14 by `cargo run --release -p picsum-imaging --example cost_table`, whose table
//! is kept in `bench/results/` (every estimate within 2× of what was measured).

use std::time::Duration;

use picsum_url::format::Format;

use crate::model::{Op, Pipeline};
use crate::ops::blur;
use crate::ops::step::{PASS_NS, Scale};
use crate::picsum::PicsumTask;

/// A render's estimated cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    /// CPU time.
    pub cpu: Duration,
    /// Peak memory, in bytes: decoded and produced images and the encoder's working set.
    pub memory: u64,
}

/// A source as its header describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Width in pixels.
    pub width: u32,
    /// Height of one frame.
    pub height: u32,
    /// Frames (1 for still images).
    pub pages: u32,
    /// Its format.
    pub format: Format,
}

/// Nanoseconds per decoded pixel.
fn decode_rate(format: Format) -> f64 {
    match format {
        Format::Jpeg => 7.0,
        Format::Png | Format::Bmp => 14.0,
        Format::Webp | Format::Avif => 18.0,
        Format::Gif => 10.0,
    }
}

/// Nanoseconds per produced pixel, and working bytes per produced pixel.
fn encode_rate(format: Format) -> (f64, f64) {
    match format {
        Format::Jpeg => (15.0, 1.0),
        Format::Bmp => (6.0, 0.0),
        Format::Png => (70.0, 2.0),
        Format::Webp => (95.0, 6.0),
        Format::Avif => (200.0, 25.0),
        Format::Gif => (90.0, 4.0),
    }
}

/// AVIF of an enlarged image (smooth content) costs the AV1 encoder about six times the
/// CPU and four times the memory of the same size from a larger source (measured: 2500x2500
/// from a 1200x800 photo, 7.4 s and 660 MiB, against 1.2 s and 155 MiB from a 24 MP one).
const AVIF_ENLARGED: (f64, f64) = (1_150.0, 100.0);

/// Nanoseconds per pixel that a resampling step reads, and per pixel it writes when it
/// shrinks and when it enlarges (interpolating every output pixel from its neighbours).
const RESAMPLE_IN: f64 = 2.0;
const RESAMPLE_OUT: f64 = 12.0;
const ENLARGE_OUT: f64 = 40.0;
/// Nanoseconds per source pixel of a JPEG's entropy decoding, which shrink-on-load does
/// not reduce (only the inverse DCT and what follows work on the smaller image).
const JPEG_ENTROPY: f64 = 1.5;
/// Nanoseconds per pixel of Picsum's JPEG encoder (progressive, optimised Huffman tables).
const PICSUM_JPEG: f64 = 18.0;
/// A blur's output is floating point, and every step after it works on four-byte samples
/// with no vectorised path: a second blur costs about ten times the first (measured: four
/// blurs of sigma 50 on 2000x2000, 112 CPU-s, the first 3.7 of them).
const FLOAT_FACTOR: f64 = 10.0;
/// Bytes of a floating-point pixel (three four-byte bands); chained blurs each keep one.
const FLOAT_BYTES: f64 = 12.0;
/// The fixed part of Picsum's render: libvips' thumbnail, colour management, metadata.
const PICSUM_FIXED: f64 = 8_000_000.0;
/// Bytes of one decoded or produced pixel (RGB, plus alpha where present).
const PIXEL_BYTES: f64 = 4.0;
/// The fixed part: a header read, a pipeline built, an encoder started.
const FIXED: f64 = 300_000.0;

/// What runs when a pipeline renders, added up step by step.
#[derive(Debug, Default)]
struct Tally {
    ns: f64,
    /// Bytes of images in memory at once at the most.
    peak_bytes: f64,
    /// Pixels of the source decoded.
    decoded: f64,
    /// Blurs so far: after the first the image is floating point.
    blurs: u32,
}

impl Tally {
    fn estimate(&self, pages: u32, out: (u32, u32), format: Format) -> Estimate {
        let enlarged = pixels(out) > 2.0 * self.decoded;
        let (encode_ns, encode_bytes) = if format == Format::Avif && enlarged {
            AVIF_ENLARGED
        } else {
            encode_rate(format)
        };
        let out_px = pixels(out);
        let frames = f64::from(pages.max(1));
        let ns = (self.ns + encode_ns * out_px) * frames + FIXED;
        let memory = self.peak_bytes * frames.min(2.0) + encode_bytes * out_px;
        Estimate {
            cpu: Duration::from_nanos(whole(ns)),
            memory: whole(memory),
        }
    }
}

/// A non-negative estimate as a whole number (saturating).
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "estimates are finite, non-negative and far below u64::MAX; `as` saturates"
)]
fn whole(x: f64) -> u64 {
    x.max(0.0) as u64
}

fn pixels((w, h): (u32, u32)) -> f64 {
    f64::from(w) * f64::from(h)
}

/// The estimated cost of `pipeline` on a source of `shape`, encoded as `format`.
#[must_use]
pub fn of_pipeline(shape: Shape, pipeline: &Pipeline, format: Format) -> Estimate {
    let mut current = (shape.width.max(1), shape.height.max(1));
    let mut tally = Tally::default();
    let mut decoded = false;
    for op in &pipeline.ops {
        if let Some(Scale::To(w, h)) = op.step().plan(current) {
            let read = if decoded {
                pixels(current)
            } else {
                decoded = true;
                decode(&mut tally, shape.format, current, (w, h))
            };
            tally.ns += resample_ns(read, pixels((w, h)));
            current = (w, h);
        }
        if !decoded {
            decoded = true;
            decode(&mut tally, shape.format, current, current);
        }
        current = size_after(op, current);
        let factor = if tally.blurs > 0 { FLOAT_FACTOR } else { 1.0 };
        tally.ns += op_ns(op, current) * factor;
        if matches!(op, Op::Blur(_)) {
            tally.blurs += 1;
        }
        let per_pixel = if tally.blurs > 0 {
            FLOAT_BYTES * f64::from(tally.blurs)
        } else {
            PIXEL_BYTES
        };
        tally.peak_bytes = tally.peak_bytes.max(pixels(current) * per_pixel);
    }
    if !decoded {
        decode(&mut tally, shape.format, current, current);
    }
    tally.estimate(shape.pages, current, format)
}

/// The size `pipeline` produces from a source of `shape` (one frame).
#[must_use]
pub fn output_size(shape: Shape, pipeline: &Pipeline) -> (u32, u32) {
    pipeline
        .ops
        .iter()
        .fold((shape.width.max(1), shape.height.max(1)), |current, op| {
            let scaled = match op.step().plan(current) {
                Some(Scale::To(w, h)) => (w, h),
                _ => current,
            };
            size_after(op, scaled)
        })
}

/// Lorem Picsum's render of `task` from a JPEG original of `source` size: a thumbnail
/// (shrink-on-load, cover and crop), then blur and grey.
#[must_use]
pub fn of_picsum(source: (u32, u32), task: &PicsumTask) -> Estimate {
    let from = (source.0.max(1), source.1.max(1));
    let out = (task.width.max(1), task.height.max(1));
    let mut tally = Tally::default();
    // Cover: the thumbnail scales to the larger ratio, then crops.
    let ratio = (f64::from(out.0) / f64::from(from.0)).max(f64::from(out.1) / f64::from(from.1));
    let side = |s: u32| u32::try_from(whole((f64::from(s) * ratio).ceil())).unwrap_or(u32::MAX);
    let covered = (side(from.0), side(from.1));
    let read = decode(&mut tally, Format::Jpeg, from, covered);
    if covered != from {
        tally.ns += resample_ns(read, pixels(covered));
    }
    if let Some(sigma) = task.blur {
        tally.ns += blur::ns_per_pixel(sigma) * pixels(out);
    }
    if task.grayscale {
        tally.ns += PASS_NS * pixels(out);
    }
    tally.peak_bytes = tally
        .peak_bytes
        .max((pixels(covered) + pixels(out)) * PIXEL_BYTES);
    if task.format == Format::Jpeg {
        // Its encoder costs more than the generic one; the difference is added here.
        tally.ns += (PICSUM_JPEG - encode_rate(Format::Jpeg).0) * pixels(out);
    }
    tally.ns += PICSUM_FIXED;
    tally.estimate(1, out, task.format)
}

/// Nanoseconds of resampling `read` pixels into `written`.
fn resample_ns(read: f64, written: f64) -> f64 {
    let out = if written > read {
        ENLARGE_OUT
    } else {
        RESAMPLE_OUT
    };
    RESAMPLE_IN * read + out * written
}

/// Counts decoding a `from`-sized source for a first step that needs `to`: JPEGs decode at
/// libjpeg's 1/2, 1/4 or 1/8 when that still covers it. Returns the pixels decoded.
fn decode(tally: &mut Tally, format: Format, from: (u32, u32), to: (u32, u32)) -> f64 {
    let factor = if format == Format::Jpeg {
        crate::execute::jpeg_scale(from, to)
    } else {
        1
    };
    let decoded = pixels(from) / f64::from(factor * factor);
    if format == Format::Jpeg {
        tally.ns += JPEG_ENTROPY * pixels(from);
    }
    tally.ns += decode_rate(format) * decoded;
    tally.peak_bytes = tally.peak_bytes.max(decoded * PIXEL_BYTES);
    tally.decoded = decoded;
    decoded
}

/// The image's size once `op` ran on an image of `current` size (after its scaling).
fn size_after(op: &Op, current: (u32, u32)) -> (u32, u32) {
    let boxed = |size: crate::model::Size| {
        (
            size.width.unwrap_or(current.0),
            size.height.unwrap_or(current.1),
        )
    };
    match op {
        Op::Fill(fill) => boxed(fill.size),
        Op::Crop(crop) => {
            let (w, h) = boxed(crop.size);
            (w.min(current.0), h.min(current.1))
        }
        Op::Pad(pad) => {
            let (w, h) = boxed(pad.size);
            (w.max(current.0), h.max(current.1))
        }
        Op::Rotate(rotate) if rotate.0 != crate::ops::Turn::Cw180 => (current.1, current.0),
        _ => current,
    }
}

/// Nanoseconds of what `op` does besides scaling, on an image of `current` size (each
/// operation states its own, [`crate::ops`]).
fn op_ns(op: &Op, current: (u32, u32)) -> f64 {
    op.step().work_ns(pixels(current))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Blur, Fit, Output, Rounding, Size};

    fn fit(w: u32, h: u32) -> Op {
        Op::Fit(Fit {
            size: Size {
                width: Some(w),
                height: Some(h),
            },
            upscale: false,
            rounding: Rounding::Nearest,
        })
    }

    fn shape(width: u32, height: u32) -> Shape {
        Shape {
            width,
            height,
            pages: 1,
            format: Format::Jpeg,
        }
    }

    #[test]
    fn shrink_on_load_blur_encoders_and_frames_all_count() {
        let pipeline = |ops: Vec<Op>| Pipeline {
            ops,
            output: Output::default(),
        };
        let small = of_pipeline(
            shape(6000, 4000),
            &pipeline(vec![fit(500, 500)]),
            Format::Jpeg,
        );
        let whole = of_pipeline(
            shape(6000, 4000),
            &pipeline(vec![fit(5000, 5000)]),
            Format::Jpeg,
        );
        assert!(small.cpu * 4 < whole.cpu, "{small:?} {whole:?}");
        let blur = |sigma| {
            let ops = vec![fit(2000, 2000), Op::Blur(Blur { sigma })];
            of_pipeline(shape(6000, 4000), &pipeline(ops), Format::Jpeg).cpu
        };
        assert!(blur(50.0) > blur(5.0) * 3);
        let ops = pipeline(vec![fit(2000, 2000)]);
        let avif = of_pipeline(shape(6000, 4000), &ops, Format::Avif);
        let jpeg = of_pipeline(shape(6000, 4000), &ops, Format::Jpeg);
        assert!(avif.cpu > jpeg.cpu * 3 && avif.memory > jpeg.memory * 2);
        let animated = Shape {
            pages: 20,
            format: Format::Gif,
            ..shape(400, 400)
        };
        let still = Shape {
            format: Format::Gif,
            ..shape(400, 400)
        };
        let frames = of_pipeline(animated, &ops, Format::Gif).cpu;
        assert!(frames > of_pipeline(still, &ops, Format::Gif).cpu * 10);
    }

    #[test]
    fn picsum_counts_the_output_and_its_blur() {
        let task = |width, height, blur: Option<f64>, format| PicsumTask {
            width,
            height,
            blur,
            grayscale: false,
            comment: None,
            format,
        };
        let plain = of_picsum((1200, 800), &task(5000, 4999, None, Format::Webp));
        let blurred = of_picsum((1200, 800), &task(5000, 4999, Some(10.0), Format::Webp));
        assert!(blurred.cpu > plain.cpu + Duration::from_millis(500));
        let thumb = of_picsum((6000, 4000), &task(300, 200, None, Format::Jpeg));
        assert!(thumb.cpu < Duration::from_millis(200), "{thumb:?}");
    }
}
