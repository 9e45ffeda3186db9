//! The public router: the write routes ([`crate::writes`]), `/openapi.json` (the routes
//! described, `crates/image-service/openapi.json`), the dialects' fixed routes (picfit's
//! status endpoints), and everything else through [`crate::dispatch`]; CORS, the rate
//! limit and what the dialects wrap around it (picfit's request counters).

use std::sync::Arc;

use axum::Router;
use axum::response::Response;
use http::Method;
use picsum_web::cors::Cors;

use crate::AppState;
use crate::dispatch::dispatch;
use crate::writes;

const CORS: Cors = Cors {
    methods: &[Method::GET, Method::POST, Method::DELETE],
    expose: Some("Content-Type, Picsum-Id"),
};

/// The public router: uploads and deletes, status endpoints, then everything else
/// through [`dispatch`].
///
/// Each fixed route takes its own methods and hands every other one to [`dispatch`]
/// (`any(dispatch).post(…)`, not `post(…).fallback(dispatch)`, which would have axum stamp
/// `Allow: POST` on every answer the dialects give); a 405 names the methods itself.
pub fn router(state: Arc<AppState>) -> Router {
    use axum::routing::any;
    let body_limit = state.core.uploads.body_limit();
    let mut router = Router::new()
        .route("/openapi.json", any(dispatch).get(openapi))
        .route("/upload", any(only_post).post(writes::upload))
        .route("/", any(dispatch).delete(writes::delete_root))
        .route(
            "/{*path}",
            any(dispatch)
                .post(writes::upload_with_key)
                .delete(writes::delete),
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
    for (paths, answers) in state.dialects.fixed_routes(&state.core, &state.guard) {
        for path in paths {
            router = router.route(path, any(dispatch).get_service(answers.clone()));
        }
    }
    router = state.dialects.around(router);
    let memory = state.core.memory.clone();
    let guard = Arc::clone(&state.guard);
    router
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            memory,
            picsum_image_core::respond::hold_answers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            CORS,
            picsum_web::cors::cors,
        ))
        // Outermost: every request runs on behalf of the client the gate names.
        .layer(axum::middleware::from_fn_with_state(
            guard,
            picsum_guard::gate::gate,
        ))
}

/// `/upload` with another method than POST: 405 (no dialect has the path).
async fn only_post() -> Response {
    picsum_web::response::method_not_allowed(&[Method::POST])
}

/// The OpenAPI 3.1 description of this listener's routes.
async fn openapi() -> Response {
    let mut res = Response::new(axum::body::Body::from(OPENAPI));
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    res
}

/// The document: `openapi.base.json` with every dialect's part (a test holds it so).
const OPENAPI: &str = include_str!("../openapi.json");
