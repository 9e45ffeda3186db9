//! The dialects this service speaks, listed once (the [`dialects!`] call at the end): their
//! settings flattened into the configuration, their names in `IMAGE_DIALECTS`, their
//! start-up policies, their built states, and the route table that hands a request no
//! fixed route took to the first dialect whose route matches it.

use std::sync::Arc;

use axum::response::Response;
use http::Method;
use picsum_guard::Guard;
use picsum_guard::dialect::{Dialect, DialectSettings, Registry, Removal, Serve, Startup};
use picsum_image_core::upload::{FormSpec, Received};
use picsum_image_core::{Core, ServiceError};

/// Declares the dialects, in the order their routes are tried.
macro_rules! dialects {
    ($($field:ident: $dialect:ty),+ $(,)?) => {
        /// Every dialect's settings.
        #[derive(Debug, Clone, clap::Args)]
        pub struct Settings {
            $(
                #[doc = concat!("The settings of ", stringify!($field), "'s dialect.")]
                #[command(flatten)]
                pub $field: <$dialect as Dialect>::Settings,
            )+
        }

        /// Every dialect's part of the OpenAPI document.
        pub const OPENAPI_PARTS: &[&str] = &[$(<$dialect as Dialect>::OPENAPI),+];

        /// Every route name of every dialect.
        #[must_use]
        pub fn route_names() -> Vec<&'static str> {
            [$(<$dialect as Dialect>::ROUTE_NAMES),+].concat()
        }

        /// Every dialect's name in `IMAGE_DIALECTS`, in the order their routes are tried.
        pub const NAMES: &[&str] = &[$(<<$dialect as Dialect>::Settings as DialectSettings>::NAME),+];

        impl Settings {
            /// What the dialects leave open; the refusal of the first that may not start.
            ///
            /// # Errors
            /// A dialect unguarded without its opt-in.
            pub fn policy(&self, on: Enabled, at: impl Fn(bool) -> Startup) -> anyhow::Result<Vec<String>> {
                let mut open = Vec::new();
                $( open.extend(self.$field.policy(at(on.has(&self.$field)))?); )+
                Ok(open)
            }

            /// Whether a dialect that is on writes (stores derivatives).
            #[must_use]
            pub fn writes(&self, on: Enabled) -> bool {
                false $( || on.has(&self.$field) && self.$field.writes() )+
            }
        }

        /// Every dialect, built (the ones switched off too: their writes' paths, such as a
        /// picfit derivative's delete, keep their meaning).
        pub struct Built {
            $(
                #[doc = concat!(stringify!($field), "'s dialect.")]
                pub $field: Arc<$dialect>,
            )+
        }

        impl Built {
            /// Builds every dialect, each registering what it adds to the core's work.
            ///
            /// # Errors
            /// A dialect's settings that do not build.
            pub fn new(settings: &Settings, registry: &mut Registry) -> anyhow::Result<Self> {
                Ok(Self { $( $field: <$dialect as Dialect>::build(&settings.$field, registry)?, )+ })
            }
        }

        impl Built {
            /// The form of `POST /upload`: every dialect's image field (the one an image
            /// comes in picks the dialect) and short fields.
            #[must_use]
            pub fn upload_form() -> Uploads {
                let mut form = Uploads::default();
                $( if let Some(f) = <$dialect as Dialect>::upload_form() {
                    form.images.extend_from_slice(f.images);
                    for short in f.short {
                        if !form.short.contains(short) {
                            form.short.push(*short);
                        }
                    }
                } )+
                form
            }

            /// Stores `form` with the dialect whose image field it came in.
            pub async fn upload(&self, core: &Arc<Core>, secret: Option<&str>, form: Received) -> Response {
                $( if <$dialect as Dialect>::upload_form().is_some_and(|f| f.images.contains(&form.field)) {
                    return self.$field.upload(core, secret, form).await;
                } )+
                ServiceError::PageNotFound.into_response(false)
            }

            /// A refused upload, in the shape of the dialect whose image field was seen (the
            /// service's own before any was).
            #[must_use]
            pub fn upload_refused(field: Option<&str>, e: ServiceError) -> Response {
                $( if field.is_some_and(|name| <$dialect as Dialect>::upload_form().is_some_and(|f| f.images.contains(&name))) {
                    return <$dialect as Dialect>::upload_refused(e);
                } )+
                e.into_response(false)
            }

            /// The form of `POST /{KEY}/upload`, of the first dialect that takes keyed uploads.
            #[must_use]
            pub fn keyed_form() -> Option<FormSpec<'static>> {
                $( if <$dialect as Dialect>::keyed_uploads() {
                    return <$dialect as Dialect>::upload_form();
                } )+
                None
            }

            /// Stores a keyed upload with the dialect that takes them.
            pub async fn keyed_upload(&self, core: &Arc<Core>, secret: Option<&str>, form: Received) -> Response {
                $( if <$dialect as Dialect>::keyed_uploads() {
                    return self.$field.upload(core, secret, form).await;
                } )+
                ServiceError::PageNotFound.into_response(false)
            }

            /// A refused keyed upload, in the shape of the dialect that takes them.
            #[must_use]
            pub fn keyed_refused(e: ServiceError) -> Response {
                $( if <$dialect as Dialect>::keyed_uploads() {
                    return <$dialect as Dialect>::upload_refused(e);
                } )+
                e.into_response(false)
            }

            /// Every dialect's fixed paths (`GET`) with the router that answers them.
            #[must_use]
            pub fn fixed_routes(&self, core: &Arc<Core>, guard: &Arc<Guard>) -> Vec<(&'static [&'static str], axum::Router)> {
                let mut routes = Vec::new();
                $( routes.extend(self.$field.fixed_routes(core, guard)); )+
                routes
            }

            /// The public router wrapped by every dialect (its counters, say).
            pub fn around<S: Clone + Send + Sync + 'static>(&self, router: axum::Router<S>) -> axum::Router<S> {
                $( let router = self.$field.around(router); )+
                router
            }

            /// A dialect's delete of a path that names something of its own.
            #[must_use]
            pub fn delete<'a>(&'a self, core: &'a Arc<Core>, path: &'a str) -> Option<Removal<'a>> {
                None $( .or_else(|| self.$field.delete(core, path)) )+
            }
        }

        /// The routes of the public listener, one variant per dialect.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[expect(non_camel_case_types, reason = "one variant per dialect, named as its field")]
        pub enum Route {
            $(
                #[doc = concat!("A route of ", stringify!($field), "'s dialect.")]
                $field(<$dialect as Dialect>::Route),
            )+
        }

        impl picsum_web::routing::RouteTable for Route {
            fn parse(path: &str) -> Option<Self> {
                $( if let Some(route) = <$dialect as Dialect>::route(path) {
                    return Some(Self::$field(route));
                } )+
                None
            }

            fn name(&self) -> &'static str {
                match self { $( Self::$field(route) => <$dialect as Dialect>::route_name(route), )+ }
            }

            /// What answers `GET` answers `HEAD` (RFC 9110): the same headers, no body.
            /// (Writes are routed before the dialects, by method: [`crate::routes`].)
            fn methods(&self) -> &'static [Method] {
                const GET_HEAD: &[Method] = &[Method::GET, Method::HEAD];
                GET_HEAD
            }
        }

        impl Route {
            /// The name of the route's dialect in `IMAGE_DIALECTS`.
            #[must_use]
            pub fn dialect(&self) -> &'static str {
                match self { $( Self::$field(_) => <<$dialect as Dialect>::Settings as DialectSettings>::NAME, )+ }
            }

            /// Answers the request with the route's dialect.
            ///
            /// # Errors
            /// The dialect's refusals.
            pub async fn serve(&self, built: &Built, at: Serve<'_>) -> Result<Response, ServiceError> {
                match self { $( Self::$field(route) => built.$field.serve(at, route).await, )+ }
            }
        }
    };
}

/// The form of `POST /upload`, gathered from the dialects that take uploads.
#[derive(Debug, Clone, Default)]
pub struct Uploads {
    /// Every dialect's image field.
    pub images: Vec<&'static str>,
    /// Every dialect's short fields.
    pub short: Vec<(&'static str, u64)>,
}

impl Uploads {
    /// As the core reads it.
    #[must_use]
    pub fn spec(&self) -> FormSpec<'_> {
        FormSpec {
            images: &self.images,
            short: &self.short,
        }
    }
}

/// The dialects switched on (`IMAGE_DIALECTS`, comma-separated names from [`NAMES`]): a
/// bit per dialect, in [`NAMES`]' order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Enabled(u64);

impl Enabled {
    /// Every dialect.
    #[must_use]
    pub fn all() -> Self {
        Self((1 << NAMES.len()) - 1)
    }

    /// Whether the dialect of `settings` is on.
    fn has<S: DialectSettings>(self, _: &S) -> bool {
        self.contains(S::NAME)
    }

    /// Whether the dialect named `name` is on.
    #[must_use]
    pub fn contains(self, name: &str) -> bool {
        NAMES
            .iter()
            .position(|n| *n == name)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }

    /// Parses `IMAGE_DIALECTS`.
    ///
    /// # Errors
    /// A name that is no dialect.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut on = 0;
        for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let i = NAMES
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| format!("{name}: not a dialect ({})", NAMES.join(", ")))?;
            on |= 1 << i;
        }
        Ok(Self(on))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_parse_by_name_and_refuse_others() {
        let on = Enabled::parse(" picfit, picsum ").unwrap();
        assert!(on.contains("picfit") && on.contains("picsum") && !on.contains("pixlserv"));
        assert_eq!(Enabled::parse("").unwrap(), Enabled::default());
        let all = Enabled::parse(&NAMES.join(",")).unwrap();
        assert_eq!(all, Enabled::all());
        let err = Enabled::parse("picfit,thumbor").unwrap_err();
        assert!(err.contains("thumbor") && err.contains("pixlserv"), "{err}");
    }
}

dialects! {
    picsum: picsum_dialect_picsum::Picsum,
    pixlserv: picsum_dialect_pixlserv::Pixlserv,
    picfit: picsum_dialect_picfit::Picfit,
}
