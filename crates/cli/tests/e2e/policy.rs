//! Production binaries refuse to start on settings that would leave them unguarded, and
//! name the setting.

use super::*;

fn refusal(name: &str, env: &[(&str, &str)]) -> String {
    let gallery = Gallery::new(&format!("policy-{name}"));
    let out = Command::new(binary(name))
        .env("IMAGE_STORAGE_PATH", gallery.dir.join("photos"))
        .env(
            "PICSUM_DATABASE_FILE_PATH",
            gallery.dir.join("manifest.json"),
        )
        .env("IMAGE_LISTEN", "127.0.0.1:0")
        .env("IMAGE_METRICS_LISTEN", "127.0.0.1:0")
        .env("PICSUM_LISTEN", "127.0.0.1:0")
        .env("PICSUM_METRICS_LISTEN", "127.0.0.1:0")
        .env("VIPS_WARNING", "0")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(!out.status.success(), "{name} {env:?} started");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A binary, its environment, and what its refusal must say.
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[test]
fn unguarded_settings_stop_start_up() {
    let cases: [Case; 6] = [
        ("picsum-image-service", &[], "IMAGE_HMAC_KEY is empty"),
        ("picsum-api", &[], "PICSUM_HMAC_KEY is empty"),
        (
            "picsum-image-service",
            &[("IMAGE_HMAC_KEY", KEY), ("IMAGE_DIALECTS", "picsum,picfit")],
            "without IMAGE_PICFIT_SECRET_KEY",
        ),
        (
            "picsum-image-service",
            &[("IMAGE_HMAC_KEY", KEY), ("IMAGE_DIALECTS", "pixlserv")],
            "without IMAGE_AUTH_GET",
        ),
        (
            "picsum-image-service",
            &[("IMAGE_HMAC_KEY", KEY), ("IMAGE_UPLOADS", "true")],
            "IMAGE_ALLOW_ANONYMOUS_WRITES",
        ),
        (
            "picsum-image-service",
            &[("IMAGE_HMAC_KEY", KEY), ("IMAGE_DELETES", "true")],
            "IMAGE_ALLOWED_IPS",
        ),
    ];
    for (name, env, message) in cases {
        let stderr = refusal(name, env);
        assert!(stderr.contains(message), "{name} {env:?}: {stderr}");
    }
}
