//! The public router: the write routes ([`crate::writes`]), picfit's status endpoints, and
//! every other request matched against the dialects in turn (Picsum's signed route first,
//! then pixlserv's, then picfit's) and handed to the one that claims it.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use http::Method;
use http::header::HeaderMap;
use picsum_dialect_picfit::status;
use picsum_dialect_picsum::serve as picsum;
use picsum_dialect_pixlserv::serve as pixlserv;
use picsum_guard::access::Peer;
use picsum_image_core::ServiceError;
use picsum_web::cors::Cors;

use crate::AppState;
use crate::writes;

/// The routes of the public listener, one variant per dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Picsum's signed `/id/{id}/{w}/{h}{ext}`.
    Picsum(picsum_dialect_picsum::Route),
    /// picfit's `/{display|redirect|get}[/…]`.
    Picfit(picsum_dialect_picfit::Route),
    /// pixlserv's `/[{KEY}/]image/{params}/{path}`.
    Pixlserv(picsum_dialect_pixlserv::Route),
}

impl picsum_web::routing::RouteTable for Route {
    fn parse(path: &str) -> Option<Self> {
        if let Some(route) = picsum_dialect_picsum::Route::parse(path) {
            return Some(Self::Picsum(route));
        }
        if let Some(route) = picsum_dialect_pixlserv::Route::parse(path) {
            return Some(Self::Pixlserv(route));
        }
        picsum_dialect_picfit::Route::parse(path).map(Self::Picfit)
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Picsum(route) => route.name(),
            Self::Picfit(route) => route.name(),
            Self::Pixlserv(_) => "pixlserv.image",
        }
    }

    fn allows(&self, method: &Method) -> bool {
        method == Method::GET
    }
}

const CORS: Cors = Cors {
    methods: &[Method::GET, Method::POST, Method::DELETE],
    expose: Some("Content-Type, Picsum-Id"),
};

/// The public router: uploads and deletes, status endpoints, then everything else
/// through [`dispatch`].
pub fn router(state: Arc<AppState>) -> Router {
    use axum::routing::{delete, get, post};
    let body_limit = state.core.uploads.body_limit();
    let mut router = Router::new()
        .route("/healthcheck", get(healthcheck).fallback(dispatch))
        .route("/sys/stats", get(sys_stats).fallback(dispatch))
        .route("/sys/health", get(sys_health).fallback(dispatch))
        .route("/upload", post(writes::upload).fallback(dispatch))
        .route("/", delete(writes::delete_root).fallback(dispatch))
        .route(
            "/{*path}",
            post(writes::upload_with_key)
                .delete(writes::delete)
                .fallback(dispatch),
        )
        .fallback(dispatch)
        .layer(axum::extract::DefaultBodyLimit::max(body_limit));
    // Middleware that is switched off costs nothing: it is not layered at all.
    if state.guard.access.limiter.is_some() {
        router = router.layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state.guard),
            picsum_guard::ratelimit::rate_limit,
        ));
    }
    if state.status.stats.is_some() {
        router = router.layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state.status),
            status::count,
        ));
    }
    router
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            CORS,
            picsum_web::cors::cors,
        ))
}

/// Every request no other route took: matched against the dialects and served by the one
/// that claims it.
pub(crate) async fn dispatch(State(state): State<Arc<AppState>>, req: Request) -> Response {
    picsum_web::routing::dispatch(
        req,
        |json| ServiceError::PageNotFound.into_response(json),
        |route: Route, info| async move {
            let core = &state.core;
            let answer = match &route {
                Route::Picsum(route) => {
                    picsum::serve(core, &state.picsum, route, &info.path, &info.query).await
                }
                Route::Picfit(route) => {
                    picsum_dialect_picfit::serve::serve(
                        core,
                        &state.picfit,
                        route,
                        &info.query,
                        &info.headers,
                    )
                    .await
                }
                Route::Pixlserv(route) => {
                    pixlserv::serve(core, &state.guard, &state.pixlserv, route, &info.headers).await
                }
            };
            answer.unwrap_or_else(|e| e.into_response(info.json))
        },
    )
    .await
}

async fn healthcheck(State(state): State<Arc<AppState>>) -> Response {
    status::healthcheck(&state.status)
}

async fn sys_stats(State(state): State<Arc<AppState>>) -> Response {
    status::sys_stats(&state.status)
}

async fn sys_health(
    State(state): State<Arc<AppState>>,
    peer: Peer,
    headers: HeaderMap,
) -> Response {
    status::sys_health(&state.core, &state.guard, &state.status, &headers, peer.0)
}
