//! What a dialect registers with the service at start-up: its settings, flattened into the
//! service's configuration, and what "unprotected" means for it. The service asks every
//! dialect's [`DialectSettings::policy`] before it starts: a dialect that would serve
//! unguarded without the operator's opt-in refuses the start, naming its setting.

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
