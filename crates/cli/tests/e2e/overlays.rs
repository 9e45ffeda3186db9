//! Overlays against the real service: a YAML presets file with a watermark (and its `@2x`
//! variant) and text, eager presets rendered after an upload, and picfit's `flat`. The
//! answers are decoded and their pixels checked.

use reqwest::multipart::{Form, Part};

use super::*;

const MAGENTA: [u8; 3] = [255, 0, 255];

const PRESETS: &str = r##"
transformations:
  - name: marked
    parameters: w_200,h_100,c_p
    eager: Yes
    watermark: {source: marks/mark.png, gravity: se, x-pos: 10, y-pos: 5}
    text:
      - {content: "Picsum", gravity: nw, x-pos: 30, y-pos: 30, color: "#ffff00", size: 24}
  - name: plain
    parameters: w_200,h_100,c_p
  - name: broken
    parameters: w_50
    watermark: {source: marks/missing.png, gravity: c}
"##;

/// Value of a counter line in Prometheus text (0 when absent).
fn counter(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// RGB pixels of a decoded JPEG, for many lookups.
struct Pixels {
    width: usize,
    components: usize,
    data: Vec<u8>,
}

impl Pixels {
    fn new(jpeg: &[u8]) -> Self {
        let (width, _, components, _, data) = decode_jpeg(jpeg);
        Self {
            width: usize::from(width),
            components,
            data,
        }
    }

    fn at(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * self.components;
        if self.components == 1 {
            [self.data[i]; 3]
        } else {
            [self.data[i], self.data[i + 1], self.data[i + 2]]
        }
    }
}

/// Mean absolute difference of two same-sized images over a rectangle.
fn difference(a: &Pixels, b: &Pixels, (x0, y0, x1, y1): (usize, usize, usize, usize)) -> f64 {
    let mut sum = 0u64;
    let mut n = 0u64;
    for y in y0..y1 {
        for x in x0..x1 {
            sum += a
                .at(x, y)
                .iter()
                .zip(b.at(x, y))
                .map(|(p, q)| u64::from(p.abs_diff(q)))
                .sum::<u64>();
            n += 3;
        }
    }
    sum as f64 / n as f64
}

#[tokio::test]
async fn presets_draw_watermarks_and_text_and_eager_ones_render_on_upload() {
    let gallery = gallery("overlays");
    let photos = gallery.dir.join("photos");
    std::fs::create_dir_all(photos.join("marks")).unwrap();
    for name in ["mark.png", "mark@2x.png"] {
        std::fs::copy(
            fixture(&format!("../transform/{name}")),
            photos.join("marks").join(name),
        )
        .unwrap();
    }
    let presets = gallery.dir.join("presets.yaml");
    std::fs::write(&presets, PRESETS).unwrap();
    let images = gallery.image_service_with(
        2,
        16,
        vec![
            ("IMAGE_PRESETS_FILE", presets.display().to_string()),
            ("IMAGE_UPLOADS", "true".into()),
        ],
    );
    let http = client();
    let url = |path: &str| format!("{}{path}", images.base);

    // 1x: the green watermark 10 px from the right and 5 from the bottom (x 150..190,
    // y 75..95) over the blue half; the text at the top left.
    let (status, ct, marked) = get(&http, &url("/image/t_marked/quadrants.jpg")).await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    assert_eq!(dimensions(&ct, &marked), (200, 100));
    assert!(near(pixel(&marked, 170, 85), GREEN));
    assert!(near(pixel(&marked, 195, 85), BLUE));
    assert!(near(pixel(&marked, 170, 98), BLUE));
    let (_, _, plain) = get(&http, &url("/image/t_plain/quadrants.jpg")).await;
    let (marked, plain) = (Pixels::new(&marked), Pixels::new(&plain));
    let text = difference(&marked, &plain, (30, 30, 110, 54));
    let untouched = difference(&marked, &plain, (120, 10, 140, 60));
    assert!(
        text > 20.0 && untouched < 3.0,
        "text {text}, elsewhere {untouched}"
    );
    // Yellow ink over red: the greenest pixel of the text box is yellow-ish.
    let ink = (30..110)
        .flat_map(|x| (30..54).map(move |y| (x, y)))
        .map(|(x, y)| marked.at(x, y))
        .max_by_key(|p| p[1])
        .unwrap();
    assert!(near(ink, [255, 255, 0]), "{ink:?}");
    // @2x: twice the size, the magenta @2x watermark, offsets doubled (x 300..380, y 150..190).
    let (status, _, retina) = get(&http, &url("/image/t_marked/quadrants@2x.jpg")).await;
    assert_eq!(status, 200);
    assert_eq!(dimensions("image/jpeg", &retina), (400, 200));
    assert!(near(pixel(&retina, 340, 170), MAGENTA));
    assert!(near(pixel(&retina, 390, 170), BLUE));
    // A watermark missing from the storage is the configuration's fault.
    let (status, _, _) = get(&http, &url("/image/t_broken/quadrants.jpg")).await;
    assert_eq!(status, 500);

    // Eager: the upload renders `marked` into the caches; the first request is a hit.
    let before = get_text(&http, &format!("{}/metrics", images.ops)).await;
    let form = Form::new().part(
        "data",
        Part::bytes(std::fs::read(fixture("../transform/quadrants.png")).unwrap())
            .file_name("fresh.png"),
    );
    let res = http
        .post(url("/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let ok = r#"picsum_eager_renders_total{outcome="ok"}"#;
    let rendered = r#"picsum_transform_duration_seconds_count{format="png"}"#;
    let mut metrics = String::new();
    for _ in 0..100 {
        metrics = get_text(&http, &format!("{}/metrics", images.ops)).await;
        if counter(&metrics, ok) >= counter(&before, ok) + 1.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        counter(&metrics, ok),
        counter(&before, ok) + 1.0,
        "{metrics}"
    );
    assert_eq!(
        counter(&metrics, rendered),
        counter(&before, rendered) + 1.0
    );
    let (status, ct, body) = get(&http, &url("/image/t_marked/uploads/fresh.png")).await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    assert_eq!(dimensions(&ct, &body), (200, 100));
    let after = get_text(&http, &format!("{}/metrics", images.ops)).await;
    assert_eq!(
        counter(&after, rendered),
        counter(&metrics, rendered),
        "served from the cache"
    );
}

#[tokio::test]
async fn picfit_flat_draws_source_images() {
    let gallery = gallery("flat");
    let photos = gallery.dir.join("photos");
    std::fs::create_dir_all(photos.join("marks")).unwrap();
    std::fs::copy(
        fixture("../transform/mark.png"),
        photos.join("marks/mark.png"),
    )
    .unwrap();
    let images = gallery.image_service(2, 16);
    let http = client();
    let display = |qs: &str| format!("{}/display?path=quadrants.jpg&fmt=jpg&{qs}", images.base);

    // Pinned to the top right at 50x30 over the blue half.
    let (status, _, body) = get(
        &http,
        &display("op=resize&w=200&h=100&op=op:flat+path:marks/mark.png+stick:top-right+w:50+h:30"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(near(pixel(&body, 175, 15), GREEN));
    assert!(near(pixel(&body, 140, 15), BLUE));
    assert!(near(pixel(&body, 175, 40), BLUE));
    // The bottom-left quarter filled white, the mark (not enlarged) centred in it:
    // the rectangle is x 0..100, y 50..100 and the mark x 30..70, y 65..85.
    let (status, _, body) = get(
        &http,
        &display("op=op:flat+path:marks/mark.png+pos:0.50.50.100+color:ffffff"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(near(pixel(&body, 5, 95), [255, 255, 255]));
    assert!(near(pixel(&body, 50, 75), GREEN));
    assert!(near(pixel(&body, 50, 30), RED));
    // A missing foreground is a 404, a bad placement a 400.
    let (status, _, _) = get(&http, &display("op=op:flat+path:marks/none.png")).await;
    assert_eq!(status, 404);
    let (status, _, _) = get(
        &http,
        &display("op=op:flat+path:marks/mark.png+stick:middle"),
    )
    .await;
    assert_eq!(status, 400);
}
