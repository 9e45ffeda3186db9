//! Renders give back everything libvips allocated for them, whether they succeed or fail
//! half-way (a source or overlay cut short, a budget passed): after each, libvips holds as
//! many objects as before. A leak here grows the process by a decoded image per request
//! (it did: libvips 8.14's webpsave kept its input when that input failed).
#![expect(clippy::unwrap_used, reason = "test code")]

use bytes::Bytes;
use picsum_imaging::model::geometry::{Rounding, Size};
use picsum_imaging::model::{Format, Gravity, Layers, Op, Output, Pipeline};
use picsum_imaging::ops::{blur::Blur, fill::Fill, flat::Flat, flat::Placement, resize::Resize};
use picsum_imaging::{Limits, PicsumTask, held, init, process, process_layered, render_picsum};

const LIMITS: Limits = Limits {
    max_source_pixels: 50_000_000,
    max_output_pixels: 50_000_000,
    max_work_pixels: u64::MAX,
    max_inflight_pixels: u64::MAX,
};

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn cut(bytes: &[u8]) -> Vec<u8> {
    bytes.get(..bytes.len() / 4).unwrap().to_vec()
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

fn steps() -> Vec<Vec<Op>> {
    vec![
        vec![],
        vec![Op::Resize(Resize {
            size: size(300, 200),
            upscale: false,
            rounding: Rounding::Nearest,
        })],
        vec![Op::Fill(Fill {
            size: size(120, 120),
            gravity: Gravity::North,
            upscale: false,
        })],
        vec![Op::Blur(Blur { sigma: 3.0 })],
    ]
}

/// libvips' count of live objects is the process's: the tests here take turns.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    init().unwrap();
    TURN.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `render` and checks that libvips holds what it held before.
fn holds_nothing_after<T, E: std::fmt::Debug>(
    what: &str,
    render: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let before = held();
    let out = render();
    let after = held();
    assert_eq!(
        after.objects,
        before.objects,
        "{what} leaked: {after:?}, before {before:?} ({:?})",
        out.as_ref().err()
    );
    out
}

#[test]
fn renders_release_what_they_held_whether_they_succeed_or_fail() {
    let _turn = turn();
    let whole = fixture("picsum/file/1.jpg");
    for ops in steps() {
        for format in [
            Format::Jpeg,
            Format::Png,
            Format::Webp,
            Format::Gif,
            Format::Bmp,
        ] {
            let p = pipeline(ops.clone(), format);
            let what = format!("{p:?}");
            assert!(holds_nothing_after(&what, || process(&whole, &p, LIMITS)).is_ok());
            assert!(holds_nothing_after(&what, || process(&cut(&whole), &p, LIMITS)).is_err());
        }
    }
    let small = pipeline(steps().swap_remove(2), Format::Avif);
    assert!(holds_nothing_after("avif", || process(&whole, &small, LIMITS)).is_ok());
    assert!(holds_nothing_after("avif", || process(&cut(&whole), &small, LIMITS)).is_err());
}

#[test]
fn animations_release_what_they_held() {
    let _turn = turn();
    let gif = fixture("transform/animated.gif");
    for format in [Format::Gif, Format::Webp] {
        let p = pipeline(steps().swap_remove(1), format);
        assert!(holds_nothing_after("animation", || process(&gif, &p, LIMITS)).is_ok());
        let _ = holds_nothing_after("cut animation", || process(&cut(&gif), &p, LIMITS));
    }
}

#[test]
fn overlays_cut_short_release_what_they_held() {
    let _turn = turn();
    let (base, mark) = (
        fixture("transform/quadrants.jpg"),
        fixture("picsum/file/1.jpg"),
    );
    let flat = Op::Flat(Flat {
        layers: vec!["a.jpg".into(), "a.jpg".into()],
        placement: Placement::Corner {
            corner: Gravity::SouthEast,
            size: Some((64, 64)),
        },
    });
    for format in [Format::Jpeg, Format::Webp] {
        let p = pipeline(vec![flat.clone()], format);
        for (base, mark) in [
            (&base, cut(&mark)),
            (&cut(&base), mark.clone()),
            (&base, mark.clone()),
        ] {
            let layers: Layers = [("a.jpg".to_owned(), Bytes::from(mark))]
                .into_iter()
                .collect();
            let _ = holds_nothing_after("overlay", || process_layered(base, &p, LIMITS, &layers));
        }
    }
}

#[test]
fn picsum_renders_and_budget_refusals_release_what_they_held() {
    let _turn = turn();
    let whole = fixture("picsum/file/1.jpg");
    for format in [Format::Jpeg, Format::Webp] {
        for blur in [None, Some(4.0)] {
            let task = PicsumTask {
                width: 400,
                height: 300,
                blur,
                grayscale: blur.is_some(),
                comment: None,
                format,
            };
            assert!(holds_nothing_after("picsum", || render_picsum(&whole, &task, LIMITS)).is_ok());
            assert!(
                holds_nothing_after("picsum cut", || render_picsum(&cut(&whole), &task, LIMITS))
                    .is_err()
            );
        }
    }
    let tight = Limits {
        max_work_pixels: 30_000_000,
        ..LIMITS
    };
    let blurred = pipeline(steps().swap_remove(3), Format::Webp);
    assert!(holds_nothing_after("over budget", || process(&whole, &blurred, tight)).is_err());
    let busy = Limits {
        max_inflight_pixels: 1_000_000,
        ..LIMITS
    };
    assert!(holds_nothing_after("busy", || process(&whole, &blurred, busy)).is_err());
}
