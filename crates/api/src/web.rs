//! The web site: landing page with documentation and URL builder, gallery, the API reference
//! (`/docs`, both OpenAPI documents in the vendored Redoc), robots, favicon, assets,
//! `llms.txt`. Files are embedded in the binary from the repository's `web/` folder;
//! pages and text files are rendered once at start-up with the configured root URL
//! (`{{ROOT_URL}}`), never hard-coded.

use axum::body::{Body, Bytes};
use axum::response::Response;
use http::header::{self, HeaderValue};

/// `Cache-Control` of the web site's files (Picsum's value).
pub const STATIC_CACHE_CONTROL: &str =
    "public, max-age=7200, stale-while-revalidate=60, stale-if-error=43200";

/// One embedded file.
#[derive(Debug, PartialEq, Eq)]
pub struct File {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const HTML: &str = "text/html; charset=utf-8";

const TEXT: &str = "text/plain; charset=utf-8";

static FILES: [File; 15] = [
    File {
        path: "/",
        content_type: HTML,
        body: include_bytes!("../../../web/index.html"),
    },
    File {
        path: "/images",
        content_type: HTML,
        body: include_bytes!("../../../web/images.html"),
    },
    File {
        path: "/robots.txt",
        content_type: TEXT,
        body: include_bytes!("../../../web/robots.txt"),
    },
    // The URL grammar in plain text for agents (llmstxt.org), at most 16 KiB.
    File {
        path: "/llms.txt",
        content_type: TEXT,
        body: include_bytes!("../../../web/llms.txt"),
    },
    File {
        path: "/favicon.ico",
        content_type: "image/x-icon",
        body: include_bytes!("../../../web/favicon.ico"),
    },
    File {
        path: "/assets/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../../web/assets/style.css"),
    },
    // The CSS-only placeholder's stylesheet (`--lqip`, crates/placeholder/src/css.rs).
    File {
        path: "/assets/lqip.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../../web/assets/lqip.css"),
    },
    File {
        path: "/assets/gallery.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../web/assets/gallery.js"),
    },
    File {
        path: "/openapi.json",
        content_type: "application/json",
        body: include_bytes!("../../../web/openapi.json"),
    },
    // The API reference: both OpenAPI documents rendered by the vendored Redoc
    // (web/vendor/redoc, MIT), with no request leaving the origin.
    File {
        path: "/docs",
        content_type: HTML,
        body: include_bytes!("../../../web/docs.html"),
    },
    File {
        path: "/image-service/openapi.json",
        content_type: "application/json",
        body: include_bytes!("../../image-service/openapi.json"),
    },
    File {
        path: "/assets/docs.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../web/assets/docs.js"),
    },
    File {
        path: "/assets/vendor/redoc.standalone.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../web/vendor/redoc/redoc.standalone.js"),
    },
    File {
        path: "/assets/pick.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../web/assets/pick.js"),
    },
    File {
        path: "/assets/builder.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../web/assets/builder.js"),
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

    /// The answer for `file`.
    pub fn response(&self, file: &File) -> Response {
        let body = FILES
            .iter()
            .position(|f| f == file)
            .and_then(|i| self.bodies.get(i).cloned())
            .unwrap_or_else(|| Bytes::from_static(file.body));
        let mut res = Response::new(Body::from(body));
        let h = res.headers_mut();
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
