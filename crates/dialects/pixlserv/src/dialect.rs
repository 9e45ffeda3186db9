//! How the service registers pixlserv's dialect: built from its settings (its named
//! transformations checked), its eager presets registered as an upload hook, and its
//! `/[{KEY}/]image/…` route served (its upload form is the service's fixed route,
//! [`crate::upload`]).

use std::sync::Arc;

use picsum_guard::dialect::{Answer, Dialect, Registry, Serve};

use crate::eager::EagerPresets;
use crate::settings::Settings;
use crate::{Pixlserv, Route};

impl Dialect for Pixlserv {
    type Settings = Settings;
    type Route = Route;

    fn build(settings: &Settings, registry: &mut Registry) -> anyhow::Result<Arc<Self>> {
        let pixlserv = Arc::new(settings.build()?);
        registry
            .hooks
            .push(Arc::new(EagerPresets(Arc::clone(&pixlserv))));
        Ok(pixlserv)
    }

    fn route(path: &str) -> Option<Route> {
        Route::parse(path)
    }

    fn route_name(_: &Route) -> &'static str {
        "pixlserv.image"
    }

    fn serve<'a>(self: &'a Arc<Self>, at: Serve<'a>, route: &'a Route) -> Answer<'a> {
        Box::pin(crate::serve::handle(
            at.core,
            at.guard,
            self,
            route,
            &at.request.headers,
        ))
    }
}
