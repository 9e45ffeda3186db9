//! pixlserv's dialect as a process: bad presets stop the binary at start-up (the dialect's
//! requests are tested in process, in the image service's `tests/service/pixlserv.rs`).

use super::*;

#[test]
fn bad_presets_stop_start_up() {
    for (presets, message) in [
        ("bad name=w_1", "invalid transformation name: bad name"),
        ("x=w_0", "invalid transformation parameters: w_0"),
    ] {
        let out = Command::new(binary("picsum-image-service"))
            .env("IMAGE_PRESETS", presets)
            .env("IMAGE_HMAC_KEY", KEY)
            .env("IMAGE_STORAGE_PATH", fixture("file"))
            .env("IMAGE_LISTEN", "127.0.0.1:0")
            .env("IMAGE_METRICS_LISTEN", "127.0.0.1:0")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{presets}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{presets}: {stderr}");
    }
}
