//! The web site: landing page with documentation and URL builder, gallery, the API reference
//! (`/docs`, both OpenAPI documents in the vendored Redoc), robots, favicon, assets,
//! `llms.txt`. Files are embedded in the binary from the repository's `web/` folder;
//! pages and text files are rendered once at start-up with the configured root URL
//! (`{{ROOT_URL}}`), never hard-coded.

use axum::body::{Body, Bytes};
use axum::response::Response;
use http::header::{self, HeaderMap, HeaderValue};

/// `Cache-Control` of the web site's files (Picsum's value).
pub const STATIC_CACHE_CONTROL: &str =
    "public, max-age=7200, stale-while-revalidate=60, stale-if-error=43200";

/// One embedded file.
#[derive(Debug, PartialEq, Eq)]
pub struct File {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    /// The same bytes gzipped (`gzip -9 -n`), for the large ones; a test holds them equal.
    gzip: Option<&'static [u8]>,
}

const HTML: &str = "text/html; charset=utf-8";

const TEXT: &str = "text/plain; charset=utf-8";

static FILES: [File; 15] = [
    File {
        path: "/",
        content_type: HTML,
        body: include_bytes!("../../../web/index.html"),
        gzip: None,
    },
    File {
        path: "/images",
        content_type: HTML,
        body: include_bytes!("../../../web/images.html"),
        gzip: None,
    },
    File {
        path: "/robots.txt",
        content_type: TEXT,
        body: include_bytes!("../../../web/robots.txt"),
        gzip: None,
    },
    // The URL grammar in plain text for agents (llmstxt.org), at most 16 KiB.
    File {
        path: "/llms.txt",
        content_type: TEXT,
        body: include_bytes!("../../../web/llms.txt"),
        gzip: None,
    },
    File {
        path: "/favicon.ico",
        content_type: "image/x-icon",
        body: include_bytes!("../../../web/favicon.ico"),
        gzip: None,
    },
    File {
        path: "/assets/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../../web/assets/style.css"),
        gzip: None,
    },
    // The CSS-only placeholder's stylesheet (`--lqip`, crates/placeholder/src/css.rs).
    File {
        path: "/assets/lqip.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../../web/assets/lqip.css"),
        gzip: None,
    },
    File {
        path: "/assets/gallery.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../web/assets/gallery.js"),
        gzip: None,
    },
    File {
        path: "/openapi.json",
        content_type: "application/json",
        body: include_bytes!("../../../web/openapi.json"),
        gzip: None,
    },
    // The API reference: both OpenAPI documents rendered by the vendored Redoc
    // (web/vendor/redoc, MIT), with no request leaving the origin.
    File {
        path: "/docs",
        content_type: HTML,
        body: include_bytes!("../../../web/docs.html"),
        gzip: None,
    },
    File {
        path: "/image-service/openapi.json",
        content_type: "application/json",
        body: include_bytes!("../../image-service/openapi.json"),
        gzip: None,
    },
    File {
        path: "/assets/docs.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../web/assets/docs.js"),
        gzip: None,
    },
    File {
        path: "/assets/vendor/redoc.standalone.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../web/vendor/redoc/redoc.standalone.js"),
        gzip: Some(include_bytes!(
            "../../../web/vendor/redoc/redoc.standalone.js.gz"
        )),
    },
    File {
        path: "/assets/pick.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../web/assets/pick.js"),
        gzip: None,
    },
    File {
        path: "/assets/builder.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../web/assets/builder.js"),
        gzip: None,
    },
];

/// Every path the site serves.
pub fn paths() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|f| f.path)
}

/// The file served at `path`, if any.
pub fn lookup(path: &str) -> Option<&'static File> {
    FILES.iter().find(|f| f.path == path)
}

/// The site's files as served: HTML rendered with the root URL, the rest as embedded.
#[derive(Debug, Clone)]
pub struct Site {
    bodies: Vec<Bytes>,
}

impl Site {
    /// Renders every page for `root_url` (no trailing slash).
    pub fn new(root_url: &str) -> Self {
        let escaped = root_url
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        let bodies = FILES
            .iter()
            .map(|f| {
                let root = match f.content_type {
                    HTML => escaped.as_str(),
                    TEXT => root_url,
                    _ => return Bytes::from_static(f.body),
                };
                std::str::from_utf8(f.body).map_or(Bytes::from_static(f.body), |text| {
                    Bytes::from(text.replace("{{ROOT_URL}}", root))
                })
            })
            .collect();
        Self { bodies }
    }

    /// The answer for `file`: gzipped when it has a gzipped copy and the request's
    /// `Accept-Encoding` takes gzip.
    pub fn response(&self, file: &File, request: &HeaderMap) -> Response {
        let accepted: Vec<&str> = request
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let gzip = file
            .gzip
            .filter(|_| picsum_url::format::accepts(&accepted, "gzip"));
        let body = match gzip {
            Some(gzip) => Bytes::from_static(gzip),
            None => FILES
                .iter()
                .position(|f| f == file)
                .and_then(|i| self.bodies.get(i).cloned())
                .unwrap_or_else(|| Bytes::from_static(file.body)),
        };
        let mut res = Response::new(Body::from(body));
        let h = res.headers_mut();
        if file.gzip.is_some() {
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        if gzip.is_some() {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(file.content_type),
        );
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(STATIC_CACHE_CONTROL),
        );
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `gzip`'s bytes inflated: a 10-byte header without a name (`-n`), raw deflate, and a
    /// trailer with the length.
    fn gunzip(gzip: &[u8]) -> Vec<u8> {
        assert_eq!(&gzip[..4], [0x1f, 0x8b, 8, 0], "gzip, deflate, no flags");
        let body = &gzip[10..gzip.len() - 8];
        let out = miniz_oxide::inflate::decompress_to_vec(body).unwrap();
        let size: [u8; 4] = gzip[gzip.len() - 4..].try_into().unwrap();
        assert_eq!(u32::from_le_bytes(size) as usize, out.len());
        out
    }

    #[test]
    fn gzipped_copies_are_the_files_bytes() {
        let mut copies = 0;
        for file in &FILES {
            if let Some(gzip) = file.gzip {
                assert_eq!(gunzip(gzip), file.body, "{} is stale", file.path);
                assert!(gzip.len() < file.body.len() / 2, "{}", file.path);
                copies += 1;
            }
        }
        assert!(copies >= 1);
    }

    #[test]
    fn llms_txt_is_plain_text_under_16_kib_naming_the_root_url_unescaped() {
        let site = Site::new("https://p.example/a&b");
        let file = lookup("/llms.txt").unwrap();
        let i = FILES.iter().position(|f| f == file).unwrap();
        let text = std::str::from_utf8(&site.bodies[i]).unwrap();
        assert!(text.len() <= 16 << 10, "{} bytes", text.len());
        assert!(text.contains("https://p.example/a&b/seed/{seed}/{width}/{height}"));
        assert!(!text.contains("&amp;") && !text.contains("{{"));
        assert_eq!(file.content_type, TEXT);
    }

    #[test]
    fn pages_carry_the_configured_root_url() {
        let site = Site::new("https://photos.example.org");
        let index = FILES.first().unwrap();
        let body = site.bodies.first().unwrap();
        let text = std::str::from_utf8(body).unwrap();
        assert!(text.contains("https://photos.example.org/200/300"));
        assert!(!text.contains("{{ROOT_URL}}"));
        assert_eq!(index.path, "/");
        for (f, b) in FILES.iter().zip(&site.bodies) {
            if ![HTML, TEXT].contains(&f.content_type) {
                continue; // scripts may use `{{` of their own (Redoc does)
            }
            assert!(
                !String::from_utf8_lossy(b).contains("{{"),
                "{} has an unrendered placeholder",
                f.path
            );
        }
    }
}
