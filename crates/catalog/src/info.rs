//! The JSON documents of `/id/{id}/info` (also one element of a `/v2/list` page, see
//! [`crate::list`]) and the deprecated `/list`, with Picsum's key order.

use serde::Serialize;

use crate::json::to_go_json;
use crate::{Catalog, Image, numeric_id};

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
    use crate::image::tests::image;

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
