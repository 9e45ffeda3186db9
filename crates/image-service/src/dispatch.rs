//! Every request the router has no fixed route for is matched against the dialects in
//! turn (Picsum's signed route first, then pixlserv's, then picfit's) and handed to the one
//! that claims it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use http::Method;
use picsum_dialect_picsum::serve as picsum;
use picsum_dialect_pixlserv::serve as pixlserv;
use picsum_image_core::ServiceError;

use crate::AppState;
use crate::config::Dialects;

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

    /// What answers `GET` answers `HEAD` (RFC 9110): the same headers, no body. (Writes
    /// are routed before the dialects, by method: [`crate::routes`].)
    fn methods(&self) -> &'static [Method] {
        const GET_HEAD: &[Method] = &[Method::GET, Method::HEAD];
        GET_HEAD
    }
}

impl Route {
    /// Whether the dialect of this route is switched on (`IMAGE_DIALECTS`).
    fn enabled(&self, dialects: Dialects) -> bool {
        match self {
            Self::Picsum(_) => dialects.picsum,
            Self::Picfit(_) => dialects.picfit,
            Self::Pixlserv(_) => dialects.pixlserv,
        }
    }
}

/// Every request no other route took: matched against the dialects and served by the one
/// that claims it.
pub(crate) async fn dispatch(State(state): State<Arc<AppState>>, req: Request) -> Response {
    use picsum_web::routing::RouteTable as _;
    let dialects = state.dialects;
    picsum_web::routing::dispatch_matching(
        req,
        // A disabled dialect's paths are nobody's: 404, even before a trailing-slash redirect.
        |path: &str| Route::parse(path).filter(|route| route.enabled(dialects)),
        |json| ServiceError::PageNotFound.into_response(json),
        |route: Route, info| async move {
            let core = &state.core;
            let answer = match &route {
                Route::Picsum(route) => {
                    picsum::handle(core, &state.picsum, route, &info.path, &info.query).await
                }
                // Boxed, so that their larger states do not grow every request's future.
                Route::Picfit(route) => {
                    let guard = (&*state.guard, info.peer);
                    Box::pin(picsum_dialect_picfit::serve::handle(
                        core,
                        guard,
                        &state.picfit,
                        route,
                        &info.query,
                        &info.headers,
                    ))
                    .await
                }
                Route::Pixlserv(route) => {
                    Box::pin(pixlserv::handle(
                        core,
                        &state.guard,
                        &state.pixlserv,
                        route,
                        &info.headers,
                    ))
                    .await
                }
            };
            answer.unwrap_or_else(|e| e.into_response(info.json))
        },
    )
    .await
}
