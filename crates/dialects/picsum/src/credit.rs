//! Photo credits on image answers: `Picsum-Author` and `Link: <source>; rel="author"`.
//!
//! The dialect does not know the catalog; the service hands it a [`Credits`] lookup. Header
//! values are ASCII: bytes outside printable ASCII (and `%`) are percent-encoded UTF-8, so
//! `Häggström` travels as `H%C3%A4ggstr%C3%B6m`.

use http::HeaderMap;
use http::header::{self, HeaderValue};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

pub use picsum_image_core::credits::{Credit, Credits};

/// Controls, non-ASCII (encoded by the encoder itself) and `%`.
const HEADER: &AsciiSet = &CONTROLS.add(b'%');
/// In a `Link` target also what would end or break the `<…>`.
const LINK: &AsciiSet = &HEADER.add(b'<').add(b'>').add(b' ').add(b'"');

/// Adds the credit headers to an image answer.
pub fn add_headers(headers: &mut HeaderMap, credit: &Credit) {
    let author = utf8_percent_encode(&credit.author, HEADER).to_string();
    if let Ok(v) = HeaderValue::from_str(&author) {
        headers.insert("picsum-author", v);
    }
    if !credit.source.is_empty() {
        let link = format!(
            "<{}>; rel=\"author\"",
            utf8_percent_encode(&credit.source, LINK)
        );
        if let Ok(v) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(author: &str, source: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        add_headers(
            &mut h,
            &Credit {
                author: author.into(),
                source: source.into(),
            },
        );
        h
    }

    #[test]
    fn ascii_passes_and_the_rest_is_encoded() {
        let h = headers("\"Bolly\", CC BY-SA 4.0", "https://example.com/a b>");
        assert_eq!(h["picsum-author"], "\"Bolly\", CC BY-SA 4.0");
        assert_eq!(h["link"], "<https://example.com/a%20b%3E>; rel=\"author\"");
        let h = headers("Mikael Häggström, 100%", "");
        assert_eq!(h["picsum-author"], "Mikael H%C3%A4ggstr%C3%B6m, 100%25");
        assert!(h.get("link").is_none());
        let h = headers("a\r\nSet-Cookie: x", "");
        assert_eq!(h["picsum-author"], "a%0D%0ASet-Cookie: x");
    }

    proptest::proptest! {
        #[test]
        fn any_text_makes_valid_headers(author in ".{0,60}", source in ".{0,60}") {
            let h = headers(&author, &source);
            proptest::prop_assert!(h.contains_key("picsum-author"));
            proptest::prop_assert_eq!(h.contains_key("link"), !source.is_empty());
        }
    }
}
