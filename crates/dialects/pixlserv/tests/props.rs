//! Property tests of pixlserv's grammar and preset files: any path parses or is refused
//! with a 4xx, never a panic; pixlserv's canonical parameter string names exactly one
//! transformation; any preset text loads or is refused at start-up with a message.

use picsum_dialect_pixlserv::parse::{Route, parse};
use picsum_dialect_pixlserv::presets::{Preset, load};
use picsum_image_core::ServiceError;
use proptest::prelude::*;

/// pixlserv parameter lists with known and unknown keys and hostile values.
fn params() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        "[wh]_-?[0-9]{1,7}",
        "c_[eapkz]{0,2}",
        "g_[nsewc]{0,3}",
        "f_(grayscale|none|x)",
        "t_[a-z]{1,6}",
        "[a-z]{0,3}_[a-z0-9]{0,4}",
        "[a-z0-9]{0,4}",
    ];
    prop::collection::vec(part, 1..6).prop_map(|parts| parts.join(","))
}

fn path() -> impl Strategy<Value = String> {
    "([a-z0-9.]{0,8}/){0,2}[a-z0-9]{0,8}(@[0-9]{0,2}x)?\\.(jpg|png|gif|webp|x)"
}

proptest! {
    #[test]
    fn any_request_parses_or_is_a_4xx(
        params in params(),
        other in params(),
        path in path(),
        key in "[a-zA-Z0-9]{0,4}",
    ) {
        let raw = if key.is_empty() {
            format!("/image/{params}/{path}")
        } else {
            format!("/{key}/image/{params}/{path}")
        };
        let Some(route) = Route::parse(&raw) else { return Ok(()) };
        let square = Preset { params: "w_20,h_20,c_p".into(), ..Preset::default() };
        let presets = |name: &str| (name == "square").then_some(&square);
        match parse(&route, presets) {
            Ok(req) => {
                // Equal canonical strings, equal transformations (and parsing is a
                // function of the request).
                let again = parse(&route, presets).map(|r| r.pipeline);
                prop_assert_eq!(again.as_ref().ok(), Some(&req.pipeline));
                let other = Route { params: other, ..route.clone() };
                let plain = !other.params.contains("t_") && !route.params.contains("t_");
                if let Ok(o) = parse(&other, presets)
                    && plain
                    && o.canonical == req.canonical
                {
                    prop_assert_eq!(o.pipeline, req.pipeline);
                }
            }
            Err(e) => {
                let status = ServiceError::from(e).status();
                prop_assert!(status.is_client_error(), "{status}");
            }
        }
    }

    #[test]
    fn any_path_routes_or_not(raw in ".{0,40}") {
        if let Some(route) = Route::parse(&raw) {
            prop_assert!(!route.params.is_empty() && !route.path.is_empty());
        }
    }

    #[test]
    fn any_preset_text_loads_or_is_refused(
        env in "([a-z-]{0,6}=[a-z0-9_,]{0,12};?){0,3}",
        yaml in prop_oneof![
            "transformations:\n(  - name: [a-z]{0,5}\n    parameters: [a-z0-9_,]{0,10}\n(    eager: (Yes|no|x)\n)?){0,3}",
            ".{0,60}",
        ],
        toml_file in any::<bool>(),
    ) {
        let _ = load(&env, None);
        let dir = std::env::temp_dir().join(format!("picsum-props-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(if toml_file { "p.toml" } else { "p.yaml" });
        std::fs::write(&file, &yaml).unwrap();
        let _ = load("", Some(&file));
    }
}
