//! What a dialect registers with the service ([`Dialect`]): its settings, flattened into
//! the service's configuration, and what "unprotected" means for it; how it is built and
//! what it adds to the core's work ([`Registry`]); the URLs it claims and how it answers
//! them. The service asks every dialect's [`DialectSettings::policy`] before it starts: a
//! dialect that would serve unguarded without the operator's opt-in refuses the start,
//! naming its setting.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::response::Response;
use picsum_image_core::credits::Credits;
use picsum_image_core::upload::{FormSpec, Received};
use picsum_image_core::{Companions, Core, ServiceError, UploadHook};
use picsum_web::routing::RequestInfo;

use crate::{Auth, Guard};

/// What the service knows at start-up that a dialect's policy needs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Startup {
    /// The dialect is listed in `IMAGE_DIALECTS`.
    pub enabled: bool,
    /// `IMAGE_ALLOW_UNSIGNED`: the operator accepts dialects that render unprotected.
    pub allow_unsigned: bool,
    /// `IMAGE_KEYS_URL` names an API key store.
    pub key_store: bool,
}

/// A dialect's settings: its name and its start-up policy.
pub trait DialectSettings: clap::Args + Clone + std::fmt::Debug {
    /// Whether these settings make the dialect write (store derivatives) when it is on:
    /// writes need a writer named, or the opt-in.
    fn writes(&self) -> bool {
        false
    }

    /// Its name in `IMAGE_DIALECTS`.
    const NAME: &'static str;

    /// What these settings leave open, in words (`"unsigned picfit"`), logged and listed
    /// in `/health`.
    ///
    /// # Errors
    /// A setting that leaves the dialect unguarded without its opt-in, named.
    fn policy(&self, at: Startup) -> anyhow::Result<Vec<String>>;
}

/// The common rule of a dialect that renders for anyone without its protection `setting`:
/// refused unless `IMAGE_ALLOW_UNSIGNED`, then listed as open.
///
/// # Errors
/// Unprotected and not opted into.
pub fn unsigned(
    at: Startup,
    unprotected: bool,
    dialect: &str,
    setting: &str,
) -> anyhow::Result<Vec<String>> {
    if !at.enabled || !unprotected {
        return Ok(Vec::new());
    }
    anyhow::ensure!(
        at.allow_unsigned,
        "IMAGE_DIALECTS enables {dialect} without {setting}: it would render any original \
         at any size for anyone; set {setting}, or IMAGE_ALLOW_UNSIGNED=true to accept that"
    );
    Ok(vec![format!("unsigned {dialect}")])
}

/// What the service hands a dialect as it builds it, and what the dialect adds to the
/// core's work in return.
#[derive(Default)]
pub struct Registry {
    /// The catalog's photo credits, when a catalog is configured.
    pub credits: Option<Arc<dyn Credits>>,
    /// Run after every stored upload (a dialect's eager presets).
    pub hooks: Vec<Arc<dyn UploadHook>>,
    /// Objects stored with an original that its delete removes too (a dialect's variants).
    pub companions: Vec<Arc<dyn Companions>>,
    /// Which requests need an API key (a dialect's authorisation settings).
    pub auth: Auth,
}

/// A request a dialect's route matched, with what it is served with.
pub struct Serve<'a> {
    /// Sources, rendering, responses.
    pub core: &'a Arc<Core>,
    /// Who may do what.
    pub guard: &'a Guard,
    /// The request.
    pub request: &'a RequestInfo,
}

/// A boxed answer of a dialect (boxed so that one dialect's larger state does not grow
/// every request's future).
pub type Answer<'a> = Pin<Box<dyn Future<Output = Result<Response, ServiceError>> + Send + 'a>>;

/// A dialect as the service registers it: built from its settings, the URLs it claims,
/// and how it answers them. The service lists each dialect once and does the rest.
pub trait Dialect: Sized + Send + Sync + 'static {
    /// Its settings, flattened into the service's configuration.
    type Settings: DialectSettings;
    /// A URL it claims.
    type Route: Send + Sync + Clone + std::fmt::Debug + PartialEq + Eq + 'static;

    /// Its part of the image service's OpenAPI document: `tags`, `paths` and the
    /// `components` only it uses (JSON). The service's document is its base with every
    /// dialect's part, a test holds them equal.
    const OPENAPI: &'static str;

    /// Every name [`Dialect::route_name`] gives (a test holds each documented).
    const ROUTE_NAMES: &'static [&'static str];

    /// Builds it, registering what it adds to the core's work.
    ///
    /// # Errors
    /// Settings that do not make a working dialect (a bad preset, say).
    fn build(settings: &Self::Settings, registry: &mut Registry) -> anyhow::Result<Arc<Self>>;

    /// The route of a decoded path, when it is this dialect's.
    fn route(path: &str) -> Option<Self::Route>;

    /// A route's name, for metrics and logs (`picfit.display`).
    fn route_name(route: &Self::Route) -> &'static str;

    /// Answers a request on `route`.
    fn serve<'a>(self: &'a Arc<Self>, at: Serve<'a>, route: &'a Self::Route) -> Answer<'a>;

    /// Its upload form at `POST /upload` (the field its image comes in names the dialect
    /// that stores it); `None`: it takes no uploads there.
    fn upload_form() -> Option<FormSpec<'static>> {
        None
    }

    /// Whether it takes `POST /{KEY}/upload` (an API key in the path), in its
    /// [`Dialect::upload_form`].
    fn keyed_uploads() -> bool {
        false
    }

    /// Names and stores a received upload and answers in its shape; `secret` is the
    /// uploader's API key's, when it came with one.
    fn upload<'a>(
        self: &'a Arc<Self>,
        core: &'a Arc<Core>,
        secret: Option<&'a str>,
        form: Received,
    ) -> Pin<Box<dyn Future<Output = Response> + Send + 'a>> {
        let _ = (core, secret, form);
        Box::pin(async { Self::upload_refused(ServiceError::PageNotFound) })
    }

    /// A refused upload, in its shape.
    fn upload_refused(e: ServiceError) -> Response {
        e.into_response(false)
    }

    /// The fixed paths it answers `GET` on (status endpoints, say), with the router that
    /// answers them; other methods on those paths go on to the dialects' routes.
    fn fixed_routes(
        self: &Arc<Self>,
        core: &Arc<Core>,
        guard: &Arc<Guard>,
    ) -> Option<(&'static [&'static str], axum::Router)> {
        let _ = (core, guard);
        None
    }

    /// Wraps the public router (counters of every answer, say).
    fn around<S: Clone + Send + Sync + 'static>(
        self: &Arc<Self>,
        router: axum::Router<S>,
    ) -> axum::Router<S> {
        router
    }

    /// A `DELETE` of a path that names something of its own (a derivative), claimed before
    /// the path is taken for an original's; `None`: not its path.
    fn delete<'a>(self: &'a Arc<Self>, core: &'a Arc<Core>, path: &'a str) -> Option<Removal<'a>> {
        let _ = (core, path);
        None
    }
}

/// A dialect's delete of its own objects.
pub type Removal<'a> = Pin<Box<dyn Future<Output = Result<(), ServiceError>> + Send + 'a>>;
