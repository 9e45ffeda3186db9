//! Animated sources: every frame resized, fitted or filled into an animated GIF or WebP
//! (decoded back and checked frame by frame); other steps or still formats are refused.
#![expect(clippy::unwrap_used, reason = "test code")]

use picsum_imaging::model::{
    Axis, Blur, Fill, Fit, Flip, Format, Gravity, Grayscale, Op, Output, Pipeline, Resize,
    Rounding, Size,
};
use picsum_imaging::{ImagingError, Limits, init, process};
use rs_vips::VipsImage;

fn animated() -> Vec<u8> {
    let path = format!(
        "{}/../../fixtures/transform/animated.gif",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(path).unwrap()
}

fn size(w: u32, h: u32) -> Size {
    Size {
        width: Some(w),
        height: Some(h),
    }
}

fn pipeline(ops: Vec<Op>, format: Format) -> Pipeline {
    Pipeline {
        ops,
        output: Output {
            format: Some(format),
            quality: None,
        },
    }
}

/// (frame width, frame height, frames, whether frames differ) of an encoded animation.
fn frames(bytes: &[u8]) -> (i32, i32, i32, bool) {
    let strip = VipsImage::new_from_buffer(bytes, "[n=-1]").unwrap();
    let pages = strip.get_n_pages();
    let page_height = strip.get_page_height();
    let width = strip.get_width();
    let first = strip.extract_area(0, 0, width, page_height).unwrap();
    let second = strip
        .extract_area(0, page_height, width, page_height)
        .unwrap();
    let differ = first.write_to_memory() != second.write_to_memory();
    (width, page_height, pages, differ)
}

#[test]
fn frames_are_resized_fitted_and_filled() {
    init().unwrap();
    let source = animated();
    let fixture = VipsImage::new_from_buffer(&source, "[n=-1]").unwrap();
    assert_eq!(
        (
            fixture.get_width(),
            fixture.get_page_height(),
            fixture.get_n_pages()
        ),
        (64, 64, 2)
    );
    let cases = [
        (
            Op::Resize(Resize {
                size: size(32, 20),
                upscale: true,
                rounding: Rounding::Nearest,
            }),
            Format::Gif,
            (32, 20),
        ),
        (
            Op::Fit(Fit {
                size: size(40, 30),
                upscale: false,
                rounding: Rounding::Down,
            }),
            Format::Gif,
            (30, 30),
        ),
        (
            Op::Fill(Fill {
                size: size(20, 40),
                gravity: Gravity::Centre,
                upscale: true,
            }),
            Format::Gif,
            (20, 40),
        ),
        (
            Op::Fill(Fill {
                size: size(48, 16),
                gravity: Gravity::South,
                upscale: true,
            }),
            Format::Webp,
            (48, 16),
        ),
    ];
    for (op, format, (w, h)) in cases {
        let out = process(
            &source,
            &pipeline(vec![op.clone()], format),
            Limits::default(),
        )
        .unwrap_or_else(|e| panic!("{op:?}: {e}"));
        assert_eq!(Format::sniff(&out.bytes), Some(format), "{op:?}");
        assert_eq!((out.width, out.height), (w, h), "{op:?}");
        let (fw, fh, pages, differ) = frames(&out.bytes);
        assert_eq!(
            (fw, fh, pages),
            (i32::try_from(w).unwrap(), i32::try_from(h).unwrap(), 2),
            "{op:?}"
        );
        assert!(differ, "{op:?}: the frames stay different");
    }
    // Grey after the resize keeps the animation.
    let grey = pipeline(
        vec![
            Op::Resize(Resize {
                size: size(16, 16),
                upscale: true,
                rounding: Rounding::Nearest,
            }),
            Op::Grayscale(Grayscale),
        ],
        Format::Gif,
    );
    let out = process(&source, &grey, Limits::default()).unwrap();
    assert_eq!(frames(&out.bytes).2, 2);
}

#[test]
fn other_steps_and_still_formats_are_refused() {
    init().unwrap();
    let source = animated();
    let resize = Op::Resize(Resize {
        size: size(10, 10),
        upscale: true,
        rounding: Rounding::Nearest,
    });
    for (ops, format) in [
        (vec![resize.clone()], Format::Jpeg),
        (vec![resize.clone()], Format::Png),
        (vec![Op::Flip(Flip(Axis::Vertical))], Format::Gif),
        (vec![resize, Op::Blur(Blur { sigma: 2.0 })], Format::Gif),
        (
            vec![Op::Fill(Fill {
                size: size(10, 10),
                gravity: Gravity::Attention,
                upscale: true,
            })],
            Format::Gif,
        ),
    ] {
        let err = process(&source, &pipeline(ops.clone(), format), Limits::default()).unwrap_err();
        assert!(
            matches!(err, ImagingError::Animated { pages: 2 }),
            "{ops:?} {format:?}: {err}"
        );
        assert!(err.is_client_error());
    }
    // More than 1000 frames (1x1 each) is refused whatever the step. The frames alternate
    // black and white: newer GIF encoders (libvips 8.15+, cgif) merge identical neighbours.
    let rows = VipsImage::xyz(1, 1001).unwrap().extract_band(1).unwrap();
    let mut strip = rows
        .remainder_const(&[2.0])
        .unwrap()
        .linear(&[255.0], &[0.0])
        .unwrap()
        .cast(rs_vips::enums::BandFormat::Uchar)
        .unwrap();
    strip.set_int("page-height", 1).unwrap();
    let many = strip.gifsave_buffer().unwrap();
    let resize = pipeline(
        vec![Op::Resize(Resize {
            size: size(2, 2),
            upscale: true,
            rounding: Rounding::Nearest,
        })],
        Format::Gif,
    );
    let refused = process(&many, &resize, Limits::default()).map(|out| out.bytes.len());
    assert!(
        matches!(refused, Err(ImagingError::Animated { pages: 1001 })),
        "{refused:?}"
    );
    // The output limit counts every frame: 2 frames of 100x100 pass 20,000 pixels, not 19,999.
    let big = pipeline(
        vec![Op::Resize(Resize {
            size: size(100, 100),
            upscale: true,
            rounding: Rounding::Nearest,
        })],
        Format::Gif,
    );
    let tight = |max| Limits {
        max_source_pixels: max,
        max_output_pixels: max,
        max_work_pixels: u64::MAX,
        max_inflight_pixels: u64::MAX,
    };
    assert!(process(&source, &big, tight(20_000)).is_ok());
    assert!(matches!(
        process(&source, &big, tight(19_999)),
        Err(ImagingError::OutputTooLarge { .. }) | Err(ImagingError::SourceTooLarge { .. })
    ));
}
