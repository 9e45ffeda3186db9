//! The public API of picsum-rs: Lorem Picsum's URL grammar, answered from an in-memory
//! catalog snapshot with 302 redirects to HMAC-signed image-service URLs, plus the JSON
//! endpoints and the web site.
//!
//! Layout: [`config`] (flags and `PICSUM_*` environment), [`state`] (what every request
//! shares), [`routes`] (the route table), [`select`] (a request's filter and seed mode),
//! [`handlers`] (redirects, info, meta, lists),
//! [`pick`] (`/v2/pick`), [`hints`] (format and density from `Accept` and client hints), [`lqip`] (`?lqip` and `?color` placeholder images), [`web`] (embedded site), [`error`] (the one error →
//! HTTP mapping). [`serve`] is the entry point for `main`, `picsum dev` and the tests.

pub mod config;
pub mod error;
pub mod handlers;
pub mod hints;
pub mod lqip;
pub mod pick;
pub mod routes;
pub mod select;
pub mod state;
pub mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use http::Method;
use picsum_catalog::meta::Fields;
pub use picsum_db::live::LiveCatalog;
use picsum_url::query::Query;
use picsum_web::cors::Cors;
use picsum_web::health::{Component, Health, Need, ops_router};
use picsum_web::routing::RequestInfo;
use tokio::net::TcpListener;

pub use config::ApiConfig;
use error::ApiError;
use routes::{Pick, Route};
pub use state::AppState;

const CORS: Cors = Cors {
    methods: &[Method::GET],
    expose: None,
};

/// The public router.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .fallback(dispatch)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            CORS,
            picsum_web::cors::cors,
        ))
}

async fn dispatch(State(state): State<Arc<AppState>>, req: Request) -> Response {
    picsum_web::routing::dispatch(
        req,
        |json| ApiError::PageNotFound.into_response(json),
        |route: Route, info| async move { handle(&state, route, &info) },
    )
    .await
}

fn handle(state: &AppState, route: Route, info: &RequestInfo) -> Response {
    let query = Query::parse(&info.query);
    let catalog = state.catalog.current();
    let result = match route {
        Route::Image {
            pick: pick @ (Pick::Random | Pick::Gray),
            size,
            ext,
        } => {
            // Deprecated `?image={id}`: a specific image instead of a random one. On the
            // random routes its errors are always plain text (Picsum's middleware).
            match query.get("image").filter(|id| !id.is_empty()) {
                Some(id) => {
                    let plain = pick == Pick::Random;
                    let forced = Pick::Id(id.to_owned());
                    let mut q = query.clone();
                    if pick == Pick::Gray {
                        q.push("grayscale", "");
                    }
                    let res = handlers::image_redirect(
                        state,
                        &catalog,
                        &forced,
                        &size,
                        &ext,
                        &q,
                        &info.headers,
                    );
                    return res.unwrap_or_else(|e| e.into_response(info.json && !plain));
                }
                None => handlers::image_redirect(
                    state,
                    &catalog,
                    &pick,
                    &size,
                    &ext,
                    &query,
                    &info.headers,
                ),
            }
        }
        Route::Image { pick, size, ext } => {
            handlers::image_redirect(state, &catalog, &pick, &size, &ext, &query, &info.headers)
        }
        Route::Info(id) => handlers::info(state, &catalog, &Pick::Id(id), &query, None),
        Route::SeedInfo(seed) => handlers::info(state, &catalog, &Pick::Seed(seed), &query, None),
        Route::Meta(pick) => handlers::info(state, &catalog, &pick, &query, Some(Fields::ALL)),
        Route::List => handlers::list(state, &catalog, &query),
        Route::PickMany => pick::pick(state, &catalog, &query),
        Route::LegacyList => Ok(handlers::legacy(&catalog)),
        Route::Static(file) => {
            let mut res = state.site.response(file, &info.headers);
            if state.client_hints {
                res.headers_mut().insert(
                    "accept-ch",
                    http::HeaderValue::from_static(hints::ACCEPT_CH),
                );
            }
            Ok(res)
        }
    };
    result.unwrap_or_else(|e| e.into_response(info.json))
}

/// Runs the API on `listener` (and its health/metrics listener) until `shutdown` resolves,
/// then finishes in-flight requests.
///
/// # Errors
/// The catalog cannot be loaded, the metrics listener cannot bind, or the server fails.
pub async fn serve(
    config: ApiConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // The recorder first: what start-up records (the queue's bound, the budgets) is kept.
    picsum_web::telemetry::prometheus();
    picsum_web::client::trust_for_logs(config.trusted_proxies.0.clone());
    let state = Arc::new(AppState::from_config(&config).await?);
    let ops = TcpListener::bind(config.metrics_listen).await?;
    picsum_web::telemetry::publish_build_info("picsum_api", env!("PICSUM_GIT_SHA"), &[], &[]);
    let catalog = state.catalog.clone();
    let health = Health::spawn(&[("database", Need::Required)], move || {
        let ok = catalog.current().random().is_some();
        async move { vec![("database", Component::from_ok(ok))] }
    });
    tracing::info!(
        listen = %listener.local_addr()?,
        metrics = %ops.local_addr()?,
        version = env!("CARGO_PKG_VERSION"),
        git_sha = env!("PICSUM_GIT_SHA"),
        "api started"
    );
    let shutdown = health.drain_after(
        shutdown,
        std::time::Duration::from_millis(config.shutdown_delay_ms),
    );
    // The API answers small bodies: the default send floor suits it.
    picsum_web::server::serve_with_ops(
        listener,
        router(state),
        ops,
        ops_router(health),
        shutdown,
        picsum_web::send_floor::SendFloor::default(),
    )
    .await?;
    Ok(())
}
