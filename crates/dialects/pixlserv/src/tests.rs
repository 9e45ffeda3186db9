//! Table-driven tests of pixlserv's grammar, from the reference (`pixlserv-picfit.md` §2).

use picsum_imaging::model::{
    Crop, Fill, Fit, Format, Gravity, Grayscale, Op, Resize, Rounding, Size,
};

use crate::parse::{Request, Route, parse};
use crate::presets::Preset;

fn route(path: &str) -> Route {
    Route::parse(path).unwrap_or_else(|| panic!("{path} does not route"))
}

static SQUARE: std::sync::LazyLock<Preset> = std::sync::LazyLock::new(|| Preset {
    params: "w_200,h_200,c_p".into(),
    ..Preset::default()
});

static MARKED: std::sync::LazyLock<Preset> = std::sync::LazyLock::new(|| Preset {
    params: "w_100,h_50,f_grayscale".into(),
    eager: false,
    watermark: Some(crate::presets::WatermarkSpec {
        source: "marks/logo.png".into(),
        gravity: Gravity::SouthEast,
        offset: (5, 3),
    }),
    text: vec![crate::presets::TextSpec {
        content: "hi".into(),
        gravity: Gravity::North,
        offset: (0, 4),
        colour: [255, 255, 255, 255],
        font: None,
        size: 12,
    }],
});

fn presets(name: &str) -> Option<&'static Preset> {
    match name {
        "square" => Some(&SQUARE),
        "marked" => Some(&MARKED),
        _ => None,
    }
}

#[test]
fn presets_bring_their_overlays_scaled_for_retina() {
    use picsum_imaging::model::{Text, Watermark};
    let one = ok("/image/t_marked/a.jpg");
    let two = ok("/image/t_marked/a@2x.jpg");
    let ops = |r: &Request| r.pipeline.ops.iter().map(|o| o.name()).collect::<Vec<_>>();
    assert_eq!(ops(&one), ["resize", "watermark", "text", "grayscale"]);
    let Some(Op::Watermark(Watermark {
        retina: None,
        scale: 1,
        offset: (5, 3),
        ..
    })) = one.pipeline.ops.get(1)
    else {
        panic!("{:?}", one.pipeline.ops);
    };
    let Some(Op::Watermark(wm)) = two.pipeline.ops.get(1) else {
        panic!("{:?}", two.pipeline.ops);
    };
    assert_eq!(
        (wm.retina.as_deref(), wm.scale, wm.offset),
        (Some("marks/logo@2x.png"), 2, (10, 6))
    );
    let Some(Op::Text(Text {
        size: 24,
        offset: (0, 8),
        ..
    })) = two.pipeline.ops.get(2)
    else {
        panic!("{:?}", two.pipeline.ops);
    };
    assert_ne!(one.pipeline.canonical(), two.pipeline.canonical());
}

fn ok(path: &str) -> Request {
    parse(&route(path), presets).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn size(w: u32, h: u32) -> Size {
    Size {
        width: (w > 0).then_some(w),
        height: (h > 0).then_some(h),
    }
}

#[test]
fn routes() {
    assert_eq!(
        route("/image/w_400/cat.jpg"),
        Route {
            api_key: None,
            params: "w_400".into(),
            path: "cat.jpg".into()
        }
    );
    assert_eq!(
        route("/ABC123/image/w_1/a/b.png").api_key.as_deref(),
        Some("ABC123")
    );
    // Lowercase keys work (pixlserv's own route refuses the keys its CLI makes).
    assert_eq!(
        route("/0f3a9c/image/w_1/a.png").api_key.as_deref(),
        Some("0f3a9c")
    );
    assert_eq!(route("/image/w_1/a/b.png").path, "a/b.png");
    for bad in [
        "/image/w_1",
        "/image//a.jpg",
        "/a-b/image/w_1/a.jpg",
        "/x/y/image/w_1/a.jpg",
        "/images/w_1/a.jpg",
    ] {
        assert!(Route::parse(bad).is_none(), "{bad}");
    }
}

#[test]
fn crop_modes_gravity_filters_and_scale() {
    let cases: Vec<(&str, Vec<Op>, &str)> = vec![
        (
            "/image/w_400,h_300/cat.jpg",
            vec![Op::Resize(Resize {
                size: size(400, 300),
                upscale: true,
                rounding: Rounding::Generous,
            })],
            "c_e,g_nw,h_300,w_400,f_none,s_1",
        ),
        (
            "/image/w_100/cat.jpg",
            vec![Op::Resize(Resize {
                size: size(100, 0),
                upscale: true,
                rounding: Rounding::Generous,
            })],
            "c_e,g_nw,h_0,w_100,f_none,s_1",
        ),
        (
            "/image/w_400,h_300,c_a/cat.jpg",
            vec![Op::Fit(Fit {
                size: size(400, 300),
                upscale: true,
                rounding: Rounding::Generous,
            })],
            "c_a,g_nw,h_300,w_400,f_none,s_1",
        ),
        (
            "/image/w_400,h_300,c_p,g_SE/cat.jpg",
            vec![Op::Fill(Fill {
                size: size(400, 300),
                gravity: Gravity::SouthEast,
                upscale: true,
            })],
            "c_p,g_se,h_300,w_400,f_none,s_1",
        ),
        (
            "/image/w_400,h_300,c_p/cat.jpg",
            vec![Op::Fill(Fill {
                size: size(400, 300),
                gravity: Gravity::NorthWest,
                upscale: true,
            })],
            "c_p,g_nw,h_300,w_400,f_none,s_1",
        ),
        (
            "/image/w_40,h_30,c_k,g_c/cat.jpg",
            vec![Op::Crop(Crop {
                size: size(40, 30),
                gravity: Gravity::Centre,
            })],
            "c_k,g_c,h_30,w_40,f_none,s_1",
        ),
        (
            "/image/w_40,f_grayscale/cat.jpg",
            vec![
                Op::Resize(Resize {
                    size: size(40, 0),
                    upscale: true,
                    rounding: Rounding::Generous,
                }),
                Op::Grayscale(Grayscale),
            ],
            "c_e,g_nw,h_0,w_40,f_grayscale,s_1",
        ),
        (
            "/image/w_40,h_30/cat@2x.jpg",
            vec![Op::Resize(Resize {
                size: size(80, 60),
                upscale: true,
                rounding: Rounding::Generous,
            })],
            "c_e,g_nw,h_30,w_40,f_none,s_2",
        ),
        (
            "/image/w_40,h_30,c_k/cat@3x.jpg",
            vec![Op::Crop(Crop {
                size: size(40, 30),
                gravity: Gravity::NorthWest,
            })],
            "c_k,g_nw,h_30,w_40,f_none,s_3",
        ),
        // Duplicates: the last wins; unknown keys are ignored.
        (
            "/image/w_10,w_20,x_1/cat.jpg",
            vec![Op::Resize(Resize {
                size: size(20, 0),
                upscale: true,
                rounding: Rounding::Generous,
            })],
            "c_e,g_nw,h_0,w_20,f_none,s_1",
        ),
        (
            "/image/t_square/cat.jpg",
            vec![Op::Fill(Fill {
                size: size(200, 200),
                gravity: Gravity::NorthWest,
                upscale: true,
            })],
            "c_p,g_nw,h_200,w_200,f_none,s_1",
        ),
    ];
    for (path, ops, canonical) in cases {
        let req = ok(path);
        assert_eq!(req.pipeline.ops, ops, "{path}");
        assert_eq!(req.canonical, canonical, "{path}");
        assert_eq!(req.path, "cat.jpg", "{path}");
        assert_eq!(req.pipeline.output.format, Some(Format::Jpeg));
    }
    assert_eq!(
        ok("/image/w_1/a.png").pipeline.output.format,
        Some(Format::Png)
    );
    assert_eq!(
        ok("/image/w_1/a.gif").pipeline.output.format,
        Some(Format::Jpeg)
    );
}

#[test]
fn errors_carry_pixlserv_messages() {
    let cases = [
        (
            "/image/w_abc/a.jpg",
            "could not parse value for parameter: \"w\"",
        ),
        (
            "/image/h_x/a.jpg",
            "could not parse value for parameter: \"h\"",
        ),
        ("/image/w_0/a.jpg", "value 0 must be > 0: \"w\""),
        ("/image/h_-5/a.jpg", "value -5 must be > 0: \"h\""),
        (
            "/image/w_1,c_ab/a.jpg",
            "value \"c\" must have only 1 character",
        ),
        ("/image/w_1,c_z/a.jpg", "invalid value for \"c\""),
        (
            "/image/w_1,g_abc/a.jpg",
            "value \"g\" must have at most 2 characters",
        ),
        ("/image/w_1,g_zz/a.jpg", "invalid value for \"g\""),
        ("/image/w_1,f_sepia/a.jpg", "invalid value for \"f\""),
        ("/image/c_e/a.jpg", "both width and height can't be 0"),
        ("/image/w100/a.jpg", "could not parse parameter: \"w100\""),
        ("/image/t_nope/a.jpg", "Unknown transformation: nope"),
        ("/image/w_1/a@0x.jpg", "scale @0x must be 1 to 4"),
        (
            "/image/w_99999/a.jpg",
            "value 99999 must be <= 16384: \"w\"",
        ),
        ("/image/w_10000/a@2x.jpg", "scaled size must be <= 16384"),
        ("/image/w_1/../secret.jpg", "invalid path: ../secret.jpg"),
    ];
    for (path, message) in cases {
        let e = parse(&route(path), presets).expect_err(path);
        assert_eq!(e.to_string(), message, "{path}");
    }
}
