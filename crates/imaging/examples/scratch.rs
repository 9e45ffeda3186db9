#![allow(missing_docs, clippy::unwrap_used, clippy::allow_attributes)]
use picsum_common::params::OutputFormat;
use picsum_imaging::*;
fn main() {
    init().unwrap();
    let a: Vec<String> = std::env::args().collect();
    let src = std::fs::read(&a[1]).unwrap();
    let w: u32 = a[2].parse().unwrap(); let h: u32 = a[3].parse().unwrap();
    let blur: f64 = a[4].parse().unwrap();
    let gray = a[5] == "1";
    let comment = if a[6] == "-" { None } else { Some(a[6].clone()) };
    let fmt = if a[7] == "webp" { OutputFormat::Webp } else { OutputFormat::Jpeg };
    let t = RenderTask { width: w, height: h, blur: (blur > 0.0).then_some(blur), grayscale: gray, comment, format: fmt };
    let out = render(&src, &t, Limits::default()).unwrap();
    std::fs::write(&a[8], out).unwrap();
}
