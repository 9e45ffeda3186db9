//! Golden tests. Lorem Picsum's flavour reproduces every image fixture of Lorem Picsum byte
//! for byte on libvips 8.14 (the compatibility build, `scripts/libvips.sh compat`), and
//! within a small tolerance of their pixels elsewhere; the default build's fast flavour is
//! pinned by digests of its own and stays close to the same pixels. Hostile sources are
//! refused before or during decoding.
#![expect(clippy::unwrap_used, reason = "test code")]

use picsum_imaging::{
    Flavour, ImagingError, Limits, PicsumTask, init, probe, render_picsum, render_picsum_as,
};
use picsum_url::format::Format;
use rs_vips::VipsImage;
use sha2::{Digest, Sha256};

fn fixture(rel: &str) -> Vec<u8> {
    let path = format!("{}/../../fixtures/picsum/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn task(
    w: u32,
    h: u32,
    blur: Option<f64>,
    grayscale: bool,
    comment: Option<&str>,
    format: Format,
) -> PicsumTask {
    PicsumTask {
        width: w,
        height: h,
        blur,
        grayscale,
        comment: comment.map(str::to_owned),
        format,
    }
}

/// Mean absolute difference per sample between two encoded images, after checking that they
/// decode to the same width, height and bands.
fn pixel_distance(got: &[u8], want: &[u8], name: &str) -> f64 {
    let (a, b) = (
        VipsImage::new_from_buffer(got, "").unwrap(),
        VipsImage::new_from_buffer(want, "").unwrap(),
    );
    let shape = |i: &VipsImage| (i.get_width(), i.get_height(), i.get_bands());
    assert_eq!(shape(&a), shape(&b), "{name}: decoded shape");
    a.subtract(&b).unwrap().abs().unwrap().avg().unwrap()
}

/// (source, width, height, blur, grayscale, comment, Lorem Picsum's file without extension)
type Case = (
    &'static str,
    u32,
    u32,
    Option<f64>,
    bool,
    Option<&'static str>,
    &'static str,
);

/// Every render Lorem Picsum's fixtures pin, each as JPEG and as WebP.
const CASES: [Case; 9] = [
    (
        "file/1_500.jpg",
        200,
        120,
        None,
        false,
        ID,
        "api/width_height_linux",
    ),
    (
        "file/1_500.jpg",
        200,
        200,
        Some(5.0),
        true,
        ID,
        "api/all_linux",
    ),
    (
        "file/1_500.jpg",
        200,
        200,
        Some(5.0),
        false,
        ID,
        "api/blur_linux",
    ),
    (
        "file/1_500.jpg",
        200,
        200,
        None,
        true,
        ID,
        "api/grayscale_linux",
    ),
    (
        "file/1_500.jpg",
        300,
        400,
        None,
        false,
        ID,
        "api/max_allowed_linux",
    ),
    (
        "file/1_500.jpg",
        500,
        500,
        Some(5.0),
        true,
        Some("testing"),
        "image/complete_result_linux",
    ),
    (
        "file/1.jpg",
        500,
        500,
        None,
        false,
        None,
        "vips/resize_result_linux",
    ),
    (
        "file/1.jpg",
        500,
        500,
        Some(5.0),
        false,
        Some("Test"),
        "vips/blur_result_linux",
    ),
    (
        "file/1.jpg",
        500,
        500,
        None,
        true,
        Some("Test"),
        "vips/grayscale_result_linux",
    ),
];
const ID: Option<&str> = Some("Picsum ID: 1");

/// Renders every case in `flavour`: (name, rendered, Lorem Picsum's bytes).
fn render_cases(flavour: Flavour) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for (src, w, h, blur, gray, comment, expected) in CASES {
        let source = fixture(src);
        for (format, ext) in [(Format::Jpeg, "jpg"), (Format::Webp, "webp")] {
            let t = task(w, h, blur, gray, comment, format);
            let got = render_picsum_as(flavour, &source, &t, Limits::default()).unwrap();
            let name = format!("{expected}.{ext}");
            let loader = probe(&got).unwrap().loader;
            let want_loader = if ext == "jpg" { "jpegload" } else { "webpload" };
            assert!(loader.starts_with(want_loader), "{name}: {loader}");
            out.push((name.clone(), got, fixture(&name)));
        }
    }
    assert_eq!(out.len(), 18);
    out
}

#[test]
fn lorem_flavour_reproduces_every_picsum_fixture() {
    init().unwrap();
    // Lorem Picsum's fixtures were made on libvips 8.14: there they must match byte for byte,
    // elsewhere decode to the same shape and nearly the same pixels.
    let pinned = picsum_imaging::version().starts_with("8.14");
    for (name, got, want) in render_cases(Flavour::Lorem) {
        if pinned {
            assert!(
                got == want,
                "{name}: {} bytes rendered, {} expected",
                got.len(),
                want.len()
            );
        } else {
            let distance = pixel_distance(&got, &want, &name);
            assert!(distance < 2.0, "{name}: mean difference {distance:.2}");
        }
    }
}

/// The default build's renders are pinned by their SHA-256 in `fixtures/golden/`, one file
/// per output tag: the same URL gives the same bytes from run to run and from release to
/// release until the tag changes. `PICSUM_WRITE_GOLDENS=1` rewrites the file (on the default
/// build only) instead of comparing. On any libvips, the fast renders stay close to Lorem
/// Picsum's pixels.
#[test]
fn fast_flavour_matches_its_pinned_digests() {
    init().unwrap();
    let rendered = render_cases(Flavour::Fast);
    for (name, got, want) in &rendered {
        let distance = pixel_distance(got, want, name);
        assert!(
            distance < 4.0,
            "{name}: mean difference {distance:.2} from Lorem Picsum's"
        );
    }
    let path = format!(
        "{}/../../fixtures/golden/{}.sha256",
        env!("CARGO_MANIFEST_DIR"),
        Flavour::Fast.output_tag()
    );
    let digests: String = rendered
        .iter()
        .map(|(name, got, _)| format!("{}  {name}\n", hex::encode(Sha256::digest(got))))
        .collect();
    if picsum_imaging::LIBVIPS_BUILD != "8.17.3" {
        return; // the digests are the default build's; the pixels were checked above
    }
    if std::env::var_os("PICSUM_WRITE_GOLDENS").is_some() {
        std::fs::write(&path, &digests).unwrap();
    }
    let pinned = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for (got, want) in digests.lines().zip(pinned.lines()) {
        assert_eq!(
            got, want,
            "a default-build render changed its bytes ({path})"
        );
    }
    assert_eq!(digests.lines().count(), pinned.lines().count(), "{path}");
}

#[test]
fn output_has_requested_size_and_bands() {
    init().unwrap();
    let source = fixture("file/1_500.jpg");
    let out = render_picsum(
        &source,
        &task(123, 77, None, true, Some("Picsum ID: 1"), Format::Jpeg),
        Limits::default(),
    )
    .unwrap();
    let p = probe(&out).unwrap();
    assert_eq!((p.width, p.height, p.pages), (123, 77, 1));
    assert_eq!(p.loader, "jpegload_buffer");
    let webp = render_picsum(
        &source,
        &task(64, 640, None, false, None, Format::Webp),
        Limits::default(),
    )
    .unwrap();
    assert_eq!(&webp[..4], b"RIFF");
    let p = probe(&webp).unwrap();
    assert_eq!((p.width, p.height), (64, 640));
}

#[test]
fn truncated_source_is_refused() {
    init().unwrap();
    let source = fixture("file/1.jpg");
    let half = &source[..source.len() / 2];
    let err = render_picsum(
        half,
        &task(200, 200, None, false, None, Format::Jpeg),
        Limits::default(),
    )
    .unwrap_err();
    assert!(matches!(err, ImagingError::Corrupt(_)), "{err:?}");
    assert!(err.is_client_error());
}

#[test]
fn garbage_and_untrusted_formats_are_refused() {
    init().unwrap();
    let t = task(10, 10, None, false, None, Format::Jpeg);
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes()[1])
        .collect();
    assert!(matches!(
        render_picsum(&garbage, &t, Limits::default()),
        Err(ImagingError::UnsupportedInput)
    ));
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#;
    assert!(matches!(
        render_picsum(svg, &t, Limits::default()),
        Err(ImagingError::UnsupportedInput)
    ));
    assert!(matches!(
        render_picsum(b"", &t, Limits::default()),
        Err(ImagingError::UnsupportedInput)
    ));
}

#[test]
fn pixel_limit_is_checked_from_the_header() {
    init().unwrap();
    let t = task(10, 10, None, false, None, Format::Jpeg);
    let small = Limits {
        max_source_pixels: 500 * 333 - 1,
        ..Limits::default()
    };
    assert!(matches!(
        render_picsum(&fixture("file/1_500.jpg"), &t, small),
        Err(ImagingError::SourceTooLarge {
            width: 500,
            height: 333,
            ..
        })
    ));

    // A decompression bomb: the 500x333 JPEG with its frame header claiming 60000x60000.
    let mut bomb = fixture("file/1_500.jpg");
    let sof = bomb
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline SOF0 marker");
    bomb[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    let err = render_picsum(&bomb, &t, Limits::default()).unwrap_err();
    assert!(
        matches!(
            err,
            ImagingError::SourceTooLarge {
                width: 60000,
                height: 60000,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_client_error());
}

#[test]
fn variants_fit_inside_without_upscaling() {
    init().unwrap();
    let source = fixture("file/1.jpg");
    let v = picsum_imaging::fit_within(&source, 500, Limits::default()).unwrap();
    let p = probe(&v).unwrap();
    assert_eq!(
        (p.width, p.height),
        (500, 333),
        "the fixture's own 1_500.jpg is 500x333"
    );
    let small = fixture("file/1_500.jpg");
    let v = picsum_imaging::fit_within(&small, 1000, Limits::default()).unwrap();
    assert_eq!(probe(&v).unwrap().width, 500, "never upscaled");
}
