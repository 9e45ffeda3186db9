//! Property tests of Picsum's URL grammar: any query string, size and extension a client
//! can send parses or is refused with Picsum's error, never a panic; the canonical forms
//! the signature covers are fixed points.

use picsum_url::params::{RawParams, SizeSpec, leading_digits};
use picsum_url::query::Query;
use proptest::prelude::*;

/// Query-ish text: the characters that matter to the parser, and anything else.
fn query_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z=&;%+0-9 .]{0,40}",
        "(blur|grayscale|hmac|x)(=[0-9a-z%+;-]{0,6})?(&(blur|grayscale|hmac)(=[0-9%-]{0,4})?){0,4}",
        any::<String>(),
    ]
}

proptest! {
    #[test]
    fn queries_parse_and_their_encodings_are_fixed_points(raw in query_text()) {
        let q = Query::parse(&raw);
        let all = q.encode_all();
        prop_assert_eq!(Query::parse(&all).encode_all(), all);
        // Picsum's canonical form writes a key with an empty value bare, so an empty key
        // with an empty value vanishes from it: such a URL fails verification (400).
        if q.pairs().all(|(k, _)| !k.is_empty()) {
            let canonical = q.canonical();
            let again = Query::parse(canonical.trim_start_matches('?')).canonical();
            prop_assert_eq!(again, canonical);
        }
    }

    #[test]
    fn image_parameters_parse_or_are_refused(
        w in "[0-9]{0,12}|.{0,8}",
        h in "[0-9]{0,12}|.{0,8}",
        ext in "(\\.(jpg|webp|JPG|png|))?|.{0,6}",
        raw in query_text(),
        square in any::<bool>(),
    ) {
        let query = Query::parse(&raw);
        let size = if square { SizeSpec::Square(&w) } else { SizeSpec::Rect(&w, &h) };
        if let Ok(params) = RawParams::parse(size, &ext, &query).and_then(RawParams::validate) {
            prop_assert!(params.width <= picsum_url::params::MAX_DIMENSION);
            prop_assert!(params.height <= picsum_url::params::MAX_DIMENSION);
            if let Some(blur) = params.blur {
                prop_assert!(picsum_url::params::BLUR_RANGE.contains(&i64::from(blur)));
            }
        }
    }

    #[test]
    fn leading_digits_split_exactly(s in ".{0,12}") {
        if let Some((digits, rest)) = leading_digits(&s) {
            prop_assert!(!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(format!("{digits}{rest}"), s);
        }
    }
}
