//! For build scripts: tells Cargo the git commit the package is built from, as the
//! compile-time variable `PICSUM_GIT_SHA` (read with `env!`), so `--version`, the start-up
//! line and `*_build_info` name the exact source a binary came from.
//!
//! The commit is `PICSUM_GIT_SHA` from the build's environment when set (a container build
//! without `.git` passes it as a build argument), else `git rev-parse` of the checkout, else
//! `unknown`. The build script reruns when the checkout moves to another commit (a build
//! from a tree with uncommitted changes still names the commit it started from).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Prints the `cargo:` lines for `PICSUM_GIT_SHA`; call it from `build.rs`'s `main`.
pub fn emit() {
    println!("cargo:rerun-if-env-changed=PICSUM_GIT_SHA");
    let sha = std::env::var("PICSUM_GIT_SHA")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(from_git)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=PICSUM_GIT_SHA={sha}");
}

fn from_git() -> Option<String> {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let git_dir = PathBuf::from(git(&manifest, &["rev-parse", "--absolute-git-dir"])?);
    // HEAD moves on checkout; the branch's ref (or packed-refs) on commit.
    for file in ["HEAD", "packed-refs"] {
        println!("cargo:rerun-if-changed={}", git_dir.join(file).display());
    }
    if let Some(head) = git(&manifest, &["symbolic-ref", "-q", "HEAD"]) {
        println!("cargo:rerun-if-changed={}", git_dir.join(head).display());
    }
    git(&manifest, &["rev-parse", "--short=12", "HEAD"])
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}
