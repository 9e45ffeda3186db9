//! Overlays drawn by `process_layered`: watermark placement and retina variants, text in
//! its colour, picfit's `flat` in a rectangle and at a corner. Outputs are decoded and
//! their pixels checked.
#![expect(clippy::unwrap_used, reason = "test code")]

use bytes::Bytes;
use picsum_imaging::model::{Flat, Layers, Placement, Text, Watermark};
use picsum_imaging::model::{Format, Gravity, Op, Output, Pipeline};
use picsum_imaging::{ImagingError, Limits, init, process_layered};
use rs_vips::VipsImage;
use rs_vips::voption::{Setter, VOption};

const LIMITS: Limits = Limits {
    max_source_pixels: 50_000_000,
    max_output_pixels: 50_000_000,
    max_work_pixels: u64::MAX,
    max_inflight_pixels: u64::MAX,
};

/// A solid PNG of `bands` bands (1: grey, 3: RGB, 4: RGBA).
fn solid(w: i32, h: i32, colour: &[f64]) -> Bytes {
    let bands = i32::try_from(colour.len()).unwrap();
    let zeros = vec![0.0; colour.len()];
    let image = VipsImage::black_with_opts(w, h, VOption::new().set("bands", bands))
        .unwrap()
        .linear(&zeros, colour)
        .unwrap()
        .cast(rs_vips::enums::BandFormat::Uchar)
        .unwrap();
    let interpretation = if bands >= 3 {
        rs_vips::enums::Interpretation::Srgb
    } else {
        rs_vips::enums::Interpretation::BW
    };
    let image = image
        .copy_with_opts(VOption::new().set("interpretation", interpretation as i32))
        .unwrap();
    Bytes::from(image.pngsave_buffer().unwrap())
}

/// A decoded 8-bit image.
#[derive(Debug)]
struct Raster {
    width: i32,
    height: i32,
    bands: i32,
    data: Vec<u8>,
}

fn run(base: &Bytes, ops: Vec<Op>, layers: &Layers) -> Result<Raster, ImagingError> {
    let pipeline = Pipeline {
        ops,
        output: Output {
            format: Some(Format::Png),
            quality: None,
        },
    };
    let out = process_layered(base, &pipeline, LIMITS, layers)?;
    assert_eq!(Format::sniff(&out.bytes), Some(Format::Png));
    let image = VipsImage::new_from_buffer(&out.bytes, "").unwrap();
    Ok(Raster {
        width: image.get_width(),
        height: image.get_height(),
        bands: image.get_bands(),
        data: image.write_to_memory(),
    })
}

fn px(image: &Raster, x: i32, y: i32) -> Vec<u8> {
    let at = usize::try_from((y * image.width + x) * image.bands).unwrap();
    let bands = usize::try_from(image.bands).unwrap();
    image.data.get(at..at + bands).unwrap().to_vec()
}

const WHITE: [u8; 3] = [255, 255, 255];
const RED: [u8; 3] = [255, 0, 0];
const GREEN: [u8; 3] = [0, 255, 0];
const BLUE: [u8; 3] = [0, 0, 255];

fn layers(entries: &[(&str, Bytes)]) -> Layers {
    entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn mark(gravity: Gravity, offset: (u32, u32), scale: u32, retina: Option<&str>) -> Op {
    Op::Watermark(Watermark {
        source: "logo.png".into(),
        retina: retina.map(str::to_owned),
        scale,
        gravity,
        offset,
    })
}

#[test]
fn watermarks_sit_at_their_gravity_and_use_retina_variants() {
    init().unwrap();
    let base = solid(200, 100, &[255.0, 255.0, 255.0]);
    let set = layers(&[
        ("logo.png", solid(20, 10, &[255.0, 0.0, 0.0])),
        ("logo@2x.png", solid(40, 20, &[0.0, 255.0, 0.0])),
    ]);
    // South-east, 5 px from the right, 3 px from the bottom: x 175..195, y 87..97.
    let out = run(&base, vec![mark(Gravity::SouthEast, (5, 3), 1, None)], &set).unwrap();
    assert_eq!((out.width, out.height, out.bands), (200, 100, 3));
    assert_eq!(px(&out, 175, 87), RED);
    assert_eq!(px(&out, 194, 96), RED);
    assert_eq!(px(&out, 174, 87), WHITE);
    assert_eq!(px(&out, 195, 96), WHITE);
    assert_eq!(px(&out, 194, 97), WHITE);
    // North-west with offsets; centre ignores them.
    let out = run(&base, vec![mark(Gravity::NorthWest, (7, 4), 1, None)], &set).unwrap();
    assert_eq!(px(&out, 7, 4), RED);
    assert_eq!(px(&out, 6, 4), WHITE);
    let out = run(&base, vec![mark(Gravity::Centre, (7, 4), 1, None)], &set).unwrap();
    assert_eq!(px(&out, 90, 45), RED);
    assert_eq!(px(&out, 89, 45), WHITE);
    // @2x: the retina variant when it was loaded, else the image enlarged.
    let retina = Some("logo@2x.png");
    let out = run(
        &base,
        vec![mark(Gravity::NorthWest, (0, 0), 2, retina)],
        &set,
    )
    .unwrap();
    assert_eq!(px(&out, 39, 19), GREEN);
    assert_eq!(px(&out, 40, 19), WHITE);
    let only = layers(&[("logo.png", solid(20, 10, &[255.0, 0.0, 0.0]))]);
    let out = run(
        &base,
        vec![mark(Gravity::NorthWest, (0, 0), 2, retina)],
        &only,
    )
    .unwrap();
    assert_eq!(px(&out, 38, 18), RED);
    assert_eq!(px(&out, 41, 21), WHITE);
    // Larger than the image, or pushed outside it: clipped, never an error.
    let huge = layers(&[("logo.png", solid(500, 300, &[0.0, 0.0, 255.0]))]);
    let out = run(&base, vec![mark(Gravity::Centre, (0, 0), 1, None)], &huge).unwrap();
    assert_eq!(px(&out, 0, 0), BLUE);
    assert_eq!(px(&out, 199, 99), BLUE);
    let out = run(
        &base,
        vec![mark(Gravity::NorthWest, (900, 900), 1, None)],
        &set,
    )
    .unwrap();
    assert_eq!(px(&out, 199, 99), WHITE);
    // A grey image gets a colour watermark; a missing layer is the caller's fault.
    let grey = solid(60, 40, &[128.0]);
    let out = run(&grey, vec![mark(Gravity::NorthWest, (0, 0), 1, None)], &set).unwrap();
    assert_eq!(px(&out, 0, 0), RED);
    assert_eq!(px(&out, 30, 30), [128, 128, 128]);
    // A 16-bit image is drawn on in 8-bit sRGB, not darkened.
    let deep = VipsImage::black_with_opts(60, 40, VOption::new().set("bands", 3))
        .unwrap()
        .linear(&[0.0; 3], &[65535.0, 65535.0, 65535.0])
        .unwrap()
        .cast(rs_vips::enums::BandFormat::Ushort)
        .unwrap()
        .copy_with_opts(VOption::new().set(
            "interpretation",
            rs_vips::enums::Interpretation::Rgb16 as i32,
        ))
        .unwrap();
    let deep = Bytes::from(deep.pngsave_buffer().unwrap());
    let out = run(&deep, vec![mark(Gravity::NorthWest, (0, 0), 1, None)], &set).unwrap();
    assert_eq!(px(&out, 0, 0), RED);
    assert_eq!(px(&out, 30, 30), WHITE);
    assert!(matches!(
        run(&base, vec![mark(Gravity::NorthWest, (0, 0), 1, None)], &Layers::new()),
        Err(ImagingError::MissingLayer(k)) if k == "logo.png"
    ));
}

#[test]
fn transparent_watermarks_blend() {
    init().unwrap();
    let base = solid(50, 50, &[0.0, 0.0, 255.0]);
    let set = layers(&[("logo.png", solid(10, 10, &[255.0, 0.0, 0.0, 128.0]))]);
    let out = run(&base, vec![mark(Gravity::NorthWest, (0, 0), 1, None)], &set).unwrap();
    let p = px(&out, 5, 5);
    assert!(
        p[0] > 100 && p[0] < 160 && p[2] > 100 && p[2] < 160,
        "{p:?}"
    );
}

/// Bounding box of the pixels that differ from `background`.
fn ink_box(image: &Raster, background: &[u8]) -> Option<(i32, i32, i32, i32)> {
    let mut found: Option<(i32, i32, i32, i32)> = None;
    for y in 0..image.height {
        for x in 0..image.width {
            if px(image, x, y).as_slice() != background {
                let b = found.get_or_insert((x, y, x, y));
                *b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
            }
        }
    }
    found
}

#[test]
fn text_is_drawn_in_its_colour_at_its_gravity() {
    init().unwrap();
    let base = solid(240, 80, &[0.0, 0.0, 0.0]);
    let text = |content: &str, size: u32, colour: [u8; 4], gravity: Gravity| {
        Op::Text(Text {
            content: content.into(),
            font: None,
            colour,
            size,
            gravity,
            offset: (10, 5),
        })
    };
    let none = Layers::new();
    let small = run(
        &base,
        vec![text("Hello", 12, [255, 0, 0, 255], Gravity::NorthEast)],
        &none,
    )
    .unwrap();
    let (x0, y0, x1, y1) = ink_box(&small, &[0, 0, 0]).expect("text drawn");
    // Top right, 10 px from the right edge and 5 from the top, about 12 px tall.
    assert!((220..=229).contains(&x1), "right edge {x1}");
    assert!((5..=10).contains(&y0), "top {y0}");
    assert!((6..=16).contains(&(y1 - y0)), "height {}", y1 - y0);
    assert!(x0 > 180, "left {x0}");
    // Only red ink.
    for y in y0..=y1 {
        for x in x0..=x1 {
            let p = px(&small, x, y);
            assert!(p[1] == 0 && p[2] == 0, "{p:?} at {x},{y}");
        }
    }
    // Twice the size: about twice as wide; markup characters are drawn, not parsed.
    let big = run(
        &base,
        vec![text("Hello", 24, [255, 255, 255, 255], Gravity::SouthWest)],
        &none,
    )
    .unwrap();
    let (bx0, _, bx1, by1) = ink_box(&big, &[0, 0, 0]).unwrap();
    let ratio = f64::from(bx1 - bx0) / f64::from(x1 - x0);
    assert!((1.7..2.3).contains(&ratio), "width ratio {ratio}");
    assert!((10..=14).contains(&bx0) && by1 <= 75, "{bx0} {by1}");
    assert!(
        run(
            &base,
            vec![text("<b>a & b</b>", 12, [255; 4], Gravity::Centre)],
            &none
        )
        .is_ok()
    );
    // Text that would lay out larger than any output is refused before it is drawn.
    let long = "x".repeat(1000);
    assert!(matches!(
        run(
            &base,
            vec![text(&long, 1000, [255; 4], Gravity::Centre)],
            &none
        ),
        Err(ImagingError::OutputTooLarge { .. })
    ));
    // A font file that is not a font is refused, as a server fault.
    let err = run(
        &base,
        vec![Op::Text(Text {
            content: "x".into(),
            font: Some("/nonexistent.ttf".into()),
            colour: [255; 4],
            size: 12,
            gravity: Gravity::Centre,
            offset: (0, 0),
        })],
        &none,
    )
    .unwrap_err();
    assert!(matches!(err, ImagingError::Font(_)) && !err.is_client_error());
}

#[test]
fn flat_fills_a_rectangle_and_fits_images_into_cells() {
    init().unwrap();
    let base = solid(200, 100, &[255.0, 255.0, 255.0]);
    let set = layers(&[
        ("a.png", solid(50, 50, &[255.0, 0.0, 0.0])),
        ("b.png", solid(50, 50, &[0.0, 0.0, 255.0])),
    ]);
    let flat = |placement| {
        Op::Flat(Flat {
            layers: vec!["a.png".into(), "b.png".into()],
            placement,
        })
    };
    // The whole image, wider than tall: two 100x100 cells side by side, each image (not
    // enlarged) centred in its cell; the rest filled green.
    let out = run(
        &base,
        vec![flat(Placement::Rect {
            from: (0, 0),
            to: (100, 100),
            fill: [0, 255, 0, 255],
        })],
        &set,
    )
    .unwrap();
    assert_eq!(px(&out, 25, 25), RED);
    assert_eq!(px(&out, 74, 74), RED);
    assert_eq!(px(&out, 125, 25), BLUE);
    assert_eq!(px(&out, 24, 24), GREEN);
    assert_eq!(px(&out, 199, 99), GREEN);
    // A tall rectangle on the right half stacks the cells; images shrink to fit 40x25.
    let out = run(
        &base,
        vec![flat(Placement::Rect {
            from: (80, 50),
            to: (100, 100),
            fill: [0; 4],
        })],
        &set,
    )
    .unwrap();
    assert_eq!(px(&out, 100, 10), WHITE);
    assert_eq!(px(&out, 180, 60), RED);
    assert_eq!(px(&out, 180, 85), BLUE);
    assert_eq!(px(&out, 162, 60), WHITE);
    // Pinned to a corner at a given size.
    let out = run(
        &base,
        vec![flat(Placement::Corner {
            corner: Gravity::SouthEast,
            size: Some((30, 20)),
        })],
        &set,
    )
    .unwrap();
    assert_eq!(px(&out, 170, 80), BLUE);
    assert_eq!(px(&out, 169, 79), WHITE);
    // An empty rectangle draws nothing.
    let out = run(
        &base,
        vec![flat(Placement::Rect {
            from: (0, 100),
            to: (100, 100),
            fill: [0, 255, 0, 255],
        })],
        &set,
    )
    .unwrap();
    assert_eq!(ink_box(&out, &WHITE), None);
}
