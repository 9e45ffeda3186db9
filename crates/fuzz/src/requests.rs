//! Generated requests: every route and dialect, valid signed ones mixed with garbled,
//! hostile and random ones, with the headers clients send (and some they should not).

use picsum_url::query::Query;
use reqwest::Method;

/// One request to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// Path and query.
    pub target: String,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
    /// A body, for writes.
    pub body: Option<Vec<u8>>,
}

const SOURCES: [&str; 8] = [
    "1.jpg",
    "2.jpg",
    "3.jpg",
    "5.jpg",
    "quadrants.png",
    "alpha.png",
    "animated.gif",
    "nope.jpg",
];

fn pick<'a>(rng: &mut fastrand::Rng, items: &[&'a str]) -> &'a str {
    items
        .get(rng.usize(..items.len()))
        .copied()
        .unwrap_or_default()
}

/// A side: mostly small and valid, sometimes zero, huge or not a number.
fn side(rng: &mut fastrand::Rng) -> String {
    match rng.u8(..10) {
        0 => "0".into(),
        1 => rng.u64(..u64::MAX).to_string(),
        2 => pick(rng, &["-1", "x", "1e3", "", "99999"]).into(),
        _ => rng.u32(1..600).to_string(),
    }
}

fn picsum(rng: &mut fastrand::Rng, key: &str) -> String {
    let id = pick(rng, &["1", "2", "3", "5", "9", "../1", "%2e%2e"]);
    let ext = pick(rng, &[".jpg", ".webp", ".png", "", ".jpg/x"]);
    let path = format!("/id/{id}/{}/{}{ext}", side(rng), side(rng));
    let mut query = Query::default();
    if rng.bool() {
        query.push("blur", pick(rng, &["", "1", "10", "11", "x"]));
    }
    if rng.bool() {
        query.push("grayscale", "");
    }
    match rng.u8(..4) {
        0 => format!("{path}{}", query.canonical()),
        1 => format!("{path}?hmac={}", rng.u64(..)),
        _ => picsum_signing::Signer::new(key.as_bytes()).sign_path(&path, query),
    }
}

fn picfit(rng: &mut fastrand::Rng) -> String {
    let method = pick(rng, &["display", "get", "redirect"]);
    let op = pick(
        rng,
        &[
            "resize",
            "thumbnail",
            "fit",
            "pad",
            "crop",
            "rotate",
            "flip",
            "effect",
            "noop",
            "flat",
            "x",
        ],
    );
    let mut q = format!(
        "path={}&op={op}&w={}&h={}",
        pick(rng, &SOURCES),
        side(rng),
        side(rng)
    );
    for _ in 0..rng.usize(..4) {
        let extra = match rng.u8(..8) {
            0 => format!(
                "fmt={}",
                pick(rng, &["jpg", "png", "webp", "avif", "gif", "bmp", "tiff"])
            ),
            1 => format!("q={}", side(rng)),
            2 => format!("deg={}", pick(rng, &["90", "180", "270", "45"])),
            3 => format!("pos={}", pick(rng, &["h", "v", "10.10.90.90", "x"])),
            4 => format!("filter={}", pick(rng, &["blur", "grayscale", "x"])),
            5 => "op=op:flat+path:quadrants.png+path:alpha.png+stick:top-left".into(),
            6 => format!(
                "url=http://{}/x.jpg",
                pick(rng, &["127.0.0.1", "10.0.0.1", "[::1]", "169.254.169.254"])
            ),
            _ => format!("upscale={}", pick(rng, &["true", "0", "x"])),
        };
        q.push('&');
        q.push_str(&extra);
    }
    if rng.u8(..5) == 0 {
        format!(
            "/{method}/{op}/{}x{}/{}",
            side(rng),
            side(rng),
            pick(rng, &SOURCES)
        )
    } else {
        format!("/{method}?{q}")
    }
}

fn pixlserv(rng: &mut fastrand::Rng) -> String {
    let mut params = Vec::new();
    for _ in 0..rng.usize(1..5) {
        params.push(match rng.u8(..6) {
            0 => format!("w_{}", side(rng)),
            1 => format!("h_{}", side(rng)),
            2 => format!("c_{}", pick(rng, &["e", "a", "p", "k", "z", "ee"])),
            3 => format!("g_{}", pick(rng, &["n", "se", "c", "zz", ""])),
            4 => format!("f_{}", pick(rng, &["grayscale", "none", "x"])),
            _ => pick(rng, &["t_x", "w100", "_", ""]).to_owned(),
        });
    }
    let key = if rng.u8(..4) == 0 { "ABC123/" } else { "" };
    let retina = pick(rng, &["", "@2x", "@9x", "@0x"]);
    let source = pick(rng, &SOURCES);
    let (stem, ext) = source.rsplit_once('.').unwrap_or((source, "jpg"));
    format!("/{key}image/{}/{stem}{retina}.{ext}", params.join(","))
}

fn random_path(rng: &mut fastrand::Rng) -> String {
    let len = rng.usize(..30);
    let text: String = std::iter::repeat_with(|| {
        pick(
            rng,
            &[
                "/", "a", "%", "%2F", "..", ".", "?", "&", "=", "0", "id", "image", "é", "%00", " ",
            ],
        )
    })
    .take(len)
    .collect();
    format!("/{}", text.replace(' ', "%20"))
}

/// One generated request.
pub fn request(rng: &mut fastrand::Rng, key: &str) -> Request {
    let target = match rng.u8(..10) {
        0..=2 => picsum(rng, key),
        3..=5 => picfit(rng),
        6 | 7 => pixlserv(rng),
        _ => random_path(rng),
    };
    let method = match rng.u8(..20) {
        0 => Method::HEAD,
        1 => Method::DELETE,
        2 => Method::POST,
        3 => Method::OPTIONS,
        _ => Method::GET,
    };
    let mut headers = Vec::new();
    if rng.bool() {
        headers.push((
            "accept",
            pick(
                rng,
                &[
                    "image/avif,image/webp,*/*",
                    "image/webp",
                    "application/json",
                    "*/*",
                ],
            )
            .to_owned(),
        ));
    }
    if rng.u8(..6) == 0 {
        headers.push((
            "if-none-match",
            pick(rng, &["*", "\"x\"", "W/\"y\""]).to_owned(),
        ));
    }
    if rng.u8(..6) == 0 {
        headers.push((
            "x-forwarded-for",
            pick(rng, &["1.2.3.4", "unknown", "1.2.3.4:80, ::1"]).to_owned(),
        ));
    }
    let body = (method == Method::POST).then(|| {
        let n = rng.usize(..512);
        std::iter::repeat_with(|| rng.u8(..)).take(n).collect()
    });
    if body.is_some() && rng.bool() {
        headers.push(("content-type", "multipart/form-data; boundary=x".to_owned()));
    }
    Request {
        method,
        target,
        headers,
        body,
    }
}
