//! picfit's settings (flattened into the image service's configuration) and what
//! "unprotected" means for it: no `IMAGE_PICFIT_SECRET_KEY`.

use picsum_guard::dialect::{DialectSettings, Startup, unsigned};

use crate::Picfit;
use crate::status::{Stats, Status};

/// picfit's settings.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(id = "picfit", multiple = true)]
pub struct Settings {
    /// picfit's `secret_key`: when set, `/display`, `/get` and `/redirect` need a valid `sig`
    /// (HMAC-SHA1 over the sorted parameters). Empty: unsigned requests are accepted.
    #[arg(
        long = "picfit-secret-key",
        env = "IMAGE_PICFIT_SECRET_KEY",
        default_value = "",
        hide_env_values = true
    )]
    pub secret_key: String,
    /// Output quality when a transformation request has no `q` (picfit's `engine.quality`).
    #[arg(long, env = "IMAGE_TRANSFORM_QUALITY", default_value_t = 95, value_parser = clap::value_parser!(u8).range(1..=100))]
    pub transform_quality: u8,
    /// Sizes transformation requests may ask for, as `WxH` pairs separated by commas (`0`
    /// for a side left out, e.g. `100x100,480x0`); sub-operations included. Empty: any size.
    #[arg(long, env = "IMAGE_ALLOWED_SIZES", default_value = "", value_parser = parse_sizes)]
    pub allowed_sizes: AllowedSizes,
    /// picfit's `enable_stats`: `GET /sys/stats` answers request counters.
    #[arg(long, env = "IMAGE_STATS", default_value_t = false, action = clap::ArgAction::Set)]
    pub stats: bool,
    /// picfit's `enable_health`: `GET /sys/health` answers process and pool figures (to
    /// `IMAGE_ALLOWED_IPS` only).
    #[arg(long, env = "IMAGE_HEALTH", default_value_t = false, action = clap::ArgAction::Set)]
    pub health: bool,
}

impl DialectSettings for Settings {
    const NAME: &'static str = "picfit";

    /// `/get` and `/redirect` store derivatives.
    fn writes(&self) -> bool {
        true
    }

    fn policy(&self, at: Startup) -> anyhow::Result<Vec<String>> {
        unsigned(
            at,
            self.secret_key.is_empty(),
            Self::NAME,
            "IMAGE_PICFIT_SECRET_KEY",
        )
    }
}

impl Settings {
    /// The dialect these settings make.
    #[must_use]
    pub fn build(&self) -> Picfit {
        Picfit {
            secret: Some(self.secret_key.as_bytes().to_vec()).filter(|k| !k.is_empty()),
            quality: self.transform_quality,
            allowed_sizes: self.allowed_sizes.0.clone(),
            status: std::sync::Arc::new(self.status()),
        }
    }

    /// picfit's status endpoints as these settings switch them on.
    #[must_use]
    fn status(&self) -> Status {
        Status {
            stats: self.stats.then(Stats::default),
            health_endpoint: self.health,
            started: std::time::Instant::now(),
        }
    }
}

/// A parsed `IMAGE_ALLOWED_SIZES` list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedSizes(pub Vec<(u32, u32)>);

fn parse_sizes(s: &str) -> Result<AllowedSizes, String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (w, h) = pair
                .split_once('x')
                .ok_or_else(|| format!("{pair}: expected WxH"))?;
            let side = |v: &str| {
                v.parse::<u32>()
                    .map_err(|_| format!("{pair}: bad number {v}"))
            };
            Ok((side(w)?, side(h)?))
        })
        .collect::<Result<_, String>>()
        .map(AllowedSizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_refuse_the_rest() {
        assert_eq!(
            parse_sizes(" 100x100, 480x0 "),
            Ok(AllowedSizes(vec![(100, 100), (480, 0)]))
        );
        assert_eq!(parse_sizes(""), Ok(AllowedSizes::default()));
        assert!(parse_sizes("100").is_err());
        assert!(parse_sizes("ax1").is_err());
    }

    #[test]
    fn unsigned_picfit_needs_the_opt_in() {
        let open = Settings::default();
        let on = Startup {
            enabled: true,
            ..Startup::default()
        };
        assert!(open.policy(on).is_err());
        let listed = open.policy(Startup {
            allow_unsigned: true,
            ..on
        });
        assert_eq!(listed.unwrap(), ["unsigned picfit"]);
        assert!(open.policy(Startup::default()).unwrap().is_empty());
        let signed = Settings {
            secret_key: "s".into(),
            ..Settings::default()
        };
        assert!(signed.policy(on).unwrap().is_empty());
    }
}
