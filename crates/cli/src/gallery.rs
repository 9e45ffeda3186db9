//! The sample gallery, embedded in the binary at build time (`build.rs`), so `picsum dev`
//! serves placeholders from the installed binary alone: no repository, no network.
//!
//! [`extract`] writes it once to a folder named by its content hash under the system's temp
//! directory (a manifest and `photos/`), which the API and the image service then read as
//! they read `gallery/` in the repository.

use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/gallery.rs"));

/// Writes the embedded gallery unless an identical copy is there; returns its folder.
///
/// # Errors
/// The temp directory cannot be written.
pub(crate) fn extract() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("picsum-gallery-{:016x}", fingerprint()));
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos)?;
    for (name, bytes) in PHOTOS {
        write_if_changed(&photos.join(name), bytes)?;
    }
    write_if_changed(&dir.join("manifest.json"), MANIFEST)?;
    Ok(dir)
}

/// FNV-1a over every file's name and bytes: a new gallery gets a new folder.
fn fingerprint() -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let files = PHOTOS
        .iter()
        .copied()
        .chain(std::iter::once(("manifest.json", MANIFEST)));
    for (name, bytes) in files {
        for b in name.bytes().chain(bytes.iter().copied()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    // Written beside and renamed: a concurrent `picsum dev` never reads half a photo.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeds_the_whole_gallery_and_extracts_it() {
        let manifest: Vec<picsum_catalog::Image> = serde_json::from_slice(MANIFEST).unwrap();
        assert!(manifest.len() >= 24);
        for image in &manifest {
            let name = format!("{}.jpg", image.id);
            assert!(
                PHOTOS.iter().any(|(n, _)| *n == name),
                "{name} not embedded"
            );
        }
        let dir = extract().unwrap();
        assert_eq!(std::fs::read(dir.join("manifest.json")).unwrap(), MANIFEST);
        let (name, bytes) = PHOTOS.first().unwrap();
        assert_eq!(
            std::fs::read(dir.join("photos").join(name)).unwrap(),
            *bytes
        );
        assert_eq!(extract().unwrap(), dir, "same content, same folder");
    }
}
