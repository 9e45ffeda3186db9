//! Lorem Picsum's settings (flattened into the image service's configuration) and what
//! "unprotected" means for it: an empty HMAC key, with which anyone could sign URLs.

use std::sync::Arc;

use picsum_guard::dialect::{DialectSettings, Startup};
use picsum_signing::Signer;

use crate::Picsum;
use crate::credit::Credits;

/// Lorem Picsum's settings.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(id = "picsum", multiple = true)]
pub struct Settings {
    /// Key shared with the API to verify URL signatures.
    #[arg(
        long,
        env = "IMAGE_HMAC_KEY",
        default_value = "",
        hide_env_values = true
    )]
    pub hmac_key: String,
}

impl DialectSettings for Settings {
    const NAME: &'static str = "picsum";

    fn policy(&self, at: Startup) -> anyhow::Result<Vec<String>> {
        anyhow::ensure!(
            !at.enabled || !self.hmac_key.is_empty(),
            "IMAGE_HMAC_KEY is empty: anyone could sign image URLs; set a long random key \
             (the same as the API's PICSUM_HMAC_KEY)"
        );
        Ok(Vec::new())
    }
}

impl Settings {
    /// The dialect these settings make, with the photo credits the service reads.
    #[must_use]
    pub fn build(&self, credits: Option<Arc<dyn Credits>>) -> Picsum {
        Picsum {
            signer: Signer::new(self.hmac_key.as_bytes()),
            credits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_key_refuses_to_start_when_the_dialect_is_on() {
        let on = Startup {
            enabled: true,
            ..Startup::default()
        };
        assert!(Settings::default().policy(on).is_err());
        assert!(Settings::default().policy(Startup::default()).is_ok());
        let keyed = Settings {
            hmac_key: "k".into(),
        };
        assert!(keyed.policy(on).unwrap().is_empty());
    }
}
