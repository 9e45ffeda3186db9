//! Render-path benchmarks: Picsum's pipeline on the sample gallery and the 6000×4000 fixture,
//! and the transformation pipeline with and without overlays (what a watermark and a line
//! of text add to a 400x300 thumbnail). Run: `cargo bench -p picsum-imaging`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use picsum_imaging::{Limits, PicsumTask, render_picsum};
use picsum_url::format::Format;

fn read(rel: &str) -> Vec<u8> {
    let path = format!("{}/../../{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn task(width: u32, height: u32, blur: Option<f64>, grayscale: bool, format: Format) -> PicsumTask {
    PicsumTask {
        width,
        height,
        blur,
        grayscale,
        comment: Some("Picsum ID: 0".into()),
        format,
    }
}

fn bench(c: &mut Criterion) {
    picsum_imaging::init().unwrap_or_else(|e| panic!("{e}"));
    let variant_500 = read("gallery/photos/0_500.jpg");
    let original_1200 = read("gallery/photos/0.jpg");
    let original_6000 = read("fixtures/picsum/file/1.jpg");
    let cases = [
        (
            "200x300_jpeg_from_500_variant",
            &variant_500,
            task(200, 300, None, false, Format::Jpeg),
        ),
        (
            "200x300_webp_from_500_variant",
            &variant_500,
            task(200, 300, None, false, Format::Webp),
        ),
        (
            "200x300_blur5_gray_from_500_variant",
            &variant_500,
            task(200, 300, Some(5.0), true, Format::Jpeg),
        ),
        (
            "1200x800_jpeg_from_1200_original",
            &original_1200,
            task(1200, 800, None, false, Format::Jpeg),
        ),
        (
            "200x300_jpeg_from_6000x4000",
            &original_6000,
            task(200, 300, None, false, Format::Jpeg),
        ),
    ];
    let mut group = c.benchmark_group("render");
    group.sample_size(20);
    for (name, source, task) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| {
                render_picsum(black_box(source), black_box(task), Limits::default())
                    .unwrap_or_else(|e| panic!("{e}"))
            });
        });
    }
    group.finish();
    overlays(c, &original_1200);
}

fn overlays(c: &mut Criterion, source: &[u8]) {
    use picsum_imaging::model::{Fill, Flip, Layers, Text, Watermark};
    use picsum_imaging::model::{Format, Gravity, Op, Output, Pipeline, Size};
    let fill = Op::Fill(Fill {
        size: Size {
            width: Some(400),
            height: Some(300),
        },
        gravity: Gravity::Centre,
        upscale: false,
    });
    let mark = Op::Watermark(Watermark {
        source: "mark.png".into(),
        retina: None,
        scale: 1,
        gravity: Gravity::SouthEast,
        offset: (10, 10),
    });
    let text = Op::Text(Text {
        content: "© Picsum".into(),
        font: None,
        colour: [255, 255, 255, 255],
        size: 16,
        gravity: Gravity::SouthWest,
        offset: (8, 8),
    });
    let layers: Layers = [(
        "mark.png".to_owned(),
        read("fixtures/transform/mark.png").into(),
    )]
    .into_iter()
    .collect();
    let pipeline = |ops: Vec<Op>| Pipeline {
        ops,
        output: Output {
            format: Some(Format::Jpeg),
            quality: Some(80),
        },
    };
    let cases = [
        ("400x300_fill", pipeline(vec![fill.clone()])),
        (
            "400x300_fill_flip",
            pipeline(vec![
                fill.clone(),
                Op::Flip(Flip(picsum_imaging::model::Axis::Horizontal)),
            ]),
        ),
        (
            "400x300_fill_watermark",
            pipeline(vec![fill.clone(), mark.clone()]),
        ),
        (
            "400x300_fill_text",
            pipeline(vec![fill.clone(), text.clone()]),
        ),
        (
            "400x300_fill_watermark_text",
            pipeline(vec![fill, mark, text]),
        ),
    ];
    let mut group = c.benchmark_group("transform");
    group.sample_size(20);
    for (name, pipeline) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| {
                picsum_imaging::process_layered(
                    black_box(source),
                    black_box(pipeline),
                    Limits::default(),
                    &layers,
                )
                .unwrap_or_else(|e| panic!("{e}"))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
