//! Chooses the libvips every binary of the workspace links (they all reach it through this
//! crate). By default it is libvips 8.17.3 as `scripts/libvips.sh install` puts it: the
//! linker is pointed at the directory where rs-vips' three libraries are names for that one
//! object, and a build without it stops here, saying how to get it, rather than quietly
//! linking another libvips. `PICSUM_LIBVIPS=system` links whatever libvips the system has
//! (Debian's 8.14 for the compatibility build, `scripts/libvips.sh compat`).
//! `PICSUM_LIBVIPS_DIR` points at another install of the default one.
//!
//! The choice reaches the code as `PICSUM_LIBVIPS_BUILD` (`8.17.3` or `system`).

use std::path::Path;

const VERSION: &str = "8.17.3";
const DEFAULT_DIR: &str = "/usr/local/lib/picsum-libvips-8.17.3";

fn main() {
    println!("cargo::rerun-if-env-changed=PICSUM_LIBVIPS");
    println!("cargo::rerun-if-env-changed=PICSUM_LIBVIPS_DIR");
    match std::env::var("PICSUM_LIBVIPS").as_deref() {
        Ok("system") => println!("cargo::rustc-env=PICSUM_LIBVIPS_BUILD=system"),
        Err(_) | Ok("" | VERSION) => link_default(),
        Ok(other) => fail(&format!(
            "PICSUM_LIBVIPS={other}: expected {VERSION} (the default) or system"
        )),
    }
}

fn link_default() {
    let dir = std::env::var("PICSUM_LIBVIPS_DIR").unwrap_or_else(|_| DEFAULT_DIR.to_owned());
    let library = Path::new(&dir).join("libvips.so");
    println!("cargo::rerun-if-changed={}", library.display());
    if !library.exists() {
        fail(&format!(
            "libvips {VERSION} is not installed ({} is missing): run scripts/deps.sh \
             (or scripts/libvips.sh install), or build with PICSUM_LIBVIPS=system to link \
             the system's libvips",
            library.display()
        ));
    }
    println!("cargo::rustc-link-search=native={dir}");
    println!("cargo::rustc-env=PICSUM_LIBVIPS_BUILD={VERSION}");
}

fn fail(message: &str) -> ! {
    eprintln!("picsum-imaging: {message}");
    std::process::exit(1);
}
