//! The floor of the server-overhead comparison in `bench/run.sh`: the same libvips work a
//! request list asks of the image service, done in-process on one thread, with the CPU
//! time it took (all threads).
//!
//! Usage: `floor DIR LIST` where each line of LIST is `cover FILE W H` (Lorem Picsum's
//! render, JPEG Q75 progressive, as `/id/{n}/{w}/{h}.jpg` does from an original) or
//! `fit FILE W H Q` (fit inside W x H, never enlarged, JPEG quality Q: picfit's `op=fit`).
//! Sources are read once into memory first, as the service holds them in its source cache.
//! Prints `{"renders": N, "cpu_s": S}`.
#![expect(
    clippy::indexing_slicing,
    reason = "a benchmark tool: a malformed list stops it"
)]

use std::collections::HashMap;

use picsum_imaging::model::{Fit, Format, Op, Output, Pipeline, Rounding, Size};
use picsum_imaging::{Limits, PicsumTask};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, list) = (&args[1], std::fs::read_to_string(&args[2])?);
    picsum_imaging::init()?;
    let jobs: Vec<Vec<&str>> = list
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let mut sources = HashMap::new();
    for job in &jobs {
        if !sources.contains_key(job[1]) {
            sources.insert(job[1], std::fs::read(format!("{dir}/{}", job[1]))?);
        }
    }
    let start = picsum_imaging::process_cpu_time();
    for job in &jobs {
        let source = &sources[job[1]];
        let (w, h): (u32, u32) = (job[2].parse()?, job[3].parse()?);
        let bytes = if job[0] == "cover" {
            let task = PicsumTask {
                width: w,
                height: h,
                blur: None,
                grayscale: false,
                comment: Some("Picsum ID: 0".into()),
                format: Format::Jpeg,
            };
            picsum_imaging::render_picsum(source, &task, Limits::default())?
        } else {
            let pipeline = Pipeline {
                ops: vec![Op::Fit(Fit {
                    size: Size {
                        width: Some(w),
                        height: Some(h),
                    },
                    upscale: false,
                    rounding: Rounding::Down,
                })],
                output: Output {
                    format: Some(Format::Jpeg),
                    quality: Some(job[4].parse()?),
                },
            };
            picsum_imaging::process(source, &pipeline, Limits::default())?.bytes
        };
        assert!(!bytes.is_empty());
        picsum_imaging::trim_memory();
    }
    let cpu = picsum_imaging::process_cpu_time()
        .saturating_sub(start)
        .as_secs_f64();
    println!("{{\"renders\": {}, \"cpu_s\": {cpu:.3}}}", jobs.len());
    Ok(())
}
