//! `GET /v2/pick?count=N&width=W[&height=H][&seed=S]`: a page of distinct placeholders in one
//! call, each with its credit, its source, a signed URL at the size asked for, a `srcset` at
//! 1x, 2x and 3x (densities past 5000 px left out), a `srcset_widths` of `w` descriptors
//! (half size from 200 px up, then 1x, 2x, 3x) with its `sizes` hint, its ThumbHash, colour
//! and CSS-only placeholder integer. With a seed
//! the same photos every time, best rendezvous scores first (so they change little as photos
//! are added); `?orientation=`, `?tag=`, `?grayscale`, `?blur=` apply as on image URLs.

use axum::response::Response;
use picsum_catalog::Catalog;
use picsum_catalog::info::Info;
use picsum_catalog::json::to_go_json;
use picsum_url::params::{MAX_DIMENSION, RawParams, SizeSpec};
use picsum_url::query::Query;
use serde::Serialize;

use crate::AppState;
use crate::error::ApiError;
use crate::handlers::{json, signed_url};
use crate::select::Selection;

/// Most photos one call returns.
pub const MAX_COUNT: usize = 100;
/// Photos when `count` is not given.
const DEFAULT_COUNT: usize = 10;
/// The `w` form's sizes, as fractions of the size asked for: half (for narrow screens, when
/// the size is 200 px or wider), then 1x, 2x and 3x.
const WIDTH_STEPS: [(u32, u32); 4] = [(1, 2), (1, 1), (2, 1), (3, 1)];

#[derive(Serialize)]
struct Picked<'a> {
    #[serde(flatten)]
    info: Info<'a>,
    src: String,
    srcset: String,
    srcset_widths: String,
    sizes: String,
    color: Option<&'a str>,
    thumbhash: Option<&'a str>,
    css_lqip: Option<i32>,
}

/// Answers `/v2/pick`.
///
/// # Errors
/// A bad `count`, size, filter or effect (400), or a filter nothing matches (404).
pub fn pick(state: &AppState, catalog: &Catalog, query: &Query) -> Result<Response, ApiError> {
    let count = match query.get("count").filter(|c| !c.is_empty()) {
        None => DEFAULT_COUNT,
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_COUNT).contains(n))
            .ok_or(ApiError::Count)?,
    };
    let width = query.get("width").unwrap_or_default();
    let height = query
        .get("height")
        .filter(|h| !h.is_empty())
        .unwrap_or(width);
    let raw = RawParams::parse(SizeSpec::Rect(width, height), "", query)?.validate()?;
    if raw.width == 0 || raw.height == 0 {
        return Err(ApiError::Params(
            picsum_url::params::ParamError::InvalidSize,
        ));
    }
    let selection = Selection::parse(query, state.seed_mode)?;
    let seed = query.get("seed").filter(|s| !s.is_empty());
    let images = catalog.pick_n(seed, &selection.filter, count);
    if images.is_empty() {
        return Err(ApiError::NoMatch(selection.filter.to_string()));
    }
    let picked: Vec<Picked<'_>> = images
        .into_iter()
        .map(|image| {
            // The size asked for times `n / d`, when it is within bounds.
            let scaled = |n: u32, d: u32| {
                let mut p = raw;
                p.width = (raw.width * n + d / 2) / d;
                p.height = (raw.height * n + d / 2) / d;
                let fits = (1..=MAX_DIMENSION).contains(&p.width)
                    && (1..=MAX_DIMENSION).contains(&p.height);
                fits.then(|| (p.width, signed_url(state, image, &p)))
            };
            let srcset = (1..=3)
                .filter_map(|d| scaled(d, 1).map(|(_, url)| format!("{url} {d}x")))
                .collect::<Vec<_>>()
                .join(", ");
            let srcset_widths = WIDTH_STEPS
                .iter()
                .filter(|(n, d)| n >= d || raw.width >= 200)
                .filter_map(|(n, d)| scaled(*n, *d).map(|(w, url)| format!("{url} {w}w")))
                .collect::<Vec<_>>()
                .join(", ");
            let placeholder = image.placeholder.as_ref();
            Picked {
                info: Info::new(image, &state.root_url),
                src: scaled(1, 1).map(|(_, url)| url).unwrap_or_default(),
                srcset,
                srcset_widths,
                sizes: format!("(max-width: {w}px) 100vw, {w}px", w = raw.width),
                color: placeholder.map(|p| p.color.as_str()),
                thumbhash: placeholder.map(|p| p.thumbhash.as_str()),
                css_lqip: placeholder.and_then(picsum_catalog::Placeholder::css_lqip),
            }
        })
        .collect();
    Ok(json(to_go_json(&picked)))
}
