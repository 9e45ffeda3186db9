//! `/v2/list` pages: Picsum's clamping and `Link` header, over the images a filter matches,
//! with Picsum's documents or, when `?fields=` asks, [`Meta`] documents.

use crate::filter::Filter;
use crate::info::Info;
use crate::json::to_go_json;
use crate::meta::{Fields, Meta};
use crate::{Catalog, Image};

/// Default and maximum page sizes of `/v2/list`.
pub const DEFAULT_LIMIT: u64 = 30;
/// Largest `limit` honoured; larger values are clamped.
pub const MAX_LIMIT: u64 = 100;

/// A `/v2/list` page request after clamping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1-based page number.
    pub page: u64,
    /// Items per page, `1..=MAX_LIMIT`.
    pub limit: u64,
}

impl Page {
    /// Reads `page` and `limit` values: missing, non-integer or < 1 become 1 and
    /// [`DEFAULT_LIMIT`]; a limit above [`MAX_LIMIT`] is clamped.
    pub fn parse(page: Option<&str>, limit: Option<&str>) -> Self {
        let positive = |v: Option<&str>| {
            v.and_then(|v| v.parse::<i64>().ok())
                .and_then(|v| u64::try_from(v).ok())
                .filter(|&v| v >= 1)
        };
        Self {
            page: positive(page).unwrap_or(1),
            limit: positive(limit).map_or(DEFAULT_LIMIT, |l| l.min(MAX_LIMIT)),
        }
    }
}

/// One `/v2/list` answer: the body and the `Link` header.
#[derive(Debug)]
pub struct ListPage {
    /// JSON array, newline-terminated; `[]` past the end.
    pub body: Vec<u8>,
    /// `Link` header value.
    pub link: String,
}

/// Builds the `/v2/list` page over the numeric order of the images `filter` matches, with
/// the extra `fields` asked for; the `Link` URLs keep the filter and the fields.
pub fn list_page(
    catalog: &Catalog,
    root_url: &str,
    page: Page,
    filter: &Filter,
    fields: Fields,
) -> ListPage {
    // Picsum overflows here and answers 500; an offset past any catalog is simply empty.
    let offset = page
        .limit
        .checked_mul(page.page - 1)
        .and_then(|o| usize::try_from(o).ok())
        .unwrap_or(usize::MAX);
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let images: Vec<&Image> = catalog
        .numeric_in(filter)
        .skip(offset)
        .take(limit)
        .collect();
    let body = if fields.is_empty() {
        let items: Vec<Info<'_>> = images.iter().map(|i| Info::new(i, root_url)).collect();
        to_go_json(&items)
    } else {
        let items: Vec<Meta<'_>> = images
            .iter()
            .map(|i| Meta::new(i, root_url, fields))
            .collect();
        to_go_json(&items)
    };
    let keep = format!("{}{}", filter.query(), fields.query());
    let url = |p: u64| format!("<{root_url}/v2/list?page={p}&limit={}{keep}>", page.limit);
    let link = if page.page == 1 {
        format!("{}; rel=\"next\"", url(2))
    } else if images.len() < limit {
        format!("{}; rel=\"prev\"", url(page.page - 1))
    } else {
        format!(
            "{}; rel=\"prev\", {}; rel=\"next\"",
            url(page.page - 1),
            url(page.page.saturating_add(1))
        )
    };
    ListPage { body, link }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::tests::image;

    fn body(b: &[u8]) -> &str {
        std::str::from_utf8(b).unwrap()
    }

    #[test]
    fn page_parsing() {
        assert_eq!(Page::parse(None, None), Page { page: 1, limit: 30 });
        assert_eq!(
            Page::parse(Some("0"), Some("0")),
            Page { page: 1, limit: 30 }
        );
        assert_eq!(
            Page::parse(Some("x"), Some("-5")),
            Page { page: 1, limit: 30 }
        );
        assert_eq!(
            Page::parse(Some("3"), Some("1000")),
            Page {
                page: 3,
                limit: 100
            }
        );
    }

    #[test]
    fn links() {
        let c = Catalog::from_images(["1", "2", "3"].map(image).to_vec()).unwrap();
        let r = "R";
        let all = Filter::default();
        let p = list_page(&c, r, Page { page: 1, limit: 30 }, &all, Fields::default());
        assert_eq!(p.link, "<R/v2/list?page=2&limit=30>; rel=\"next\"");
        assert!(body(&p.body).starts_with("[{\"id\":\"1\""));
        let p = list_page(&c, r, Page { page: 2, limit: 2 }, &all, Fields::default());
        assert_eq!(p.link, "<R/v2/list?page=1&limit=2>; rel=\"prev\"");
        let p = list_page(&c, r, Page { page: 3, limit: 1 }, &all, Fields::default());
        assert_eq!(
            p.link,
            "<R/v2/list?page=2&limit=1>; rel=\"prev\", <R/v2/list?page=4&limit=1>; rel=\"next\""
        );
        let p = list_page(&c, r, Page { page: 9, limit: 30 }, &all, Fields::default());
        assert_eq!(body(&p.body), "[]\n");
        let p = list_page(
            &c,
            r,
            Page {
                page: u64::MAX,
                limit: 100,
            },
            &all,
            Fields::default(),
        );
        assert_eq!(body(&p.body), "[]\n");
        // A filter narrows the list and stays in the links.
        let square = Filter::parse(Some("square"), None).unwrap();
        let p = list_page(
            &c,
            r,
            Page { page: 1, limit: 1 },
            &square,
            Fields::default(),
        );
        assert_eq!(
            p.link,
            "<R/v2/list?page=2&limit=1&orientation=square>; rel=\"next\""
        );
        assert_eq!(body(&p.body), "[]\n");
    }
}
