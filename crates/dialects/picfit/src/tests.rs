//! Table-driven tests of picfit's grammar, from the reference (`pixlserv-picfit.md` §3, §4).

use picsum_imaging::model::{
    Axis, Blur, Crop, Fill, Fit, Flip, Format, Gravity, Grayscale, Op, Output, Pad, Placement,
    Resize, Rotate, Rounding, Size, Turn,
};

use crate::error::PicfitError;
use crate::parse::{Method, Request, Settings, Source, parse};

const OPEN: Settings<'static> = Settings {
    secret: None,
    quality: 95,
    allowed_sizes: &[],
};

fn ok(tail: &str, qs: &str) -> Request {
    parse(Method::Display, tail, qs, OPEN).unwrap_or_else(|e| panic!("{tail}?{qs}: {e}"))
}

fn err(tail: &str, qs: &str, settings: Settings<'_>) -> PicfitError {
    parse(Method::Display, tail, qs, settings).expect_err(qs)
}

fn size(w: u32, h: u32) -> Size {
    Size {
        width: (w > 0).then_some(w),
        height: (h > 0).then_some(h),
    }
}

#[test]
fn operations_map_onto_the_model() {
    let cases: Vec<(&str, Vec<Op>)> = vec![
        (
            "op=resize&w=100&h=50",
            vec![Op::Resize(Resize {
                size: size(100, 50),
                upscale: true,
                rounding: Rounding::Nearest,
            })],
        ),
        (
            "op=resize&w=100&upscale=false",
            vec![Op::Resize(Resize {
                size: size(100, 0),
                upscale: false,
                rounding: Rounding::Nearest,
            })],
        ),
        (
            "op=thumbnail&w=100&h=100",
            vec![Op::Fill(Fill {
                size: size(100, 100),
                gravity: Gravity::Centre,
                upscale: true,
            })],
        ),
        (
            "op=thumbnail&w=100&h=100&gravity=smart",
            vec![Op::Fill(Fill {
                size: size(100, 100),
                gravity: Gravity::Attention,
                upscale: true,
            })],
        ),
        (
            "op=fit&w=100&h=100",
            vec![Op::Fit(Fit {
                size: size(100, 100),
                upscale: false,
                rounding: Rounding::Down,
            })],
        ),
        (
            "op=pad&w=100&h=100&color=ff000080",
            vec![Op::Pad(Pad {
                size: size(100, 100),
                background: [255, 0, 0, 128],
                gravity: Gravity::Centre,
                upscale: false,
            })],
        ),
        (
            "op=crop&w=10&h=20&gravity=se",
            vec![Op::Crop(Crop {
                size: size(10, 20),
                gravity: Gravity::SouthEast,
            })],
        ),
        ("op=rotate", vec![Op::Rotate(Rotate(Turn::Cw270))]),
        ("op=rotate&deg=90", vec![Op::Rotate(Rotate(Turn::Cw270))]),
        ("op=rotate&deg=180", vec![Op::Rotate(Rotate(Turn::Cw180))]),
        ("op=rotate&deg=270", vec![Op::Rotate(Rotate(Turn::Cw90))]),
        ("op=flip&pos=h", vec![Op::Flip(Flip(Axis::Horizontal))]),
        ("op=flip&pos=v", vec![Op::Flip(Flip(Axis::Vertical))]),
        (
            "op=effect&filter=blur&w=200&h=100",
            vec![Op::Blur(Blur { sigma: 10.0 })],
        ),
        (
            "op=effect&filter=blur&w=5000",
            vec![Op::Blur(Blur { sigma: 50.0 })],
        ),
        ("op=effect&filter=grayscale", vec![Op::Grayscale(Grayscale)]),
        ("op=noop", vec![]),
        // Sub-operations use only their own parameters.
        (
            "op=resize&op=op:rotate+deg:180&w=100&h=50",
            vec![
                Op::Resize(Resize {
                    size: size(100, 50),
                    upscale: true,
                    rounding: Rounding::Nearest,
                }),
                Op::Rotate(Rotate(Turn::Cw180)),
            ],
        ),
        (
            "op=op:resize+w:40&w=100&h=50",
            vec![Op::Resize(Resize {
                size: size(40, 0),
                upscale: true,
                rounding: Rounding::Nearest,
            })],
        ),
    ];
    for (qs, want) in cases {
        let req = ok("", &format!("path=a.jpg&{qs}"));
        assert_eq!(req.pipeline.ops, want, "{qs}");
        assert_eq!(req.source, Source::Path("a.jpg".into()));
    }
}

#[test]
fn output_settings() {
    let req = ok("", "path=a.png&op=resize&w=10");
    assert_eq!(
        req.pipeline.output,
        Output {
            format: None,
            quality: Some(95)
        }
    );
    for (fmt, want) in [
        ("jpg", Format::Jpeg),
        ("jpeg", Format::Jpeg),
        ("png", Format::Png),
        ("gif", Format::Gif),
        ("bmp", Format::Bmp),
        ("webp", Format::Webp),
        ("avif", Format::Avif),
    ] {
        let req = ok("", &format!("path=a.png&op=resize&w=10&fmt={fmt}&q=40"));
        assert_eq!(
            req.pipeline.output,
            Output {
                format: Some(want),
                quality: Some(40)
            },
            "{fmt}"
        );
    }
    assert!(ok("", "path=a.png&op=noop").passthrough);
    assert!(!ok("", "path=a.png&op=noop&fmt=webp").passthrough);
    assert!(ok("", "path=a.png&op=noop&force=1").force);
}

#[test]
fn path_form_and_merging() {
    let req = ok("/resize/100x100/path/to/file.png", "");
    assert_eq!(req.source, Source::Path("path/to/file.png".into()));
    assert_eq!(
        req.pipeline.ops,
        vec![Op::Resize(Resize {
            size: size(100, 100),
            upscale: true,
            rounding: Rounding::Nearest
        })]
    );
    let req = ok("/resize/100x/file.png", "");
    assert_eq!(
        req.pipeline.ops,
        vec![Op::Resize(Resize {
            size: size(100, 0),
            upscale: true,
            rounding: Rounding::Nearest
        })]
    );
    // The query overrides the path's values; the path's op comes first.
    let req = ok("/resize/100x100/file.png", "w=30&op=op:flip+pos:h");
    assert_eq!(
        req.pipeline.ops,
        vec![
            Op::Resize(Resize {
                size: size(30, 100),
                upscale: true,
                rounding: Rounding::Nearest
            }),
            Op::Flip(Flip(Axis::Horizontal)),
        ]
    );
}

#[test]
fn store_key_matches_picfit() {
    // md5 of {"h":"100","op":"resize","path":"avatar.png","w":"100"}.
    let req = ok(
        "",
        "w=100&h=100&op=resize&path=avatar.png&sig=ignored&force=1",
    );
    assert_eq!(req.key, "895b545d9dca01413aec42d6ae3c6197");
    assert_eq!(ok("/resize/100x100/avatar.png", "").key, req.key);
    assert_ne!(ok("", "w=100&h=101&op=resize&path=avatar.png").key, req.key);
}

#[test]
fn bad_input_is_a_clear_4xx() {
    let invalid = |e: PicfitError| matches!(e, PicfitError::InvalidParameter(_));
    assert_eq!(err("", "", OPEN), PicfitError::NoParameters);
    assert_eq!(err("", "w=10&op=resize", OPEN), PicfitError::NoParameters);
    assert_eq!(err("", "path=a.jpg", OPEN), PicfitError::NoOperation);
    assert_eq!(
        err("", "path=a.jpg&op=explode", OPEN),
        PicfitError::InvalidOperation("explode".into())
    );
    assert_eq!(
        err("", "url=ftp://x/a.jpg&op=resize&w=1", OPEN),
        PicfitError::InvalidUrl("ftp://x/a.jpg".into())
    );
    for qs in [
        "op=resize&w=abc",
        "op=resize&w=-1",
        "op=resize&w=99999",
        "op=resize&w=10&upscale=maybe",
        "op=resize&w=10&fmt=tiff",
        "op=resize&w=10&q=101",
        "op=resize&w=10&q=0",
        "op=rotate&deg=45",
        "op=flip",
        "op=flip&pos=x",
        "op=effect&filter=sharpen",
        "op=effect&filter=blur",
        "op=thumbnail&w=100",
        "op=fit",
        "op=pad&w=10&h=10&color=red",
        "op=crop&w=10&h=10&gravity=up",
    ] {
        assert!(invalid(err("", &format!("path=a.jpg&{qs}"), OPEN)), "{qs}");
    }
    for path in ["../etc/passwd", "a/../../b.jpg", "/", "a//b.jpg"] {
        assert!(
            invalid(err("", &format!("op=resize&w=1&path={path}"), OPEN)),
            "{path}"
        );
    }
}

#[test]
fn signatures_and_allowed_sizes() {
    let signed = Settings {
        secret: Some(b"dummy"),
        ..OPEN
    };
    let good = "h=100&op=resize&path=avatar.png&w=100&sig=9d29f6c55f13054b4dc1a2aeb04f8ee67bf4d78c";
    assert!(parse(Method::Display, "", good, signed).is_ok());
    assert!(parse(Method::Get, "", &format!("{good}&"), signed).is_ok());
    for bad in [
        good.replace("w=100", "w=101"),
        good.replace("sig=9", "sig=8"),
        "h=100&op=resize&path=avatar.png&w=100".to_owned(),
    ] {
        assert_eq!(err("", &bad, signed), PicfitError::BadSignature, "{bad}");
    }
    // The signature in the path form signs the path's parameters.
    let msg = "h=100&op=resize&path=avatar.png&w=100";
    let sig = picsum_signing::dialects::picfit_sign(b"dummy", msg);
    assert!(
        parse(
            Method::Display,
            &format!("/{sig}/resize/100x100/avatar.png"),
            "",
            signed
        )
        .is_ok()
    );

    let sized = Settings {
        allowed_sizes: &[(100, 100), (480, 0)],
        ..OPEN
    };
    for qs in [
        "op=resize&w=100&h=100",
        "op=resize&w=480",
        "op=rotate&deg=90",
    ] {
        assert!(
            parse(Method::Display, "", &format!("path=a.jpg&{qs}"), sized).is_ok(),
            "{qs}"
        );
    }
    for qs in [
        "op=resize&w=200&h=100",
        "op=resize&w=100",
        // Sub-operations are checked too (picfit lets them through).
        "op=resize&w=100&h=100&op=op:resize+w:5000+h:5000",
    ] {
        assert_eq!(
            err("", &format!("path=a.jpg&{qs}"), sized),
            PicfitError::SizeNotAllowed,
            "{qs}"
        );
    }
}

#[test]
fn flat_composes_source_images() {
    let flat = |qs: &str| {
        let req = ok("", qs);
        match req.pipeline.ops.last() {
            Some(Op::Flat(flat)) => flat.clone(),
            other => panic!("{qs}: {other:?}"),
        }
    };
    // Two images side by side in a rectangle, filled; missing corner parts are 100.
    let f = flat(
        "path=bg.jpg&op=resize&w=400&h=200&op=op:flat+path:a.png+path:dir/b.png+pos:10.20+color:ff000080",
    );
    assert_eq!(f.layers, ["a.png", "dir/b.png"]);
    assert_eq!(
        f.placement,
        Placement::Rect {
            from: (10, 20),
            to: (100, 100),
            fill: [255, 0, 0, 128],
        }
    );
    // No pos: the whole image (picfit draws nothing), transparent.
    let f = flat("path=bg.jpg&op=op:flat+path:a.png");
    assert_eq!(
        f.placement,
        Placement::Rect {
            from: (0, 0),
            to: (100, 100),
            fill: [0; 4],
        }
    );
    // Pinned to a corner, at the sub-operation's size.
    let f = flat("path=bg.jpg&op=op:flat+path:a.png+stick:bottom-right+w:50+h:40");
    assert_eq!(
        f.placement,
        Placement::Corner {
            corner: Gravity::SouthEast,
            size: Some((50, 40)),
        }
    );
    let many = format!("path=bg.jpg&op=op:flat{}", "+path:a.png".repeat(17));
    assert!(matches!(
        err("", &many, OPEN),
        PicfitError::InvalidParameter(_)
    ));
    for bad in [
        "path=bg.jpg&op=flat",
        "path=bg.jpg&op=op:flat",
        "path=bg.jpg&op=op:flat+path:../etc/passwd",
        "path=bg.jpg&op=op:flat+path:a.png+stick:middle",
        "path=bg.jpg&op=op:flat+path:a.png+pos:10.10.200.90",
        "path=bg.jpg&op=op:flat+path:a.png+pos:1.2.3.4.5",
        "path=bg.jpg&op=op:flat+path:a.png+pos:x",
        "path=bg.jpg&op=op:flat+path:a.png+color:red",
    ] {
        assert!(
            matches!(err("", bad, OPEN), PicfitError::InvalidParameter(_)),
            "{bad}"
        );
    }
    // Allowed sizes: a sized flat is checked, an unsized one is not.
    let strict = Settings {
        allowed_sizes: &[(100, 100)],
        ..OPEN
    };
    assert!(
        parse(
            Method::Display,
            "",
            "path=a.jpg&op=resize&w=100&h=100&op=op:flat+path:b.png",
            strict
        )
        .is_ok()
    );
    assert_eq!(
        err(
            "",
            "path=a.jpg&op=resize&w=100&h=100&op=op:flat+path:b.png+stick:top-left+w:30+h:30",
            strict
        ),
        PicfitError::SizeNotAllowed
    );
}
