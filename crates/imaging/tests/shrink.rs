//! JPEG sources scaled down by the generic pipeline are decoded at a libjpeg scale (1/2,
//! 1/4, 1/8) and resized the rest of the way: the outputs keep the exact size asked for,
//! the EXIF orientation, and the picture libvips' own thumbnail makes (within a small
//! difference in sharpness).
#![expect(clippy::unwrap_used, reason = "test code")]

use picsum_imaging::model::{Fit, Format, Op, Output, Pipeline, Rounding, Size};
use picsum_imaging::{Limits, init, process};
use rs_vips::VipsImage;
use rs_vips::enums::Size as VipsSize;
use rs_vips::voption::{Setter, VOption};

fn fit(w: u32, h: u32) -> Pipeline {
    Pipeline {
        ops: vec![Op::Fit(Fit {
            size: Size {
                width: Some(w),
                height: Some(h),
            },
            upscale: false,
            rounding: Rounding::Down,
        })],
        output: Output {
            format: Some(Format::Png),
            quality: None,
        },
    }
}

/// Lorem Picsum's photo 1 (6000x4000), a real photo with fine detail.
fn photo() -> Vec<u8> {
    let path = format!(
        "{}/../../fixtures/picsum/file/1.jpg",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(path).unwrap()
}

fn decode(bytes: &[u8]) -> VipsImage {
    VipsImage::new_from_buffer(bytes, "").unwrap()
}

#[test]
fn scaled_decodes_keep_size_and_picture() {
    init().unwrap();
    let source = photo();
    // 6000x4000 inside 480 px: an eighth-scale decode (750x500), then a resize; 1000 px and
    // 1400 px: quarter scale (1500x1000); 2500 px: half scale.
    for (w, h, want) in [
        (480, 480, (480, 320)),
        (1000, 1000, (1000, 666)),
        (1400, 1400, (1400, 933)),
        (2500, 2500, (2500, 1666)),
    ] {
        let out = process(&source, &fit(w, h), Limits::default()).unwrap();
        let got = decode(&out.bytes);
        assert_eq!((got.get_width(), got.get_height()), (want.0, want.1));
        // libvips' thumbnail of the same source (which decodes more of it) as the reference.
        let reference = VipsImage::thumbnail_buffer_with_opts(
            &source,
            want.0,
            VOption::new()
                .set("height", want.1)
                .set("size", VipsSize::Force as i32),
        )
        .unwrap();
        let diff = got
            .subtract(&reference)
            .unwrap()
            .abs()
            .unwrap()
            .avg()
            .unwrap();
        assert!(diff < 1.0, "{w}x{h}: mean difference {diff:.2}");
    }
}

#[test]
fn scaled_decodes_keep_the_exif_orientation() {
    init().unwrap();
    let path = format!(
        "{}/../../fixtures/transform/rotated-exif6.jpg",
        env!("CARGO_MANIFEST_DIR")
    );
    // Stored 200x100 with orientation 6 (upright 100x200): a half-scale decode for 50x100.
    let source = std::fs::read(path).unwrap();
    let out = decode(
        &process(&source, &fit(50, 100), Limits::default())
            .unwrap()
            .bytes,
    );
    assert_eq!((out.get_width(), out.get_height()), (50, 100));
    let upright = VipsImage::new_from_buffer(&source, "")
        .unwrap()
        .autorot()
        .unwrap()
        .resize(0.5)
        .unwrap();
    let diff = out
        .subtract(&upright)
        .unwrap()
        .abs()
        .unwrap()
        .avg()
        .unwrap();
    assert!(
        diff < 8.0,
        "mean difference from the upright source {diff:.2}"
    );
}

#[test]
fn a_truncated_jpeg_decoded_at_scale_is_a_client_error() {
    init().unwrap();
    let mut source = photo();
    source.truncate(source.len() / 2);
    // 480 px from 6000x4000: the eighth-scale decode path.
    let err = process(&source, &fit(480, 480), Limits::default()).unwrap_err();
    assert!(err.is_client_error(), "{err}");
}
