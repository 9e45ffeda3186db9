//! How the service registers picfit's dialect: built from its settings, its
//! `/display|get|redirect` routes served, its upload form (image in `data`, [`crate::upload`]),
//! its `DELETE` of one derivative, and its status endpoints and request counters
//! ([`crate::status`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::response::Response;
use picsum_guard::Guard;
use picsum_guard::dialect::{Answer, Dialect, Registry, Removal, Serve};
use picsum_image_core::upload::{FormSpec, Received};
use picsum_image_core::{Core, ServiceError};

use crate::settings::Settings;
use crate::{Picfit, Route};

impl Dialect for Picfit {
    type Settings = Settings;
    type Route = Route;

    const OPENAPI: &'static str = include_str!("../openapi.json");
    const ROUTE_NAMES: &'static [&'static str] =
        &["picfit.display", "picfit.get", "picfit.redirect"];

    fn build(settings: &Settings, _: &mut Registry) -> anyhow::Result<Arc<Self>> {
        Ok(Arc::new(settings.build()))
    }

    fn route(path: &str) -> Option<Route> {
        Route::parse(path)
    }

    fn route_name(route: &Route) -> &'static str {
        route.name()
    }

    fn serve<'a>(self: &'a Arc<Self>, at: Serve<'a>, route: &'a Route) -> Answer<'a> {
        let request = at.request;
        Box::pin(crate::serve::handle(
            at.core,
            (at.guard, request.peer),
            self,
            route,
            &request.query,
            &request.headers,
        ))
    }

    fn upload_form() -> Option<FormSpec<'static>> {
        Some(crate::upload::FORM)
    }

    fn upload<'a>(
        self: &'a Arc<Self>,
        core: &'a Arc<Core>,
        _: Option<&'a str>,
        form: Received,
    ) -> Pin<Box<dyn Future<Output = Response> + Send + 'a>> {
        Box::pin(crate::upload::handle(core, form))
    }

    fn upload_refused(e: ServiceError) -> Response {
        crate::upload::refused(e)
    }

    fn fixed_routes(
        self: &Arc<Self>,
        core: &Arc<Core>,
        guard: &Arc<Guard>,
    ) -> Option<(&'static [&'static str], axum::Router)> {
        Some((
            crate::status::PATHS,
            crate::status::router(&self.status, core, guard),
        ))
    }

    fn around<S: Clone + Send + Sync + 'static>(
        self: &Arc<Self>,
        router: axum::Router<S>,
    ) -> axum::Router<S> {
        if self.status.stats.is_none() {
            return router; // switched off, it costs nothing: not layered at all
        }
        router.layer(axum::middleware::from_fn_with_state(
            Arc::clone(&self.status),
            crate::status::count,
        ))
    }

    fn delete<'a>(self: &'a Arc<Self>, core: &'a Arc<Core>, path: &'a str) -> Option<Removal<'a>> {
        let route = Route::parse_delete(path)?;
        Some(Box::pin(async move {
            crate::serve::delete_derived(core, self, &route).await
        }))
    }
}
