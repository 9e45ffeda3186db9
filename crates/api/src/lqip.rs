//! Placeholder images answered by the API itself, no image service involved: `?lqip` on an
//! image URL gives the photo's ThumbHash as a tiny PNG (16 px, blurry by construction;
//! scale it up with CSS), `?color` a solid SVG of its dominant colour at the size asked for.
//! They are cached as the route's redirect would be: a day on `/id/` routes, an hour on
//! seeded ones (new photos may move a seed), never on random ones.

use axum::body::Body;
use axum::response::Response;
use http::header::{self, HeaderValue};
use picsum_catalog::Image;
use picsum_placeholder::{Rgb, solid_svg};
use picsum_url::params::ImageParams;
use picsum_url::query::Query;

use crate::error::ApiError;

/// Which placeholder image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The ThumbHash as PNG.
    Lqip,
    /// The dominant colour as SVG.
    Color,
}

impl Kind {
    /// The placeholder `query` asks for, if any (`?lqip` wins over `?color`).
    pub fn asked(query: &Query) -> Option<Self> {
        if query.has("lqip") {
            Some(Self::Lqip)
        } else if query.has("color") {
            Some(Self::Color)
        } else {
            None
        }
    }
}

/// The placeholder image of `image` at `params`' size, with `cache` as its `Cache-Control`.
///
/// # Errors
/// [`ApiError::NoPlaceholder`] when the photo has none.
pub fn answer(
    kind: Kind,
    image: &Image,
    params: &ImageParams,
    cache: &'static str,
) -> Result<Response, ApiError> {
    let placeholder = image.placeholder.as_ref().ok_or(ApiError::NoPlaceholder)?;
    let (body, content_type) = match kind {
        Kind::Lqip => (
            placeholder
                .lqip_png()
                .ok_or(ApiError::NoPlaceholder)?
                .to_vec(),
            "image/png",
        ),
        Kind::Color => {
            let colour = Rgb::parse(&placeholder.color).ok_or(ApiError::NoPlaceholder)?;
            let svg = solid_svg(colour, params.width, params.height);
            (svg.into_bytes(), "image/svg+xml")
        }
    };
    let mut res = Response::new(Body::from(body));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(id) = HeaderValue::from_str(&image.id) {
        h.insert("picsum-id", id);
    }
    Ok(res)
}
