//! `picsum import`, `picsum migrate`, `picsum export-manifest`: the catalog and its photos.
//!
//! A manifest's photos are `{id}.jpg` beside it or in `photos/` beside it.
//!
//! Import order per photo: pre-sized variants, then the original, then the catalog row. The
//! row is the commit point: until it is written no API knows the photo, so an import killed
//! at any moment leaves nothing half-imported visible, and a rerun redoes what is missing and
//! skips what is complete (same row, original present).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use bytes::Bytes;
use picsum_catalog::filter::Tag;
use picsum_catalog::{Image, Placeholder};
use picsum_db::Database;
use picsum_imaging::Limits;
use picsum_storage::Storage;

/// Pre-sized variant sizes Picsum's image service looks for.
const VARIANTS: std::ops::RangeInclusive<u32> = 1..=9;

/// One photo to import.
struct Entry {
    file: PathBuf,
    id: String,
    author: String,
    url: String,
    tags: Vec<Tag>,
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Photos written (new or changed).
    pub(crate) imported: usize,
    /// Photos already complete.
    pub(crate) skipped: usize,
}

/// Imports a Picsum manifest (photos `{id}.jpg` beside it) or a folder of photos.
///
/// # Errors
/// Unreadable inputs, undecodable photos, storage or database failures.
pub(crate) async fn import(
    source: &Path,
    storage: &Storage,
    db: &Database,
    author: &str,
    tags: &[Tag],
) -> anyhow::Result<Summary> {
    picsum_imaging::init()?;
    let existing = db
        .images()
        .await
        .context("reading the catalog (run `picsum migrate` first?)")?;
    let entries = entries(source, &existing, author)?;
    let mut summary = Summary::default();
    let total = entries.len();
    for (n, entry) in entries.into_iter().enumerate() {
        progress(n, total, &entry.id);
        let bytes = tokio::fs::read(&entry.file)
            .await
            .with_context(|| format!("reading {}", entry.file.display()))?;
        let header = picsum_imaging::probe(&bytes)
            .with_context(|| format!("{} is not a supported image", entry.file.display()))?;
        let is_jpeg = header.loader.starts_with("jpegload");
        let bytes = Bytes::from(bytes);
        let mut image = row(entry, &header, tags);
        image.placeholder = Some(placeholder(bytes.clone(), is_jpeg).await?);
        let original_key = format!("{}.jpg", image.id);
        if existing.contains(&image) && storage.exists(&original_key).await? {
            summary.skipped += 1;
            continue;
        }
        let longest = image.width.max(image.height);
        let rendered =
            tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<(u32, Vec<u8>)>> {
                let mut out = Vec::new();
                for size in VARIANTS.map(|k| k * 500).filter(|&s| s < longest) {
                    out.push((
                        size,
                        picsum_imaging::fit_within(&bytes, size, Limits::default())?,
                    ));
                }
                if !is_jpeg {
                    out.push((
                        0,
                        picsum_imaging::fit_within(&bytes, longest, Limits::default())?,
                    ));
                } else {
                    out.push((0, bytes.to_vec()));
                }
                Ok(out)
            })
            .await??;
        for (size, jpeg) in rendered {
            let key = if size == 0 {
                original_key.clone()
            } else {
                format!("{}_{size}.jpg", image.id)
            };
            storage
                .put(&key, Bytes::from(jpeg))
                .await
                .with_context(|| format!("uploading {key}"))?;
        }
        db.upsert(&image).await?;
        summary.imported += 1;
    }
    progress(total, total, "done");
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    Ok(summary)
}

/// The photo's ThumbHash and dominant colour, from a JPEG decoded at a reduced scale (other
/// formats are first made a small JPEG by libvips).
async fn placeholder(bytes: Bytes, is_jpeg: bool) -> anyhow::Result<Placeholder> {
    tokio::task::spawn_blocking(move || {
        let jpeg = if is_jpeg {
            bytes.to_vec()
        } else {
            picsum_imaging::fit_within(&bytes, 128, Limits::default())?
        };
        let computed = picsum_placeholder::Placeholder::from_jpeg(&jpeg)?;
        Ok(Placeholder::from(&computed))
    })
    .await?
}

/// The catalog row of a photo: its entry, its stored size, its tags and `extra` ones.
fn row(entry: Entry, header: &picsum_imaging::Probe, extra: &[Tag]) -> Image {
    let mut tags = entry.tags;
    tags.extend_from_slice(extra);
    tags.sort();
    tags.dedup();
    Image {
        id: entry.id,
        author: entry.author,
        width: header.width,
        height: header.height,
        url: entry.url,
        tags,
        placeholder: None,
    }
}

fn entries(source: &Path, existing: &[Image], author: &str) -> anyhow::Result<Vec<Entry>> {
    if source.is_file() {
        let manifest: Vec<Image> = serde_json::from_slice(&std::fs::read(source)?)
            .with_context(|| format!("{} is not a Picsum manifest", source.display()))?;
        // Photos sit beside the manifest, or in a `photos/` folder beside it (our gallery).
        let dir = source.parent().unwrap_or(Path::new("."));
        let file = |id: &str| {
            let beside = dir.join(format!("{id}.jpg"));
            if beside.exists() {
                beside
            } else {
                dir.join("photos").join(format!("{id}.jpg"))
            }
        };
        return Ok(manifest
            .into_iter()
            .map(|i| Entry {
                file: file(&i.id),
                id: i.id,
                author: i.author,
                url: i.url,
                tags: i.tags,
            })
            .collect());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(source)
        .with_context(|| format!("reading {}", source.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            matches!(ext.as_deref(), Some("jpg" | "jpeg" | "png" | "webp"))
        })
        .collect();
    files.sort();
    // Photos named by a number keep it; others get the next free numeric id.
    let mut next = existing
        .iter()
        .filter_map(|i| i.id.parse::<u64>().ok())
        .max()
        .map_or(0, |m| m + 1);
    let mut out = Vec::new();
    for file in files {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if stem.contains('_')
            && stem
                .split('_')
                .all(|p| p.chars().all(|c| c.is_ascii_digit()))
        {
            continue; // an existing pre-sized variant such as 3_500.jpg
        }
        let id = if !stem.is_empty() && stem.chars().all(|c| c.is_ascii_digit()) {
            stem
        } else {
            let id = next.to_string();
            next += 1;
            id
        };
        out.push(Entry {
            file,
            id,
            author: author.to_owned(),
            url: String::new(),
            tags: Vec::new(),
        });
    }
    Ok(out)
}

fn progress(done: usize, total: usize, what: &str) {
    const WIDTH: usize = 30;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    let line = format!(
        "[{}{}] {done}/{total} {what}",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled)
    );
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r{line:<60}");
    } else {
        let _ = writeln!(err, "{line}");
    }
}

/// Writes the catalog as a Picsum manifest: 4-space indented JSON in file order.
///
/// # Errors
/// Database or I/O failures.
pub(crate) async fn export_manifest(db: &Database, out: &mut impl Write) -> anyhow::Result<()> {
    let images = db.images().await?;
    let mut ser = serde_json::Serializer::with_formatter(
        &mut *out,
        serde_json::ser::PrettyFormatter::with_indent(b"    "),
    );
    serde::Serialize::serialize(&images, &mut ser)?;
    writeln!(out)?;
    Ok(())
}
