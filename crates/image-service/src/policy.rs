//! The access policy checked at start-up: settings that would leave the service unguarded
//! refuse to start, naming the setting, unless the operator opted in explicitly; what was
//! opted into is logged loudly and listed in `/health`. Each dialect says what unguarded
//! means for it ([`picsum_guard::dialect::DialectSettings::policy`]); writes and their
//! quotas are checked here.

use picsum_guard::dialect::Startup;

use crate::config::ImageConfig;

/// What the configuration leaves open, in words (`"unsigned picfit"`, …); empty for a
/// service with every protection on.
///
/// # Errors
/// A setting that leaves the service unguarded without its opt-in, named.
pub fn check(config: &ImageConfig) -> anyhow::Result<Vec<String>> {
    let key_store = config.keys_url.as_deref().is_some_and(|u| !u.is_empty());
    let at = |enabled| Startup {
        enabled,
        allow_unsigned: config.allow_unsigned,
        key_store,
    };
    let mut open = config.dialect.policy(config.dialects, at)?;
    let dialect_writes = config.dialect.writes(config.dialects);
    let writes = config.uploads || config.deletes || dialect_writes;
    let keyed = config.uploads && key_store;
    if config.allowed_ips.trim().is_empty() {
        let wants_writers = config.uploads && !keyed || config.deletes;
        anyhow::ensure!(
            !wants_writers || config.allow_anonymous_writes,
            "IMAGE_UPLOADS/IMAGE_DELETES are on but no writer is named: set IMAGE_ALLOWED_IPS \
             (or API keys with IMAGE_KEYS_URL for uploads), or IMAGE_ALLOW_ANONYMOUS_WRITES=true"
        );
        if writes && config.allow_anonymous_writes {
            open.push("anonymous writes".to_owned());
        }
    }
    if config.uploads || dialect_writes {
        write_quotas(config, &mut open)?;
    }
    for what in &open {
        tracing::warn!(open = %what, "protection switched off by configuration");
    }
    Ok(open)
}

/// Writes are shared fairly: a ladder reserve that leaves requests nothing refuses to
/// start; a client write quota past what requests may fill of the derived store is
/// clamped to it (with a warning); an unlimited one is an opt-in, listed.
fn write_quotas(config: &ImageConfig, open: &mut Vec<String>) -> anyhow::Result<()> {
    let shares = config
        .fair
        .write_shares(config.derived_max_bytes, config.ladders);
    let reserve = shares.reserve;
    anyhow::ensure!(
        reserve == 0 || reserve < config.derived_max_bytes,
        "IMAGE_LADDER_RESERVE_BYTES ({reserve}) is not below IMAGE_DERIVED_MAX_BYTES ({}): \
         /get and /redirect could never store anything",
        config.derived_max_bytes
    );
    let asked = config.fair.client_write_bytes_per_hour;
    let quota = shares.per_client;
    if asked == 0 {
        open.push("unlimited writes per client".to_owned());
    } else if quota < asked {
        tracing::warn!(
            asked,
            clamped = quota,
            "IMAGE_CLIENT_WRITE_BYTES_PER_HOUR is past what requests may fill of the derived \
             store (IMAGE_DERIVED_MAX_BYTES less IMAGE_LADDER_RESERVE_BYTES): clamped to it"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> ImageConfig {
        let mut values: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        values
            .entry("IMAGE_HMAC_KEY".into())
            .or_insert_with(|| "k".into());
        picsum_web::config::parse_layered(
            vec!["picsum-image-service".into()],
            Some((std::path::Path::new("test"), values)),
        )
        .unwrap()
    }

    fn refusal(pairs: &[(&str, &str)]) -> String {
        check(&config(pairs)).unwrap_err().to_string()
    }

    #[test]
    fn production_defaults_start_with_nothing_open() {
        assert_eq!(check(&config(&[])).unwrap(), Vec::<String>::new());
        let signed = [
            ("IMAGE_DIALECTS", "picsum,picfit,pixlserv"),
            ("IMAGE_PICFIT_SECRET_KEY", "s"),
            ("IMAGE_AUTH_GET", "true"),
            ("IMAGE_KEYS_URL", "redis://127.0.0.1:1"),
            ("IMAGE_UPLOADS", "true"),
            ("IMAGE_DELETES", "true"),
            ("IMAGE_ALLOWED_IPS", "10.0.0.0/8"),
        ];
        assert_eq!(check(&config(&signed)).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn unguarded_settings_refuse_to_start_naming_the_setting() {
        assert!(refusal(&[("IMAGE_HMAC_KEY", "")]).contains("IMAGE_HMAC_KEY"));
        assert!(refusal(&[("IMAGE_DIALECTS", "picfit")]).contains("IMAGE_PICFIT_SECRET_KEY"));
        assert!(refusal(&[("IMAGE_DIALECTS", "pixlserv")]).contains("IMAGE_AUTH_GET"));
        assert!(refusal(&[("IMAGE_DELETES", "true")]).contains("IMAGE_ALLOWED_IPS"));
        assert!(refusal(&[("IMAGE_UPLOADS", "true")]).contains("IMAGE_ALLOW_ANONYMOUS_WRITES"));
        let unknown = picsum_web::config::parse_layered::<ImageConfig>(
            vec![
                "picsum-image-service".into(),
                "--dialects=picsum,nope".into(),
            ],
            None,
        );
        assert!(
            unknown
                .unwrap_err()
                .to_string()
                .contains("nope: not a dialect")
        );
    }

    #[test]
    fn opt_ins_are_listed() {
        let open = check(&config(&[
            ("IMAGE_DIALECTS", "picsum,picfit,pixlserv"),
            ("IMAGE_ALLOW_UNSIGNED", "true"),
            ("IMAGE_UPLOADS", "true"),
            ("IMAGE_ALLOW_ANONYMOUS_WRITES", "true"),
        ]))
        .unwrap();
        assert_eq!(
            open,
            ["unsigned pixlserv", "unsigned picfit", "anonymous writes"]
        );
        // Uploads by API key only (a key store and no address list) need no opt-in.
        let keyed = config(&[
            ("IMAGE_UPLOADS", "true"),
            ("IMAGE_KEYS_URL", "redis://127.0.0.1:1"),
        ]);
        assert_eq!(check(&keyed).unwrap(), Vec::<String>::new());
        // Keys in the cache's Redis could be evicted: the cache is no key store.
        let cached = config(&[
            ("IMAGE_AUTH_GET", "true"),
            ("IMAGE_CACHE_URL", "redis://127.0.0.1:1"),
        ]);
        let refusal = check(&cached).unwrap_err().to_string();
        assert!(refusal.contains("IMAGE_KEYS_URL"), "{refusal}");
    }

    #[test]
    fn write_quotas_are_checked() {
        let picfit = [
            ("IMAGE_DIALECTS", "picfit"),
            ("IMAGE_PICFIT_SECRET_KEY", "s"),
            ("IMAGE_ALLOWED_IPS", "10.0.0.0/8"),
            ("IMAGE_DERIVED_MAX_BYTES", "20000"),
        ];
        let with = |extra: (&'static str, &'static str)| {
            let mut pairs = picfit.to_vec();
            pairs.push(extra);
            config(&pairs)
        };
        // Past what requests may fill: clamped, and it starts.
        let clamped = with(("IMAGE_CLIENT_WRITE_BYTES_PER_HOUR", "1000000"));
        assert_eq!(check(&clamped).unwrap(), Vec::<String>::new());
        let shares = clamped.fair.write_shares(clamped.derived_max_bytes, true);
        assert_eq!(shares.per_client, 18_000);
        let refusal = check(&with(("IMAGE_LADDER_RESERVE_BYTES", "20000")))
            .unwrap_err()
            .to_string();
        assert!(refusal.contains("IMAGE_LADDER_RESERVE_BYTES"), "{refusal}");
        let unlimited = with(("IMAGE_CLIENT_WRITE_BYTES_PER_HOUR", "0"));
        assert_eq!(check(&unlimited).unwrap(), ["unlimited writes per client"]);
        // Nothing written, nothing to share.
        let reads = config(&[("IMAGE_CLIENT_WRITE_BYTES_PER_HOUR", "0")]);
        assert_eq!(check(&reads).unwrap(), Vec::<String>::new());
    }
}
