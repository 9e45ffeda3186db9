//! The standard `OTEL_*` variables, read once at start-up into [`Settings`]: where spans go,
//! with which headers and timeout, which service they name, how they are sampled and
//! batched. Tracing is off unless an endpoint is set; a value that cannot be used is an
//! error, so a typo never silently means "no traces".

use std::time::Duration;

use crate::sampler::{Root, Sampler};

/// Where and how spans are exported.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The URL spans are POSTed to (`…/v1/traces`).
    pub endpoint: String,
    /// Extra request headers (`OTEL_EXPORTER_OTLP_HEADERS`), e.g. an API key.
    pub headers: Vec<(String, String)>,
    /// How long one export may take.
    pub timeout: Duration,
    /// The resource's attributes, `service.name` first.
    pub resource: Vec<(String, String)>,
    /// Which traces are recorded.
    pub sampler: Sampler,
    /// Finished spans waiting for export at most; more are dropped and counted.
    pub max_queue: usize,
    /// Spans per export at most.
    pub max_batch: usize,
    /// How long a span waits for its batch to fill.
    pub delay: Duration,
}

/// An `OTEL_*` value that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    /// The variable holds something this exporter cannot use.
    #[error("{name}={value:?}: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Reads a variable; tests pass a map instead of the process environment.
pub trait Env {
    /// The variable's value, if set and not empty.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

impl<const N: usize> Env for [(&str, &str); N] {
    fn var(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
            .filter(|v| !v.trim().is_empty())
    }
}

fn invalid(name: &'static str, value: &str, reason: &'static str) -> SettingsError {
    SettingsError::Invalid {
        name,
        value: value.to_owned(),
        reason,
    }
}

/// The first of `names` that is set, with its name.
fn first(env: &impl Env, names: &[&'static str]) -> Option<(&'static str, String)> {
    names.iter().find_map(|n| env.var(n).map(|v| (*n, v)))
}

impl Settings {
    /// The settings `env` gives, or `None` when tracing is off: no
    /// `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`, `OTEL_SDK_DISABLED=true` or
    /// `OTEL_TRACES_EXPORTER=none`. `service` names the service when neither
    /// `OTEL_SERVICE_NAME` nor `service.name` in `OTEL_RESOURCE_ATTRIBUTES` does.
    ///
    /// # Errors
    /// A variable this exporter cannot use: another protocol than `http/json`, another
    /// exporter than `otlp`, a URL that is not `http(s)://`, a malformed header list,
    /// sampler or number.
    pub fn from_env(env: &impl Env, service: &str) -> Result<Option<Self>, SettingsError> {
        if let Some(v) = env.var("OTEL_SDK_DISABLED") {
            match v.trim().to_ascii_lowercase().as_str() {
                "true" => return Ok(None),
                "false" => {}
                _ => return Err(invalid("OTEL_SDK_DISABLED", &v, "is true or false")),
            }
        }
        if let Some(v) = env.var("OTEL_TRACES_EXPORTER") {
            match v.trim() {
                "none" => return Ok(None),
                "otlp" => {}
                _ => return Err(invalid("OTEL_TRACES_EXPORTER", &v, "is otlp or none")),
            }
        }
        let Some(endpoint) = endpoint(env)? else {
            return Ok(None);
        };
        if let Some((name, v)) = first(
            env,
            &[
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
                "OTEL_EXPORTER_OTLP_PROTOCOL",
            ],
        ) && v.trim() != "http/json"
        {
            return Err(invalid(name, &v, "only http/json is spoken"));
        }
        Ok(Some(Self {
            endpoint,
            headers: headers(env)?,
            timeout: millis(
                env,
                &[
                    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
                    "OTEL_EXPORTER_OTLP_TIMEOUT",
                ],
                10_000,
            )?,
            resource: resource(env, service)?,
            sampler: sampler(env)?,
            max_queue: count(env, "OTEL_BSP_MAX_QUEUE_SIZE", 2048)?,
            max_batch: count(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512)?,
            delay: millis(env, &["OTEL_BSP_SCHEDULE_DELAY"], 5000)?,
        }))
    }
}

/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, or `OTEL_EXPORTER_OTLP_ENDPOINT` with
/// `/v1/traces` appended.
fn endpoint(env: &impl Env) -> Result<Option<String>, SettingsError> {
    let (name, url) = if let Some(url) = env.var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url.trim().to_owned())
    } else if let Some(base) = env.var("OTEL_EXPORTER_OTLP_ENDPOINT") {
        let base = base.trim();
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("{}/v1/traces", base.trim_end_matches('/')),
        )
    } else {
        return Ok(None);
    };
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => Ok(Some(url)),
        _ => Err(invalid(name, &url, "is an http:// or https:// URL")),
    }
}

/// `key=value` pairs, comma-separated, values percent-decoded (the W3C baggage form).
fn pairs(name: &'static str, text: &str) -> Result<Vec<(String, String)>, SettingsError> {
    let mut out = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(invalid(name, text, "is a list of key=value"));
        };
        let value = percent_encoding::percent_decode_str(value.trim())
            .decode_utf8()
            .map_err(|_| invalid(name, text, "has a value that is not UTF-8"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(invalid(name, text, "has an empty key"));
        }
        out.push((key.to_owned(), value.into_owned()));
    }
    Ok(out)
}

fn headers(env: &impl Env) -> Result<Vec<(String, String)>, SettingsError> {
    let mut all = Vec::new();
    for name in [
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    ] {
        if let Some(text) = env.var(name) {
            for (k, v) in pairs(name, &text)? {
                if http_token(&k) && v.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)) {
                    // The traces-specific list wins over the general one.
                    all.retain(|(old, _): &(String, String)| !old.eq_ignore_ascii_case(&k));
                    all.push((k, v));
                } else {
                    return Err(invalid(name, &text, "has a header that HTTP cannot carry"));
                }
            }
        }
    }
    Ok(all)
}

fn http_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn resource(env: &impl Env, service: &str) -> Result<Vec<(String, String)>, SettingsError> {
    let mut attrs = match env.var("OTEL_RESOURCE_ATTRIBUTES") {
        Some(text) => pairs("OTEL_RESOURCE_ATTRIBUTES", &text)?,
        None => Vec::new(),
    };
    let given = attrs
        .iter()
        .position(|(k, _)| k == "service.name")
        .map(|i| attrs.remove(i).1);
    let name = env
        .var("OTEL_SERVICE_NAME")
        .map(|s| s.trim().to_owned())
        .or(given)
        .unwrap_or_else(|| service.to_owned());
    attrs.insert(0, ("service.name".to_owned(), name));
    Ok(attrs)
}

fn millis(env: &impl Env, names: &[&'static str], default: u64) -> Result<Duration, SettingsError> {
    match first(env, names) {
        None => Ok(Duration::from_millis(default)),
        Some((name, v)) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis)
            .ok_or_else(|| invalid(name, &v, "is a positive number of milliseconds")),
    }
}

fn count(env: &impl Env, name: &'static str, default: usize) -> Result<usize, SettingsError> {
    match env.var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| invalid(name, &v, "is a positive whole number")),
    }
}

/// The sampler `OTEL_TRACES_SAMPLER` (and `OTEL_TRACES_SAMPLER_ARG`) name; `parentbased_always_on` when none is set.
///
/// # Errors
/// An unknown sampler, or a ratio outside 0 to 1.
fn sampler(env: &impl Env) -> Result<Sampler, SettingsError> {
    let name = env.var("OTEL_TRACES_SAMPLER");
    let ratio = || match env.var("OTEL_TRACES_SAMPLER_ARG") {
        None => Ok(1.0),
        Some(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|r| (0.0..=1.0).contains(r))
            .ok_or(SettingsError::Invalid {
                name: "OTEL_TRACES_SAMPLER_ARG",
                value: v,
                reason: "is a ratio from 0 to 1",
            }),
    };
    Ok(match name.as_deref().map(str::trim) {
        None | Some("parentbased_always_on") => Sampler::ParentBased(Root::AlwaysOn),
        Some("parentbased_always_off") => Sampler::ParentBased(Root::AlwaysOff),
        Some("parentbased_traceidratio") => Sampler::ParentBased(Root::Ratio(ratio()?)),
        Some("always_on") => Sampler::AlwaysOn,
        Some("always_off") => Sampler::AlwaysOff,
        Some("traceidratio") => Sampler::Ratio(ratio()?),
        Some(other) => {
            return Err(SettingsError::Invalid {
                name: "OTEL_TRACES_SAMPLER",
                value: other.to_owned(),
                reason: "is one of always_on, always_off, traceidratio and their parentbased_ forms",
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings<const N: usize>(env: [(&str, &str); N]) -> Result<Option<Settings>, SettingsError> {
        Settings::from_env(&env, "picsum-test")
    }

    #[test]
    fn off_without_an_endpoint_or_when_disabled() {
        assert_eq!(settings([]), Ok(None));
        let on = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
        assert_eq!(settings([on, ("OTEL_SDK_DISABLED", "TRUE")]), Ok(None));
        assert_eq!(settings([on, ("OTEL_TRACES_EXPORTER", "none")]), Ok(None));
        assert!(settings([on, ("OTEL_SDK_DISABLED", "yes")]).is_err());
        assert!(settings([on, ("OTEL_TRACES_EXPORTER", "jaeger")]).is_err());
    }

    #[test]
    fn endpoints_follow_the_specification() {
        let s = settings([("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")]);
        assert_eq!(
            s.unwrap().unwrap().endpoint,
            "http://collector:4318/v1/traces"
        );
        let s = settings([
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "https://x.example/otlp/spans",
            ),
        ]);
        assert_eq!(s.unwrap().unwrap().endpoint, "https://x.example/otlp/spans");
        for bad in ["collector:4318", "http://", "ftp://x", "http:///x"] {
            assert!(
                settings([("OTEL_EXPORTER_OTLP_ENDPOINT", bad)]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn only_http_json_is_accepted() {
        let on = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318");
        assert!(settings([on, ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]).is_ok());
        assert!(settings([on, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]).is_err());
        assert!(settings([on, ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")]).is_err());
    }

    #[test]
    fn headers_resource_and_numbers() {
        let s = settings([
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b, x-tenant=one"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "X-Tenant=two"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "service.name=from-attrs,deployment.environment=prod",
            ),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ])
        .unwrap()
        .unwrap();
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            s.headers,
            vec![pair("api-key", "a b"), pair("X-Tenant", "two")]
        );
        assert_eq!(
            s.resource,
            vec![
                pair("service.name", "from-attrs"),
                pair("deployment.environment", "prod")
            ]
        );
        assert_eq!(s.delay, Duration::from_millis(100));
        assert_eq!(s.timeout, Duration::from_millis(2500));
        assert_eq!((s.max_queue, s.max_batch), (2048, 512));
        let named = settings([
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_SERVICE_NAME", "edge"),
        ]);
        assert_eq!(
            named.unwrap().unwrap().resource,
            vec![pair("service.name", "edge")]
        );
        for (name, bad) in [
            ("OTEL_EXPORTER_OTLP_HEADERS", "novalue"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "bad name=1"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x=%0A"),
            ("OTEL_BSP_SCHEDULE_DELAY", "soon"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "0"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "-1"),
        ] {
            let got = settings([
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                (name, bad),
            ]);
            assert!(got.is_err(), "{name}={bad}");
        }
    }

    #[test]
    fn sampler_variables() {
        let s = |name: &str, arg: &str| {
            sampler(&[
                ("OTEL_TRACES_SAMPLER", name),
                ("OTEL_TRACES_SAMPLER_ARG", arg),
            ])
        };
        assert_eq!(s("", ""), Ok(Sampler::ParentBased(Root::AlwaysOn)));
        assert_eq!(s("traceidratio", "0.25"), Ok(Sampler::Ratio(0.25)));
        assert_eq!(
            s("parentbased_traceidratio", ""),
            Ok(Sampler::ParentBased(Root::Ratio(1.0)))
        );
        assert!(s("traceidratio", "2").is_err());
        assert!(s("sometimes", "").is_err());
    }
}
