//! Format and density at the redirect (`PICSUM_CLIENT_HINTS=true`): chosen from `Accept` and
//! client hints, written into the signed URL; off by default, and never for an explicit
//! extension.

use std::sync::Arc;

use picsum_api::AppState;

use crate::{Answer, call, state};

/// Whether any `Vary` names `Accept` (CORS adds its own `Vary: Origin` to every answer).
fn varies_on_accept(a: &Answer) -> bool {
    a.headers
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap().contains("Accept"))
}

fn hinted() -> Arc<AppState> {
    let mut s = (*state("metadata.json")).clone();
    s.client_hints = true;
    Arc::new(s)
}

#[tokio::test]
async fn hints_choose_format_and_size_into_the_signed_url() {
    let s = hinted();
    let a = call(
        &s,
        "GET",
        "/id/1/300/200",
        &[("accept", "image/avif,image/webp,*/*"), ("sec-ch-dpr", "2")],
    )
    .await;
    assert_eq!(a.status, 302);
    let location = a.header("location").unwrap();
    assert!(location.contains("/id/1/600/400.avif?hmac="), "{location}");
    assert_eq!(
        a.header("vary"),
        Some("Accept, Sec-CH-DPR, DPR, Sec-CH-Width, Width")
    );
    assert_eq!(
        a.header("accept-ch"),
        Some("Sec-CH-DPR, Sec-CH-Width, DPR, Width")
    );
    let a = call(
        &s,
        "GET",
        "/seed/x/300/200",
        &[("accept", "image/webp"), ("width", "450")],
    )
    .await;
    assert!(
        a.header("location").unwrap().contains("/450/300.webp?"),
        "{:?}",
        a.header("location")
    );
    // An explicit extension is the client's choice: untouched, no Vary.
    let a = call(
        &s,
        "GET",
        "/id/1/300/200.jpg",
        &[("accept", "image/avif"), ("dpr", "3")],
    )
    .await;
    assert!(a.header("location").unwrap().contains("/id/1/300/200.jpg?"));
    assert!(!varies_on_accept(&a));
    // `.avif` is an extension of ours now.
    let a = call(&s, "GET", "/id/1/300/200.avif", &[]).await;
    assert!(
        a.header("location")
            .unwrap()
            .contains("/id/1/300/200.avif?")
    );
    // AVIF has a pixel budget: asked for, over it is a 400; chosen by hints, WebP instead.
    let a = call(&s, "GET", "/id/1/2600/2500.avif", &[]).await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.body,
        "AVIF is limited to 6250000 pixels (2500x2500): ask for less, or for .webp or .jpg\n"
    );
    let a = call(
        &s,
        "GET",
        "/id/1/1300/1250",
        &[("accept", "image/avif,image/webp"), ("dpr", "2")],
    )
    .await;
    assert!(
        a.header("location")
            .unwrap()
            .contains("/id/1/2600/2500.webp?")
    );
    // The site asks browsers for the hints.
    assert_eq!(
        call(&s, "GET", "/", &[]).await.header("accept-ch"),
        Some("Sec-CH-DPR, Sec-CH-Width, DPR, Width")
    );
}

#[tokio::test]
async fn off_by_default() {
    let s = state("metadata.json");
    let a = call(
        &s,
        "GET",
        "/id/1/300/200",
        &[("accept", "image/avif"), ("dpr", "2")],
    )
    .await;
    assert!(a.header("location").unwrap().contains("/id/1/300/200.jpg?"));
    assert!(!varies_on_accept(&a) && a.header("accept-ch").is_none());
    assert!(
        call(&s, "GET", "/", &[])
            .await
            .header("accept-ch")
            .is_none()
    );
}
