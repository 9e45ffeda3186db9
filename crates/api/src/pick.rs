//! `GET /v2/pick?count=N&width=W[&height=H][&seed=S]`: a page of distinct placeholders in one
//! call, each with its credit, its source, a signed URL at the size asked for and a `srcset`
//! at 1x, 2x and 3x (densities past 5000 px left out), its ThumbHash and colour. With a seed
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

#[derive(Serialize)]
struct Picked<'a> {
    #[serde(flatten)]
    info: Info<'a>,
    src: String,
    srcset: String,
    color: Option<&'a str>,
    thumbhash: Option<&'a str>,
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
            let at = |d: u32| {
                let mut p = raw;
                p.width *= d;
                p.height *= d;
                signed_url(state, &image.id, &p)
            };
            let srcset = (1..=3)
                .filter(|d| raw.width * d <= MAX_DIMENSION && raw.height * d <= MAX_DIMENSION)
                .map(|d| format!("{} {d}x", at(d)))
                .collect::<Vec<_>>()
                .join(", ");
            let placeholder = image.placeholder.as_ref();
            Picked {
                info: Info::new(image, &state.root_url),
                src: at(1),
                srcset,
                color: placeholder.map(|p| p.color.as_str()),
                thumbhash: placeholder.map(|p| p.thumbhash.as_str()),
            }
        })
        .collect();
    Ok(json(to_go_json(&picked)))
}
