#!/usr/bin/env python3
"""Adds photos to the sample gallery (gallery/photos, gallery/manifest.json).

A maintainer's tool, run by hand once per addition (never by `make run` or `make test`):
each source photo is downscaled to a longest side of at most 1200 px (JPEG quality 80, as the
gallery's originals), with 500 and 1000 px variants when it is larger than those, and appended
to the manifest with its author, licence, source and tags. Needs Pillow (`pip install pillow`).

    scripts/gallery.py SOURCE_DIR ENTRIES.tsv

ENTRIES.tsv: file, author with licence, source URL, comma-separated tags; one photo per line.
Existing ids are never rewritten (seeds and golden tests depend on them).
"""
import json
import pathlib
import sys

from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
GALLERY = ROOT / "gallery"


def save(im, longest, path):
    im = im.copy()
    im.thumbnail((longest, longest), Image.LANCZOS)
    im.save(path, "JPEG", quality=80, optimize=True, progressive=False)
    return im.size


def main(source_dir, entries_tsv):
    manifest_path = GALLERY / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    next_id = max(int(i["id"]) for i in manifest) + 1
    for line in pathlib.Path(entries_tsv).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        file, author, url, tags = line.split("\t")
        im = Image.open(pathlib.Path(source_dir) / file).convert("RGB")
        ident = str(next_id)
        next_id += 1
        width, height = save(im, 1200, GALLERY / "photos" / f"{ident}.jpg")
        for size in (500, 1000):
            if max(width, height) > size:
                save(im, size, GALLERY / "photos" / f"{ident}_{size}.jpg")
        manifest.append({
            "id": ident, "author": author, "width": width, "height": height, "url": url,
            "tags": sorted(set(t for t in tags.split(",") if t)),
        })
        print(ident, file, width, height)
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
