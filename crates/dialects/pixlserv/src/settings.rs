//! pixlserv's settings (flattened into the image service's configuration) and what
//! "unprotected" means for it: image requests without `IMAGE_AUTH_GET`; and either
//! authorisation without a key store to check keys against.

use std::path::PathBuf;

use picsum_guard::dialect::{DialectSettings, Startup, unsigned};

use crate::Pixlserv;

/// pixlserv's settings.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(id = "pixlserv", multiple = true)]
pub struct Settings {
    /// Named transformations for pixlserv's `t_NAME`: `name=params` pairs separated by `;`,
    /// e.g. `square=w_200,h_200,c_p;avatar=w_64,h_64,c_p,g_c`. Checked at start-up.
    #[arg(long, env = "IMAGE_PRESETS", default_value = "")]
    pub presets: String,
    /// More named transformations, with `eager` and watermark and text overlays, from a
    /// YAML (`.yaml`, `.yml`) or TOML (`.toml`) file in pixlserv's `transformations:` shape.
    #[arg(long, env = "IMAGE_PRESETS_FILE")]
    pub presets_file: Option<PathBuf>,
    /// pixlserv's `authorisation.get`: image requests in its dialect need an API key with
    /// the `get` permission.
    #[arg(long, env = "IMAGE_AUTH_GET", default_value_t = false, action = clap::ArgAction::Set)]
    pub auth_get: bool,
    /// pixlserv's `authorisation.upload`: uploads need an API key with `upload` and a
    /// signature (`POST /{KEY}/upload` with `timestamp` and `signature` fields).
    #[arg(long, env = "IMAGE_AUTH_UPLOAD", default_value_t = false, action = clap::ArgAction::Set)]
    pub auth_upload: bool,
}

impl DialectSettings for Settings {
    const NAME: &'static str = "pixlserv";

    fn policy(&self, at: Startup) -> anyhow::Result<Vec<String>> {
        for (on, setting) in [
            (self.auth_get, "IMAGE_AUTH_GET"),
            (self.auth_upload, "IMAGE_AUTH_UPLOAD"),
        ] {
            anyhow::ensure!(
                !on || at.key_store,
                "{setting} needs IMAGE_KEYS_URL: a Redis for API keys that does not evict \
                 (picsum api-key import --from brings keys over from pixlserv's Redis)"
            );
        }
        unsigned(at, !self.auth_get, Self::NAME, "IMAGE_AUTH_GET")
    }
}

impl Settings {
    /// The dialect these settings make, its named transformations checked.
    ///
    /// # Errors
    /// An unreadable presets file, a bad name, parameters, overlay or font.
    pub fn build(&self) -> anyhow::Result<Pixlserv> {
        Ok(Pixlserv {
            presets: crate::presets::load(&self.presets, self.presets_file.as_deref())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorisation_needs_a_key_store_and_no_authorisation_the_opt_in() {
        let on = Startup {
            enabled: true,
            ..Startup::default()
        };
        let keyed = Settings {
            auth_get: true,
            ..Settings::default()
        };
        assert!(keyed.policy(on).is_err(), "no key store");
        let with_store = Startup {
            key_store: true,
            ..on
        };
        assert!(keyed.policy(with_store).unwrap().is_empty());
        assert!(Settings::default().policy(with_store).is_err());
        let opted = Startup {
            allow_unsigned: true,
            ..with_store
        };
        assert_eq!(
            Settings::default().policy(opted).unwrap(),
            ["unsigned pixlserv"]
        );
    }
}
