//! Exports the two orc entry points `picsum_imaging::orc` defines, so libvips' calls to them
//! resolve to this binary's locked versions before liborc's; and embeds the sample gallery
//! (`gallery/manifest.json` and `gallery/photos/*.jpg`) for `picsum dev` away from the repo;
//! and names the git commit it is built from (`PICSUM_GIT_SHA`).
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    picsum_build_info::emit();
    println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol=orc_program_compile");
    println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol=orc_program_free");
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let gallery = Path::new(&manifest_dir).join("../../gallery");
    println!("cargo:rerun-if-changed={}", gallery.display());
    println!(
        "cargo:rerun-if-changed={}",
        gallery.join("photos").display()
    );
    let mut photos: Vec<String> = std::fs::read_dir(gallery.join("photos"))
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|name| name.ends_with(".jpg"))
                .collect()
        })
        .unwrap_or_default();
    photos.sort();
    let path = |p: &Path| format!("{:?}", p.display().to_string());
    let mut out = format!(
        "/// The sample gallery's manifest.\npub(crate) static MANIFEST: &[u8] = include_bytes!({});\n\
         /// The sample gallery's photos: file name and bytes.\npub(crate) static PHOTOS: &[(&str, &[u8])] = &[\n",
        path(&gallery.join("manifest.json"))
    );
    for name in photos {
        let file = gallery.join("photos").join(&name);
        let _ = writeln!(out, "    ({name:?}, include_bytes!({})),", path(&file));
    }
    out.push_str("];\n");
    let out_dir = std::env::var("OUT_DIR").unwrap_or_default();
    if let Err(e) = std::fs::write(Path::new(&out_dir).join("gallery.rs"), out) {
        println!("cargo:warning=cannot write the embedded gallery: {e}");
    }
}
