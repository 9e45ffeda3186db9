//! How the service registers pixlserv's dialect: built from its settings (its named
//! transformations checked), its authorisation handed to the guard, its eager presets
//! registered as an upload hook, and its
//! `/[{KEY}/]image/…` route served, and its uploads (image in `image`, at `POST /upload` and
//! with an API key at `POST /{KEY}/upload`, [`crate::upload`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::response::Response;
use picsum_guard::dialect::{Answer, Dialect, Registry, Serve};
use picsum_image_core::upload::{FormSpec, Received};
use picsum_image_core::{Core, ServiceError};

use crate::eager::EagerPresets;
use crate::settings::Settings;
use crate::{Pixlserv, Route};

impl Dialect for Pixlserv {
    type Settings = Settings;
    type Route = Route;

    const OPENAPI: &'static str = include_str!("../openapi.json");
    const ROUTE_NAMES: &'static [&'static str] = &["pixlserv.image"];

    fn build(settings: &Settings, registry: &mut Registry) -> anyhow::Result<Arc<Self>> {
        let pixlserv = Arc::new(settings.build()?);
        registry.auth.get |= settings.auth_get;
        registry.auth.upload |= settings.auth_upload;
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

    fn upload_form() -> Option<FormSpec<'static>> {
        Some(crate::upload::FORM)
    }

    fn keyed_uploads() -> bool {
        true
    }

    fn upload<'a>(
        self: &'a Arc<Self>,
        core: &'a Arc<Core>,
        secret: Option<&'a str>,
        form: Received,
    ) -> Pin<Box<dyn Future<Output = Response> + Send + 'a>> {
        Box::pin(crate::upload::handle(core, secret, form))
    }

    fn upload_refused(e: ServiceError) -> Response {
        crate::upload::refused(e)
    }
}
