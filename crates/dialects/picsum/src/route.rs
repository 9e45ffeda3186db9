//! Picsum's image route: `/id/{id}/{width}/{height}{ext}` on the decoded path.

use picsum_url::params::leading_digits;

/// The path parts of an image URL, before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRoute {
    /// Image id.
    pub id: String,
    /// Width digits.
    pub width: String,
    /// Height digits.
    pub height: String,
    /// Extension, from the dot to the end of the path.
    pub ext: String,
}

impl ImageRoute {
    /// The route's name in metrics (Picsum's).
    #[must_use]
    pub const fn name(&self) -> &'static str {
        "imageapi.image"
    }

    /// Matches `/id/{id}/{width:[0-9]+}/{height:[0-9]+}{ext:\..*}` on a decoded path.
    #[must_use]
    pub fn parse(path: &str) -> Option<Self> {
        let rest = path.strip_prefix("/id/")?;
        let (id, rest) = rest.split_once('/')?;
        let (width, rest) = leading_digits(rest)?;
        let (height, ext) = leading_digits(rest.strip_prefix('/')?)?;
        (!id.is_empty() && ext.starts_with('.')).then(|| Self {
            id: id.to_owned(),
            width: width.to_owned(),
            height: height.to_owned(),
            ext: ext.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_grammar() {
        let r = ImageRoute::parse("/id/1/200/120.jpg").unwrap();
        assert_eq!(
            (
                r.id.as_str(),
                r.width.as_str(),
                r.height.as_str(),
                r.ext.as_str()
            ),
            ("1", "200", "120", ".jpg")
        );
        assert_eq!(
            ImageRoute::parse("/id/1/200/120.jpg/x").unwrap().ext,
            ".jpg/x"
        );
        for bad in [
            "/id/1/200/120",
            "/id/1/200.jpg",
            "/id//200/120.jpg",
            "/id/1/2a/120.jpg",
            "/x/1/200/120.jpg",
            "/id/1/200/120jpg",
        ] {
            assert!(ImageRoute::parse(bad).is_none(), "{bad}");
        }
    }
}
