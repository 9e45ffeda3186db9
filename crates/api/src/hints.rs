//! Format and density chosen at the redirect (opt-in, `PICSUM_CLIENT_HINTS=true`).
//!
//! For an image URL without an extension the API picks AVIF (within its pixel budget), WebP
//! or JPEG from `Accept`, and scales the size by `Sec-CH-Width`/`Width` (the physical width the page will show) or else
//! `Sec-CH-DPR`/`DPR`, then writes the choice into the signed URL: `/id/1/600/400.avif`. The
//! image answer depends on its URL alone, so it needs no `Vary` and a CDN cannot serve one
//! client's variant to another. The redirect says what it varied on (`Vary`) and asks
//! browsers for the hints (`Accept-CH`); it is never cached anyway.

use http::HeaderMap;
use http::header::{self, HeaderValue};
use picsum_url::format::{Format, accepts};
use picsum_url::params::{ImageParams, MAX_DIMENSION};

/// `Accept-CH` on the API's answers when hints are on.
pub const ACCEPT_CH: &str = "Sec-CH-DPR, Sec-CH-Width, DPR, Width";
/// `Vary` on redirects whose target depended on the hints.
const VARY: &str = "Accept, Sec-CH-DPR, DPR, Sec-CH-Width, Width";
/// Largest device pixel ratio honoured.
const MAX_DPR: f64 = 4.0;

/// `params` with the format `Accept` prefers and the size the hints ask for.
pub fn negotiate(mut params: ImageParams, headers: &HeaderMap) -> ImageParams {
    let (w, h) = (f64::from(params.width), f64::from(params.height));
    if w < 1.0 || h < 1.0 {
        return params; // a catalog size of 0: nothing to scale
    }
    let scale = match number(headers, &["sec-ch-width", "width"]) {
        Some(width) if width >= 1.0 => width / w,
        _ => number(headers, &["sec-ch-dpr", "dpr"]).map_or(1.0, |d| d.clamp(1.0, MAX_DPR)),
    };
    // Never past the largest size, keeping the aspect ratio.
    let scale = scale.min(f64::from(MAX_DIMENSION) / w.max(h));
    params.width = dimension(w * scale);
    params.height = dimension(h * scale);
    params.format = preferred_format(headers, &params);
    params
}

/// Marks a redirect whose target depended on the hints.
pub fn mark(headers: &mut HeaderMap) {
    headers.insert(header::VARY, HeaderValue::from_static(VARY));
    headers.insert("accept-ch", HeaderValue::from_static(ACCEPT_CH));
}

/// AVIF, then WebP, when `Accept` names them with a non-zero quality; else JPEG. AVIF only
/// within its pixel budget: a larger image falls back to WebP or JPEG.
fn preferred_format(headers: &HeaderMap, params: &ImageParams) -> Format {
    let accept: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let avif = ImageParams {
        format: Format::Avif,
        ..*params
    };
    if avif.within_budget().is_ok() && accepts(&accept, "image/avif") {
        Format::Avif
    } else if accepts(&accept, "image/webp") {
        Format::Webp
    } else {
        Format::Jpeg
    }
}

/// The first of `names` that holds a finite positive number.
fn number(headers: &HeaderMap, names: &[&str]) -> Option<f64> {
    names.iter().find_map(|name| {
        headers
            .get(*name)?
            .to_str()
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)
    })
}

/// A scaled side, rounded, within `1..=MAX_DIMENSION`.
fn dimension(v: f64) -> u32 {
    let v = v.round().clamp(1.0, f64::from(MAX_DIMENSION));
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped to 1..=5000 above"
    )]
    let v = v as u32;
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(w: u32, h: u32) -> ImageParams {
        ImageParams {
            width: w,
            height: h,
            format: Format::Jpeg,
            grayscale: false,
            blur: None,
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn formats_from_accept() {
        let f = |accept| negotiate(params(10, 10), &headers(&[("accept", accept)])).format;
        assert_eq!(f("image/avif,image/webp,*/*"), Format::Avif);
        assert_eq!(f("image/webp,*/*;q=0.8"), Format::Webp);
        assert_eq!(f("image/avif;q=0, image/webp"), Format::Webp);
        assert_eq!(f("*/*"), Format::Jpeg);
        assert_eq!(
            negotiate(params(10, 10), &HeaderMap::new()).format,
            Format::Jpeg
        );
    }

    #[test]
    fn avif_only_within_its_budget() {
        let h = headers(&[("accept", "image/avif,image/webp,*/*"), ("dpr", "2")]);
        assert_eq!(negotiate(params(1250, 1250), &h).format, Format::Avif);
        let big = negotiate(params(1300, 1250), &h);
        assert_eq!(
            (big.width, big.height, big.format),
            (2600, 2500, Format::Webp)
        );
        let only_avif = headers(&[("accept", "image/avif")]);
        assert_eq!(
            negotiate(params(3000, 3000), &only_avif).format,
            Format::Jpeg
        );
        // A catalog size of 0 is left alone rather than divided by.
        assert_eq!(negotiate(params(0, 0), &h).width, 0);
    }

    #[test]
    fn sizes_from_width_and_dpr() {
        let size = |h: &[(&'static str, &'static str)]| {
            let p = negotiate(params(300, 200), &headers(h));
            (p.width, p.height)
        };
        assert_eq!(size(&[]), (300, 200));
        assert_eq!(size(&[("sec-ch-dpr", "2")]), (600, 400));
        assert_eq!(size(&[("dpr", "1.5")]), (450, 300));
        assert_eq!(
            size(&[("dpr", "0.5")]),
            (300, 200),
            "never below the size asked for"
        );
        assert_eq!(size(&[("dpr", "9")]), (1200, 800), "DPR capped at 4");
        assert_eq!(size(&[("sec-ch-width", "750"), ("dpr", "2")]), (750, 500));
        assert_eq!(size(&[("width", "99999")]), (5000, 3333));
        assert_eq!(size(&[("dpr", "NaN"), ("width", "-3")]), (300, 200));
    }
}
