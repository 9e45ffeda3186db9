//! API hot-path benchmarks: URL grammar, parameter parsing, seed selection, signing, and a
//! whole `/seed/{seed}/{w}/{h}` redirect through the router. Run: `cargo bench -p picsum-api`.

use std::hint::black_box;
use std::sync::Arc;

use axum::body::Body;
use criterion::{Criterion, criterion_group, criterion_main};
use picsum_api::AppState;
use picsum_api::routes::Route;
use picsum_catalog::select::SeedMode;
use picsum_catalog::{Catalog, Image};
use picsum_signing::Signer;
use picsum_url::params::{RawParams, SizeSpec};
use picsum_url::query::Query;
use picsum_web::routing::RouteTable;
use tower::ServiceExt;

fn catalog(n: usize) -> Catalog {
    let images = (0..n)
        .map(|i| Image {
            id: i.to_string(),
            author: format!("Author {i}"),
            width: 5000,
            height: 3333,
            url: "https://example.com".into(),
            tags: Vec::new(),
            placeholder: None,
        })
        .collect();
    Catalog::from_images(images).unwrap_or_else(|e| panic!("{e}"))
}

fn bench(c: &mut Criterion) {
    c.bench_function("route/parse_seed_path", |b| {
        b.iter(|| Route::parse(black_box("/seed/picsum/200/300.webp")))
    });
    c.bench_function("params/parse_and_validate", |b| {
        let q = Query::parse("grayscale&blur=3&random=7");
        b.iter(|| {
            RawParams::parse(
                SizeSpec::Rect(black_box("200"), black_box("300")),
                ".jpg",
                &q,
            )
            .and_then(RawParams::validate)
        })
    });
    let signer = Signer::new("a-production-sized-secret-key");
    c.bench_function("signing/sign_path", |b| {
        b.iter(|| signer.sign(black_box("/id/237/200/300.jpg?blur=5&grayscale")))
    });
    for n in [1_000, 100_000] {
        let cat = catalog(n);
        c.bench_function(&format!("seed/select_of_{n}"), |b| {
            b.iter(|| cat.by_seed(black_box("picsum")).map(|i| i.id.len()))
        });
        let all = picsum_catalog::filter::Filter::default();
        let landscape = picsum_catalog::filter::Filter::parse(Some("landscape"), None)
            .unwrap_or_else(|e| panic!("{e}"));
        let (picsum, stable) = (SeedMode::Picsum, SeedMode::Stable);
        c.bench_function(&format!("seed/stable_of_{n}"), |b| {
            b.iter(|| {
                cat.seeded(black_box("picsum"), &all, stable)
                    .map(|i| i.id.len())
            })
        });
        // Every image matches: the worst case of a filtered pick.
        c.bench_function(&format!("seed/filtered_of_{n}"), |b| {
            b.iter(|| {
                cat.seeded(black_box("picsum"), &landscape, picsum)
                    .map(|i| i.id.len())
            })
        });
        c.bench_function(&format!("catalog/get_of_{n}"), |b| {
            b.iter(|| cat.get(black_box("777")).map(|i| i.width))
        });
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let state = Arc::new(AppState {
        catalog: picsum_api::LiveCatalog::new(catalog(1_000)),
        signer,
        root_url: "https://picsum.example".into(),
        image_service_url: "https://images.picsum.example".into(),
        site: picsum_api::web::Site::new("https://picsum.example"),
        seed_mode: picsum_catalog::select::SeedMode::Picsum,
        client_hints: false,
    });
    let router = picsum_api::router(state);
    c.bench_function("router/seed_redirect", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let req = http::Request::get("/seed/picsum/200/300?grayscale")
                    .body(Body::empty())
                    .unwrap_or_else(|e| panic!("{e}"));
                router.clone().oneshot(req).await.map(|r| r.status())
            })
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
