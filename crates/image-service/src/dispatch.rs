//! Every request the router has no fixed route for is matched against the dialects in
//! turn ([`crate::dialects`]: Picsum's signed route first, then pixlserv's, then picfit's)
//! and handed to the one that claims it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use picsum_guard::dialect::Serve;
use picsum_image_core::ServiceError;

use crate::AppState;
pub use crate::dialects::Route;

/// Every request no other route took: matched against the dialects and served by the one
/// that claims it.
pub(crate) async fn dispatch(State(state): State<Arc<AppState>>, req: Request) -> Response {
    use picsum_web::routing::RouteTable as _;
    let enabled = state.enabled;
    picsum_web::routing::dispatch_matching(
        req,
        // A disabled dialect's paths are nobody's: 404, even before a trailing-slash redirect.
        |path: &str| Route::parse(path).filter(|route| enabled.contains(route.dialect())),
        |json| ServiceError::PageNotFound.into_response(json),
        |route: Route, info| async move {
            let at = Serve {
                core: &state.core,
                guard: &state.guard,
                request: &info,
            };
            let answer = route.serve(&state.dialects, at).await;
            answer.unwrap_or_else(|e| e.into_response(info.json))
        },
    )
    .await
}
