//! Property tests of picfit's grammar: any path and query a client sends parses into the
//! model or is refused with a 4xx, never a panic; the parsed pipeline is within the limits.

use picsum_dialect_picfit::parse::{Method, Settings, parse};
use picsum_dialect_picfit::{PicfitError, Route};
use proptest::prelude::*;

const KEYS: &[&str] = &[
    "path", "url", "op", "w", "h", "fmt", "q", "upscale", "gravity", "deg", "pos", "filter",
    "color", "stick", "sig", "force",
];

/// A query built from picfit's own keys with plausible and hostile values, sub-operations
/// (`op:NAME+key:value`) included.
fn picfit_query() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        "[0-9]{1,6}",
        "(resize|thumbnail|fit|pad|crop|rotate|flip|effect|noop|flat|nope)",
        "op:(flat|resize|rotate)(\\+(path|w|h|deg|stick|pos|color):[a-z0-9./_-]{0,8}){0,5}",
        "[a-zA-Z0-9./:%#_-]{0,12}",
        "(jpg|png|webp|avif|gif|bmp|tiff)",
        "(http|https|ftp)://[a-z0-9.:-]{0,12}/[a-z.]{0,6}",
    ];
    prop::collection::vec((prop::sample::select(KEYS), value), 0..8).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn settings(signed: bool) -> Settings<'static> {
    Settings {
        secret: signed.then_some(b"secret".as_slice()),
        quality: 95,
        allowed_sizes: &[],
    }
}

proptest! {
    #[test]
    fn any_request_parses_or_is_a_4xx(
        tail in "(/[a-z0-9_x]{0,10}){0,5}|.{0,20}",
        query in prop_oneof![picfit_query(), any::<String>()],
        signed in any::<bool>(),
    ) {
        for method in [Method::Display, Method::Get, Method::Redirect] {
            match parse(method, &tail, &query, settings(signed)) {
                Ok(req) => {
                    prop_assert!(req.pipeline.ops.len() <= 64);
                    prop_assert!(req.key.len() == 32);
                    // The canonical form is a function of the request.
                    let again = parse(method, &tail, &query, settings(signed));
                    prop_assert_eq!(again.map(|r| r.pipeline.canonical()).ok(), Some(req.pipeline.canonical()));
                }
                Err(e) => prop_assert!(status_of(&e).is_client_error(), "{e:?}"),
            }
        }
    }

    #[test]
    fn any_path_routes_or_not(path in ".{0,40}") {
        if let Some(route) = Route::parse(&path) {
            let segment = format!("/{}", route.name().trim_start_matches("picfit."));
            prop_assert!(path.starts_with(&segment), "{} {}", path, segment);
        }
        let _ = Route::parse_delete(&path);
    }
}

fn status_of(e: &PicfitError) -> http::StatusCode {
    e.status()
}
