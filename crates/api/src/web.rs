//! The web site: landing page with documentation, gallery, robots, favicon, assets. Files are
//! embedded in the binary from the repository's `web/` folder.

use axum::body::Body;
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

static FILES: [File; 6] = [
    File {
        path: "/",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../../../web/index.html"),
    },
    File {
        path: "/images",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../../../web/images.html"),
    },
    File {
        path: "/robots.txt",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("../../../web/robots.txt"),
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
    File {
        path: "/assets/gallery.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../web/assets/gallery.js"),
    },
];

/// The file served at `path`, if any.
pub fn lookup(path: &str) -> Option<&'static File> {
    FILES.iter().find(|f| f.path == path)
}

/// The answer for `file`.
pub fn response(file: &File) -> Response {
    let mut res = Response::new(Body::from(file.body));
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
