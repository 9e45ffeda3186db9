//! The picsum-rs side of the quality-per-byte workload (`bench/quality.sh`): for each
//! source and size, a reference and this build's Picsum render.
//!
//! Usage: `quality DIR LIST OUT` where each line of LIST is `FILE W H`. For each line it
//! writes `OUT/{FILE stem}-{W}x{H}.ref.png`, the original covered and centre-cropped to
//! W x H in linear light (libvips' thumbnail with `linear`, which decodes the original at
//! full size), and `OUT/{stem}-{W}x{H}.ours.jpg`, `picsum_imaging::render_picsum`'s answer (the
//! `/id/{n}/{w}/{h}.jpg` render from an original: this build's flavour, metadata reset to
//! the `Picsum ID` comment as the service does). Prints one JSON line per render:
//! `{"case": "{stem}-{W}x{H}", "bytes": N, "cpu_ms": MS, "thread_cpu_ms": MS}`: the whole
//! process's CPU over the render (every thread: libvips computes pixels on its own worker
//! threads, as sharp's `process.cpuUsage` counts them), and the calling thread's alone
//! (`thread_cpu_time`).
#![expect(
    clippy::indexing_slicing,
    reason = "a benchmark tool: a malformed list stops it"
)]

use std::path::Path;

use picsum_imaging::model::Format;
use picsum_imaging::{Limits, PicsumTask, process_cpu_time, thread_cpu_time};
use rs_vips::VipsImage;
use rs_vips::enums::Interesting;
use rs_vips::voption::{Setter, VOption};

/// Writes the linear-light cover of `source` to `path` as PNG.
fn reference(source: &[u8], (w, h): (i32, i32), path: &str) -> Result<(), String> {
    let options = VOption::new()
        .set("height", h)
        .set("crop", Interesting::Centre as i32)
        .set("linear", true);
    let image = VipsImage::thumbnail_buffer_with_opts(source, w, options)
        .map_err(|e| format!("thumbnail: {e}"))?;
    image.pngsave(path).map_err(|e| format!("pngsave: {e}"))
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// This build's Picsum render of `source` at `w` x `h`, and its CPU milliseconds (the
/// process's, the calling thread's).
fn ours(
    source: &[u8],
    (w, h): (u32, u32),
) -> Result<(Vec<u8>, f64, f64), Box<dyn std::error::Error>> {
    let task = PicsumTask {
        width: w,
        height: h,
        blur: None,
        grayscale: false,
        comment: Some("Picsum ID: 0".into()),
        format: Format::Jpeg,
    };
    let (start, process) = (thread_cpu_time(), process_cpu_time());
    let bytes = picsum_imaging::render_picsum(source, &task, Limits::default())?;
    let cpu = thread_cpu_time().saturating_sub(start);
    Ok((
        bytes,
        ms(process_cpu_time().saturating_sub(process)),
        ms(cpu),
    ))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, list, out) = (&args[1], std::fs::read_to_string(&args[2])?, &args[3]);
    picsum_imaging::init()?;
    std::fs::create_dir_all(out)?;
    let mut warm = true;
    for line in list.lines().filter(|l| !l.trim().is_empty()) {
        let job: Vec<&str> = line.split_whitespace().collect();
        let (w, h): (u32, u32) = (job[1].parse()?, job[2].parse()?);
        let source = std::fs::read(Path::new(dir).join(job[0]))?;
        let stem = Path::new(job[0])
            .file_stem()
            .map_or_else(|| job[0].to_owned(), |s| s.to_string_lossy().into_owned());
        let case = format!("{stem}-{w}x{h}");
        if warm {
            // The first render of a process pays for libvips' lazy set-up: not counted.
            ours(&source, (w, h))?;
            warm = false;
        }
        let (bytes, cpu_ms, thread_ms) = ours(&source, (w, h))?;
        std::fs::write(format!("{out}/{case}.ours.jpg"), &bytes)?;
        reference(
            &source,
            (i32::try_from(w)?, i32::try_from(h)?),
            &format!("{out}/{case}.ref.png"),
        )?;
        println!(
            "{{\"case\": \"{case}\", \"bytes\": {}, \"cpu_ms\": {cpu_ms:.2}, \"thread_cpu_ms\": {thread_ms:.2}}}",
            bytes.len()
        );
        picsum_imaging::trim_memory();
    }
    Ok(())
}
