//! Handlers: image redirects, info, lists. Each takes the state and parsed request parts and
//! answers from the in-memory catalog snapshot; none waits on a database. Redirects to a
//! named photo (`/id/`) or a seed's are cacheable by shared caches; their targets carry the
//! photo's catalog version.

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use http::header::{self, HeaderValue};
use picsum_catalog::info::{Info, legacy_list};
use picsum_catalog::json::to_go_json;
use picsum_catalog::list::{Page, list_page};
use picsum_catalog::meta::{Fields, Meta};
use picsum_catalog::{Catalog, Image};
use picsum_url::params::{ImageParams, RawParams};
use picsum_url::query::Query;
use picsum_web::response::NO_CACHE;

use crate::AppState;
use crate::error::ApiError;
use crate::routes::{Pick, Size};
use crate::select::Selection;

/// Parses, selects, validates and redirects (Picsum §4.1 order).
///
/// # Errors
/// Size or extension errors first, then filter errors, then an unknown id or a filter that
/// matches nothing, then range errors.
pub fn image_redirect(
    state: &AppState,
    catalog: &Catalog,
    pick: &Pick,
    size: &Size,
    ext: &str,
    query: &Query,
    headers: &http::HeaderMap,
) -> Result<Response, ApiError> {
    let mut raw = RawParams::parse(size.spec(), ext, query)?;
    raw.grayscale |= *pick == Pick::Gray;
    let image = Selection::parse(query, state.seed_mode)?.pick(catalog, pick)?;
    let mut params = raw.validate()?.resolve(image.width, image.height);
    if let Some(kind) = crate::lqip::Kind::asked(query) {
        return crate::lqip::answer(kind, image, &params, redirect_cache(pick));
    }
    // Only where the URL left the format open: an extension is the client's own choice.
    let hinted = state.client_hints && ext.is_empty();
    if hinted {
        params = crate::hints::negotiate(params, headers);
    }
    let params = params.within_budget()?;
    count_request(&params);
    let mut res = redirect(&signed_url(state, image, &params), redirect_cache(pick));
    if hinted {
        crate::hints::mark(res.headers_mut());
    }
    Ok(res)
}

/// The image service's signed URL of `image` rendered with `params`, carrying the photo's
/// catalog version ([`Image::version`]).
pub(crate) fn signed_url(state: &AppState, image: &Image, params: &ImageParams) -> String {
    let version = image.version();
    let signed = state
        .signer
        .versioned_image_path(&image.id, params, Some(&version));
    format!(
        "{}{}",
        state.image_service_url,
        escape_id(&signed, &image.id)
    )
}

/// `Cache-Control` of a redirect to `/id/` URLs: the pairing holds for as long as the
/// catalog entry (its version is in the target), so a shared cache may keep it a day.
pub const ID_REDIRECT_CACHE: &str = "public, max-age=86400, stale-while-revalidate=3600";
/// `Cache-Control` of a seed's redirect: new photos may move a seed, so an hour.
pub const SEED_REDIRECT_CACHE: &str = "public, max-age=3600, stale-while-revalidate=600";

/// How long shared caches may keep a redirect: a day for an id, an hour for a seed; a
/// random pick is never stored.
fn redirect_cache(pick: &Pick) -> &'static str {
    match pick {
        Pick::Id(_) => ID_REDIRECT_CACHE,
        Pick::Seed(_) => SEED_REDIRECT_CACHE,
        Pick::Random | Pick::Gray => NO_CACHE,
    }
}

fn count_request(params: &ImageParams) {
    let bucket = |v: u32| (v + 250) / 500 * 500;
    let dimension = bucket(params.width).max(bucket(params.height));
    metrics::counter!("image_requests_dimension_total", "dimension" => dimension.to_string())
        .increment(1);
    if params.blur.is_some() {
        metrics::counter!("image_requests_blur_total").increment(1);
    }
    if params.grayscale {
        metrics::counter!("image_requests_grayscale_total").increment(1);
    }
}

/// The signature covers the raw id; the `Location` carries it percent-encoded.
fn escape_id(signed: &str, id: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let escaped = percent_encoding::utf8_percent_encode(id, SEGMENT).to_string();
    if escaped == id {
        signed.to_owned()
    } else {
        signed.replacen(&format!("/id/{id}/"), &format!("/id/{escaped}/"), 1)
    }
}

/// 302 with no body and no content type, cached as `cache` says.
fn redirect(location: &str, cache: &'static str) -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

/// `/id/{id}/info` and `/seed/{seed}/info` (which honours the filter and seed mode), or with
/// `fields` the `/meta` routes' document.
///
/// # Errors
/// Filter errors, [`ApiError::ImageNotFound`] or [`ApiError::NoMatch`].
pub fn info(
    state: &AppState,
    catalog: &Catalog,
    pick: &Pick,
    query: &Query,
    fields: Option<Fields>,
) -> Result<Response, ApiError> {
    let image = Selection::parse(query, state.seed_mode)?.pick(catalog, pick)?;
    Ok(json(match fields {
        None => Info::new(image, &state.root_url).to_json(),
        Some(fields) => to_go_json(&Meta::new(image, &state.root_url, fields)),
    }))
}

/// `/v2/list?page=&limit=`, optionally `&orientation=&tag=` and `&fields=`.
///
/// # Errors
/// Filter errors, or [`ApiError::NoMatch`] when the filter matches no image at all (a page
/// past the end of a non-empty match is `[]`, as unfiltered).
pub fn list(state: &AppState, catalog: &Catalog, query: &Query) -> Result<Response, ApiError> {
    let filter = Selection::parse(query, state.seed_mode)?.filter;
    if !filter.is_empty() && catalog.matching(&filter).is_empty() {
        return Err(ApiError::NoMatch(filter.to_string()));
    }
    let fields = Fields::parse(query.get("fields"))?;
    let page = list_page(
        catalog,
        &state.root_url,
        Page::parse(query.get("page"), query.get("limit")),
        &filter,
        fields,
    );
    let mut res = json(page.body);
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Link"),
    );
    if let Ok(v) = HeaderValue::from_str(&page.link) {
        h.insert(header::LINK, v);
    }
    Ok(res)
}

/// Deprecated `/list`.
pub fn legacy(catalog: &Catalog) -> Response {
    json(legacy_list(catalog))
}

pub(crate) fn json(body: Vec<u8>) -> Response {
    let mut res = Response::new(Body::from(body));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE));
    res
}
