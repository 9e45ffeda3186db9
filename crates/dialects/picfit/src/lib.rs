//! picfit's dialect of the image service: `/display`, `/get` and `/redirect` in query form
//! (`?path=…&op=…&w=…`) and path form (`/{method}/[{sig}/]{op}/{W}x{H}/{path}`), chains of
//! sub-operations, `url=` sources, picfit's signatures and allowed sizes; picfit's
//! `DELETE` of one derivative; and its status endpoints.
//!
//! Shape shared by every dialect: [`parse`] (URL to the model, with [`ops`] and [`key`]),
//! [`serve`] (a parsed request answered through the core), [`error`] (its refusals),
//! settings ([`settings`]: flattened into the service's configuration, with the
//! dialect's start-up policy; built into [`Picfit`]), tests beside the code. [`status`] holds picfit's
//! `/healthcheck`, `/sys/stats` and `/sys/health`; [`upload`] its upload form and reply.

pub mod dialect;
pub mod error;
pub mod key;
pub mod ops;
pub mod params;
pub mod parse;
pub mod serve;
pub mod settings;
pub mod status;
pub mod upload;

#[cfg(test)]
mod tests;

pub use error::PicfitError;
pub use parse::Method;

/// The dialect, built from its [`settings::Settings`].
#[derive(Debug, Clone, Default)]
pub struct Picfit {
    /// `secret_key`; `None` accepts unsigned requests.
    pub secret: Option<Vec<u8>>,
    /// Quality when `q` is absent.
    pub quality: u8,
    /// `allowed_sizes`; empty allows any.
    pub allowed_sizes: Vec<(u32, u32)>,
    /// What its status endpoints report from.
    pub status: std::sync::Arc<status::Status>,
}

impl Picfit {
    /// The parser's view of the settings.
    #[must_use]
    pub fn settings(&self) -> parse::Settings<'_> {
        parse::Settings {
            secret: self.secret.as_deref(),
            quality: self.quality,
            allowed_sizes: &self.allowed_sizes,
        }
    }
}

/// A picfit route: the method and the path after its segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `display`, `redirect` or `get`.
    pub method: Method,
    /// The path after the method segment (empty for the query form).
    pub tail: String,
}

impl Route {
    /// Matches `/{display|redirect|get}[/…]` on a decoded path.
    #[must_use]
    pub fn parse(path: &str) -> Option<Self> {
        let rest = path.strip_prefix('/')?;
        let (segment, tail) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
        Method::from_segment(segment).map(|method| Self {
            method,
            tail: tail.to_owned(),
        })
    }

    /// A `DELETE` path that names one derivative: `{method}/{op}/{W}x{H}/{path}` (the path
    /// without its leading slash, as the router gives it).
    #[must_use]
    pub fn parse_delete(path: &str) -> Option<Self> {
        let (first, rest) = path.split_once('/')?;
        let method = Method::from_segment(first)?;
        let tail = format!("/{rest}");
        parse::is_path_form(&tail).then_some(Self { method, tail })
    }

    /// The route's name in metrics.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self.method {
            Method::Display => "picfit.display",
            Method::Get => "picfit.get",
            Method::Redirect => "picfit.redirect",
        }
    }
}
