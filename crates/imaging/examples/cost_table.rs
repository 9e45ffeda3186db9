//! The cost model's table: about twenty representative renders, each estimated by
//! `picsum_imaging::cost` and then measured (CPU of the whole process, every thread, and
//! peak resident memory above the resting level), with the ratio of the two.
//!
//! Usage: `cargo run --release -p picsum-imaging --example cost_table` from the workspace
//! root. Prints a Markdown table; exits 1 when an estimate is off by more than 2×.
#![expect(clippy::print_stdout, reason = "a measuring tool prints its table")]

use std::time::Duration;

use picsum_imaging::cost::{self, Estimate, Shape};
use picsum_imaging::model::{
    Blur, Crop, Fill, Fit, Flip, Format, Gravity, Grayscale, Op, Output, Pipeline, Rotate,
    Rounding, Size,
};
use picsum_imaging::ops::{Axis, Turn};
use picsum_imaging::{Limits, PicsumTask};

/// A line of `/proc/self/status`, in bytes.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib << 10)
}

/// Hands every free heap page back to the system, so the next render's peak is its own
/// (memory a previous render left in the heap would hide it).
#[expect(unsafe_code, reason = "glibc's malloc_trim")]
fn release_free_memory() {
    // SAFETY: malloc_trim only releases free memory; any pad is valid.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Resets the peak resident size to the current one.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

enum Work {
    Picsum(PicsumTask),
    Pipeline(Pipeline, Format),
}

struct Case {
    name: &'static str,
    file: &'static str,
    work: Work,
}

fn size(w: u32, h: u32) -> Size {
    Size {
        width: (w > 0).then_some(w),
        height: (h > 0).then_some(h),
    }
}

fn fit(w: u32, h: u32) -> Op {
    Op::Fit(Fit {
        size: size(w, h),
        upscale: false,
        rounding: Rounding::Nearest,
    })
}

fn fill(w: u32, h: u32) -> Op {
    Op::Fill(Fill {
        size: size(w, h),
        gravity: Gravity::Centre,
        upscale: true,
    })
}

fn picsum(w: u32, h: u32, blur: Option<f64>, grayscale: bool, format: Format) -> Work {
    Work::Picsum(PicsumTask {
        width: w,
        height: h,
        blur,
        grayscale,
        comment: Some("Picsum ID: 1".into()),
        format,
    })
}

fn pipeline(ops: Vec<Op>, format: Format) -> Work {
    Work::Pipeline(
        Pipeline {
            ops,
            output: Output {
                format: Some(format),
                quality: None,
            },
        },
        format,
    )
}

const LARGE: &str = "fixtures/picsum/file/1.jpg"; // 6000x4000 JPEG
const PHOTO: &str = "gallery/photos/1.jpg"; // 1200x800 JPEG
const PNG: &str = "fixtures/transform/quadrants.png";
const GIF: &str = "fixtures/transform/animated.gif";

fn blur(sigma: f64) -> Op {
    Op::Blur(Blur { sigma })
}

fn cases() -> Vec<Case> {
    use Format::{Avif, Gif, Jpeg, Png, Webp};
    let case = |name, file, work| Case { name, file, work };
    vec![
        case(
            "picsum 200x300 jpg",
            PHOTO,
            picsum(200, 300, None, false, Jpeg),
        ),
        case(
            "picsum 1200x800 jpg",
            PHOTO,
            picsum(1200, 800, None, false, Jpeg),
        ),
        case(
            "picsum 640x480 grey blur 2",
            PHOTO,
            picsum(640, 480, Some(2.0), true, Jpeg),
        ),
        case(
            "picsum 5000x4999 jpg",
            PHOTO,
            picsum(5000, 4999, None, false, Jpeg),
        ),
        case(
            "picsum 5000x4999 webp blur 10",
            PHOTO,
            picsum(5000, 4999, Some(10.0), false, Webp),
        ),
        case(
            "picsum 2500x2500 avif",
            PHOTO,
            picsum(2500, 2500, None, false, Avif),
        ),
        case(
            "picsum 1000x1000 webp",
            LARGE,
            picsum(1000, 1000, None, false, Webp),
        ),
        case(
            "picsum 4000x3000 jpg, 24 MP original",
            LARGE,
            picsum(4000, 3000, None, false, Jpeg),
        ),
        case(
            "fit 500 jpg, 24 MP original",
            LARGE,
            pipeline(vec![fit(500, 500)], Jpeg),
        ),
        case(
            "fit 2000 webp, 24 MP original",
            LARGE,
            pipeline(vec![fit(2000, 2000)], Webp),
        ),
        case(
            "fill 800x600 png",
            PHOTO,
            pipeline(vec![fill(800, 600)], Png),
        ),
        case(
            "fill 400x400 avif",
            PHOTO,
            pipeline(vec![fill(400, 400)], Avif),
        ),
        case(
            "fit 2400 avif, 24 MP original",
            LARGE,
            pipeline(vec![fit(2400, 2400)], Avif),
        ),
        case(
            "fit 1000 blur 50 jpg",
            LARGE,
            pipeline(vec![fit(1000, 1000), blur(50.0)], Jpeg),
        ),
        case(
            "fill 1000x1000, four blurs of 50, jpg",
            PHOTO,
            pipeline(
                vec![
                    fill(1000, 1000),
                    blur(50.0),
                    blur(50.0),
                    blur(50.0),
                    blur(50.0),
                ],
                Jpeg,
            ),
        ),
        case(
            "rotate, flip, grey, crop, jpg",
            PHOTO,
            pipeline(
                vec![
                    Op::Rotate(Rotate(Turn::Cw90)),
                    Op::Flip(Flip(Axis::Horizontal)),
                    Op::Grayscale(Grayscale),
                    Op::Crop(Crop {
                        size: size(400, 400),
                        gravity: Gravity::Centre,
                    }),
                ],
                Jpeg,
            ),
        ),
        case(
            "png source, fit 300 webp",
            PNG,
            pipeline(vec![fit(300, 300)], Webp),
        ),
        case(
            "animated gif, fill 200x200 gif",
            GIF,
            pipeline(vec![fill(200, 200)], Gif),
        ),
        case(
            "animated gif, fit 300 webp",
            GIF,
            pipeline(vec![fit(300, 300)], Webp),
        ),
        case(
            "fill 4000x4000 jpg",
            PHOTO,
            pipeline(vec![fill(4000, 4000)], Jpeg),
        ),
        case(
            "fill 2000x2000 avif",
            LARGE,
            pipeline(vec![fill(2000, 2000)], Avif),
        ),
        case(
            "fill 2500x1600 avif",
            LARGE,
            pipeline(vec![fill(2500, 1600)], Avif),
        ),
        case(
            "fill 2500x2500 avif",
            LARGE,
            pipeline(vec![fill(2500, 2500)], Avif),
        ),
        case(
            "fill 2500x2500 avif, enlarged",
            PHOTO,
            pipeline(vec![fill(2500, 2500)], Avif),
        ),
    ]
}

/// Runs `case` once; CPU and peak memory above the resting level.
fn measure(source: &[u8], work: &Work) -> (Duration, u64) {
    release_free_memory();
    let resting = status_kib("VmRSS:");
    reset_peak();
    let before = picsum_imaging::process_cpu_time();
    let limits = Limits {
        max_work_pixels: u64::MAX,
        max_inflight_pixels: u64::MAX,
        ..Limits::default()
    };
    let ok = match work {
        Work::Picsum(task) => picsum_imaging::render_picsum(source, task, limits).map(drop),
        Work::Pipeline(pipeline, _) => picsum_imaging::process(source, pipeline, limits).map(drop),
    };
    if let Err(e) = ok {
        eprintln!("render failed: {e}");
    }
    let cpu = picsum_imaging::process_cpu_time().saturating_sub(before);
    (cpu, status_kib("VmHWM:").saturating_sub(resting))
}

fn estimate(source: &[u8], work: &Work) -> Result<Estimate, picsum_imaging::ImagingError> {
    let probe = picsum_imaging::probe(source)?;
    Ok(match work {
        Work::Picsum(task) => cost::of_picsum((probe.width, probe.height), task),
        Work::Pipeline(pipeline, format) => {
            let shape = Shape {
                width: probe.width,
                height: probe.height,
                pages: probe.pages,
                format: Format::sniff(source).unwrap_or(Format::Jpeg),
            };
            cost::of_pipeline(shape, pipeline, *format)
        }
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    picsum_imaging::init()?;
    println!("| request | est. CPU ms | CPU ms | ratio | est. MiB | peak MiB | ratio |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut off = 0;
    let only = std::env::args().nth(1).unwrap_or_default();
    for case in cases().into_iter().filter(|c| c.name.contains(&only)) {
        let source = std::fs::read(case.file)?;
        let e = estimate(&source, &case.work)?;
        // Cheap cases: warmed (codecs, first allocations), then the best of three; dear
        // ones (over 2 s) once.
        let dear = e.cpu > Duration::from_secs(2);
        if !dear {
            let _ = measure(&source, &case.work);
        }
        let runs: Vec<_> = (0..if dear { 1 } else { 3 })
            .map(|_| measure(&source, &case.work))
            .collect();
        let cpu = runs.iter().map(|r| r.0).min().unwrap_or_default();
        let peak = runs.iter().map(|r| r.1).max().unwrap_or_default();
        let mib = |b: u64| b as f64 / f64::from(1 << 20);
        let cpu_ratio = e.cpu.as_secs_f64() / cpu.as_secs_f64().max(1e-3);
        // Memory under 8 MiB is noise in a resident-set reading: judged from 8 MiB.
        let mem_ratio = mib(e.memory).max(8.0) / mib(peak).max(8.0);
        let within = |r: f64| (0.5..=2.0).contains(&r);
        if !within(cpu_ratio) || !within(mem_ratio) {
            off += 1;
        }
        println!(
            "| {} | {:.0} | {:.0} | {cpu_ratio:.2} | {:.1} | {:.1} | {mem_ratio:.2} |",
            case.name,
            e.cpu.as_secs_f64() * 1e3,
            cpu.as_secs_f64() * 1e3,
            mib(e.memory),
            mib(peak),
        );
    }
    println!("\n{off} estimates off by more than 2x (memory judged from 8 MiB).");
    if off > 0 {
        std::process::exit(1);
    }
    Ok(())
}
