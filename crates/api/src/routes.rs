//! The route table: Lorem Picsum's gorilla/mux templates, matched on the decoded path.
//!
//! axum's router cannot express `{ext:(?:\..*)?}` (an extension that may contain slashes)
//! or mux's redirects, so routes are matched here, in one place, in Picsum's order.

use picsum_url::params::leading_digits;

/// A size as matched: `{size}` or `{width}/{height}`, digits only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Size {
    /// `/{size}`.
    Square(String),
    /// `/{width}/{height}`.
    Rect(String, String),
}

impl Size {
    /// Borrowed form for parsing.
    pub fn spec(&self) -> picsum_url::params::SizeSpec<'_> {
        match self {
            Self::Square(s) => picsum_url::params::SizeSpec::Square(s),
            Self::Rect(w, h) => picsum_url::params::SizeSpec::Rect(w, h),
        }
    }
}

/// How an image redirect picks its image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// Uniformly at random (`/{size}`); `?image=` may override.
    Random,
    /// Random and forced grayscale (deprecated `/g/…`); `?image=` may override.
    Gray,
    /// By id.
    Id(String),
    /// By seed.
    Seed(String),
}

/// Every route of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// An image redirect.
    Image {
        /// Selection.
        pick: Pick,
        /// Requested size.
        size: Size,
        /// Extension, from the dot to the end (may be empty).
        ext: String,
    },
    /// `/id/{id}/info`.
    Info(String),
    /// `/seed/{seed}/info`.
    SeedInfo(String),
    /// `/id/{id}/meta` or `/seed/{seed}/meta`: the info with tags, colour and ThumbHash.
    Meta(Pick),
    /// `/v2/list`.
    List,
    /// `/v2/pick`: several distinct photos with ready-made URLs.
    PickMany,
    /// Deprecated `/list`.
    LegacyList,
    /// A file of the web site.
    Static(&'static crate::web::File),
}

impl picsum_web::routing::RouteTable for Route {
    /// Matches a decoded path.
    fn parse(path: &str) -> Option<Self> {
        if let Some(file) = crate::web::lookup(path) {
            return Some(Self::Static(file));
        }
        match path {
            "/v2/list" => return Some(Self::List),
            "/v2/pick" => return Some(Self::PickMany),
            "/list" => return Some(Self::LegacyList),
            _ => {}
        }
        let rest = path.strip_prefix('/')?;
        if let Some(rest) = rest.strip_prefix("id/") {
            let (id, tail) = rest.split_once('/')?;
            return named(id, tail, Pick::Id, Self::Info);
        }
        if let Some(rest) = rest.strip_prefix("seed/") {
            let (seed, tail) = rest.split_once('/')?;
            return named(seed, tail, Pick::Seed, Self::SeedInfo);
        }
        if let Some(rest) = rest.strip_prefix("g/") {
            return image(Pick::Gray, rest);
        }
        image(Pick::Random, rest)
    }

    /// Picsum's route name, for metrics.
    fn name(&self) -> &'static str {
        match self {
            Self::Image {
                pick: Pick::Random, ..
            } => "api.randomImageRedirect",
            Self::Image {
                pick: Pick::Gray, ..
            } => "api.deprecatedImage",
            Self::Image {
                pick: Pick::Id(_), ..
            } => "api.imageRedirect",
            Self::Image {
                pick: Pick::Seed(_),
                ..
            } => "api.seedImageRedirect",
            Self::Info(_) => "api.info",
            Self::SeedInfo(_) => "api.infoSeed",
            Self::Meta(_) => "api.meta",
            Self::List => "api.list",
            Self::PickMany => "api.pick",
            Self::LegacyList => "api.deprecatedList",
            Self::Static(_) => "api.serveFile",
        }
    }

    /// Every route but the static files is GET only (as Picsum's: HEAD too is a 405).
    fn methods(&self) -> &'static [http::Method] {
        const GET: &[http::Method] = &[http::Method::GET];
        GET
    }

    /// Static files answer any method; every other route only its [`Self::methods`].
    fn allows(&self, method: &http::Method) -> bool {
        matches!(self, Self::Static(_)) || self.methods().contains(method)
    }
}

/// `/{id|seed}/{name}/info` or `/{id|seed}/{name}/{size}{ext}`.
fn named(
    name: &str,
    tail: &str,
    pick: fn(String) -> Pick,
    info: fn(String) -> Route,
) -> Option<Route> {
    if name.is_empty() {
        return None;
    }
    if tail == "info" {
        return Some(info(name.to_owned()));
    }
    if tail == "meta" {
        return Some(Route::Meta(pick(name.to_owned())));
    }
    image(pick(name.to_owned()), tail)
}

/// `{size}{ext}` or `{width}/{height}{ext}`, where `ext` is empty or starts with a dot.
fn image(pick: Pick, s: &str) -> Option<Route> {
    let (first, tail) = leading_digits(s)?;
    let is_ext = |t: &str| t.is_empty() || t.starts_with('.');
    let (size, ext) = if is_ext(tail) {
        (Size::Square(first.to_owned()), tail)
    } else {
        let (second, ext) = leading_digits(tail.strip_prefix('/')?)?;
        if !is_ext(ext) {
            return None;
        }
        (Size::Rect(first.to_owned(), second.to_owned()), ext)
    };
    Some(Route::Image {
        pick,
        size,
        ext: ext.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use picsum_web::routing::RouteTable;

    fn img(pick: Pick, size: Size, ext: &str) -> Option<Route> {
        Some(Route::Image {
            pick,
            size,
            ext: ext.into(),
        })
    }
    fn sq(s: &str) -> Size {
        Size::Square(s.into())
    }
    fn rect(w: &str, h: &str) -> Size {
        Size::Rect(w.into(), h.into())
    }

    #[test]
    fn grammar() {
        assert_eq!(Route::parse("/200"), img(Pick::Random, sq("200"), ""));
        assert_eq!(
            Route::parse("/200/300.webp"),
            img(Pick::Random, rect("200", "300"), ".webp")
        );
        assert_eq!(
            Route::parse("/200.x/300"),
            img(Pick::Random, sq("200"), ".x/300")
        );
        assert_eq!(
            Route::parse("/id/1/200/300.jpg"),
            img(Pick::Id("1".into()), rect("200", "300"), ".jpg")
        );
        assert_eq!(
            Route::parse("/seed/hello world/200"),
            img(Pick::Seed("hello world".into()), sq("200"), "")
        );
        assert_eq!(
            Route::parse("/g/200/300"),
            img(Pick::Gray, rect("200", "300"), "")
        );
        assert_eq!(Route::parse("/id/1/info"), Some(Route::Info("1".into())));
        assert_eq!(
            Route::parse("/seed/x/info"),
            Some(Route::SeedInfo("x".into()))
        );
        assert_eq!(Route::parse("/v2/list"), Some(Route::List));
        assert_eq!(Route::parse("/v2/pick"), Some(Route::PickMany));
        assert_eq!(
            Route::parse("/id/1/meta"),
            Some(Route::Meta(Pick::Id("1".into())))
        );
        assert_eq!(
            Route::parse("/seed/s/meta"),
            Some(Route::Meta(Pick::Seed("s".into())))
        );
        assert_eq!(Route::parse("/list"), Some(Route::LegacyList));
        for none in [
            "/seed/abc",
            "/id/1",
            "/200/300/400",
            "/index.html",
            "/id//200",
            "/abc",
            "/200/x",
            "/g/x",
            "/id/1/info/x",
            "/v2/list/x",
            "/id/1/meta/x",
            "/v2/pick/x",
        ] {
            assert_eq!(Route::parse(none), None, "{none}");
        }
    }
}
