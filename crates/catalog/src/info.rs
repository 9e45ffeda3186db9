//! The JSON documents of `/id/{id}/info`, `/v2/list` and the deprecated `/list`, with
//! Picsum's key order.

use serde::Serialize;

use crate::filter::Filter;
use crate::json::to_go_json;
use crate::{Catalog, Image, numeric_id};

/// Default and maximum page sizes of `/v2/list`.
pub const DEFAULT_LIMIT: u64 = 30;
/// Largest `limit` honoured; larger values are clamped.
pub const MAX_LIMIT: u64 = 100;

/// `/id/{id}/info` and one element of `/v2/list`.
#[derive(Debug, Serialize)]
pub struct Info<'a> {
    id: &'a str,
    author: &'a str,
    width: u32,
    height: u32,
    url: &'a str,
    download_url: String,
}

impl<'a> Info<'a> {
    /// The info of `image`; `download_url` is `{root_url}/id/{id}/{width}/{height}`.
    pub fn new(image: &'a Image, root_url: &str) -> Self {
        Self {
            id: &image.id,
            author: &image.author,
            width: image.width,
            height: image.height,
            url: &image.url,
            download_url: format!(
                "{root_url}/id/{}/{}/{}",
                image.id, image.width, image.height
            ),
        }
    }

    /// Encoded body.
    pub fn to_json(&self) -> Vec<u8> {
        to_go_json(self)
    }
}

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

/// Builds the `/v2/list` page over the numeric order of the images `filter` matches; the
/// `Link` URLs keep the filter.
pub fn list_page(catalog: &Catalog, root_url: &str, page: Page, filter: &Filter) -> ListPage {
    // Picsum overflows here and answers 500; an offset past any catalog is simply empty.
    let offset = page
        .limit
        .checked_mul(page.page - 1)
        .and_then(|o| usize::try_from(o).ok())
        .unwrap_or(usize::MAX);
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let items: Vec<Info<'_>> = catalog
        .numeric_in(filter)
        .skip(offset)
        .take(limit)
        .map(|img| Info::new(img, root_url))
        .collect();
    let url = |p: u64| {
        format!(
            "<{root_url}/v2/list?page={p}&limit={}{}>",
            page.limit,
            filter.query()
        )
    };
    let link = if page.page == 1 {
        format!("{}; rel=\"next\"", url(2))
    } else if items.len() < limit {
        format!("{}; rel=\"prev\"", url(page.page - 1))
    } else {
        format!(
            "{}; rel=\"prev\", {}; rel=\"next\"",
            url(page.page - 1),
            url(page.page.saturating_add(1))
        )
    };
    ListPage {
        body: to_go_json(&items),
        link,
    }
}

#[derive(Serialize)]
struct LegacyEntry<'a> {
    format: &'static str,
    width: u32,
    height: u32,
    filename: String,
    id: i64,
    author: &'a str,
    author_url: &'a str,
    post_url: &'a str,
}

/// The deprecated `/list`: every image with an integer id, numeric order; `null` when none.
pub fn legacy_list(catalog: &Catalog) -> Vec<u8> {
    let entries: Vec<LegacyEntry<'_>> = catalog
        .numeric()
        .filter_map(|img| {
            Some(LegacyEntry {
                format: "jpeg",
                width: img.width,
                height: img.height,
                filename: format!("{}.jpeg", img.id),
                id: numeric_id(&img.id)?,
                author: &img.author,
                author_url: &img.url,
                post_url: &img.url,
            })
        })
        .collect();
    if entries.is_empty() {
        to_go_json(&())
    } else {
        to_go_json(&entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::image;

    fn body(b: &[u8]) -> &str {
        std::str::from_utf8(b).unwrap()
    }

    #[test]
    fn info_bytes() {
        let mut img = image("1");
        img.author = "Oliver & Hen".into();
        assert_eq!(
            body(&Info::new(&img, "https://picsum.photos").to_json()),
            "{\"id\":\"1\",\"author\":\"Oliver \\u0026 Hen\",\"width\":300,\"height\":400,\"url\":\"https://picsum.photos\",\"download_url\":\"https://picsum.photos/id/1/300/400\"}\n"
        );
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
        let p = list_page(&c, r, Page { page: 1, limit: 30 }, &all);
        assert_eq!(p.link, "<R/v2/list?page=2&limit=30>; rel=\"next\"");
        assert!(body(&p.body).starts_with("[{\"id\":\"1\""));
        let p = list_page(&c, r, Page { page: 2, limit: 2 }, &all);
        assert_eq!(p.link, "<R/v2/list?page=1&limit=2>; rel=\"prev\"");
        let p = list_page(&c, r, Page { page: 3, limit: 1 }, &all);
        assert_eq!(
            p.link,
            "<R/v2/list?page=2&limit=1>; rel=\"prev\", <R/v2/list?page=4&limit=1>; rel=\"next\""
        );
        let p = list_page(&c, r, Page { page: 9, limit: 30 }, &all);
        assert_eq!(body(&p.body), "[]\n");
        let p = list_page(
            &c,
            r,
            Page {
                page: u64::MAX,
                limit: 100,
            },
            &all,
        );
        assert_eq!(body(&p.body), "[]\n");
        // A filter narrows the list and stays in the links.
        let square = Filter::parse(Some("square"), None).unwrap();
        let p = list_page(&c, r, Page { page: 1, limit: 1 }, &square);
        assert_eq!(
            p.link,
            "<R/v2/list?page=2&limit=1&orientation=square>; rel=\"next\""
        );
        assert_eq!(body(&p.body), "[]\n");
    }

    #[test]
    fn legacy() {
        let c = Catalog::from_images(["2", "x", "1"].map(image).to_vec()).unwrap();
        assert_eq!(
            body(&legacy_list(&c)),
            "[{\"format\":\"jpeg\",\"width\":300,\"height\":400,\"filename\":\"1.jpeg\",\"id\":1,\"author\":\"John Doe\",\"author_url\":\"https://picsum.photos\",\"post_url\":\"https://picsum.photos\"},{\"format\":\"jpeg\",\"width\":300,\"height\":400,\"filename\":\"2.jpeg\",\"id\":2,\"author\":\"John Doe\",\"author_url\":\"https://picsum.photos\",\"post_url\":\"https://picsum.photos\"}]\n"
        );
        assert_eq!(
            body(&legacy_list(
                &Catalog::from_images(vec![image("x")]).unwrap()
            )),
            "null\n"
        );
    }
}
