//! How the service registers Lorem Picsum's dialect: built from its settings with the
//! catalog's credits, its pre-sized variants registered as companions of an original, and
//! its signed `/id/` route served.

use std::sync::Arc;

use picsum_guard::dialect::{Answer, Dialect, Registry, Serve};

use crate::settings::Settings;
use crate::variants::Variants;
use crate::{Picsum, Route};

impl Dialect for Picsum {
    type Settings = Settings;
    type Route = Route;

    const OPENAPI: &'static str = include_str!("../openapi.json");
    const ROUTE_NAMES: &'static [&'static str] = &["imageapi.image"];

    fn build(settings: &Settings, registry: &mut Registry) -> anyhow::Result<Arc<Self>> {
        registry.companions.push(Arc::new(Variants));
        Ok(Arc::new(settings.build(registry.credits.clone())))
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
            self,
            route,
            &request.path,
            &request.query,
        ))
    }
}
