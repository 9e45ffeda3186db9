//! How the service registers picfit's dialect: built from its settings, its
//! `/display|get|redirect` routes served (its status endpoints and its upload form are the
//! service's fixed routes, [`crate::status`] and [`crate::upload`]).

use std::sync::Arc;

use picsum_guard::dialect::{Answer, Dialect, Registry, Serve};

use crate::settings::Settings;
use crate::{Picfit, Route};

impl Dialect for Picfit {
    type Settings = Settings;
    type Route = Route;

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
}
