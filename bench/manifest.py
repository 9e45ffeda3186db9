#!/usr/bin/env python3
"""Writes a Picsum manifest for the benchmark originals: ids 0.. in inputs.tsv order,
with `{id}.jpg` symlinks beside it, ready for `picsum import`.
Usage: manifest.py INPUTS_TSV INPUTS_DIR OUT_DIR"""
import csv
import json
import os
import sys

tsv, inputs, out = sys.argv[1:4]
with open(tsv, newline="") as f:
    rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
manifest = []
for n, row in enumerate(rows):
    link = os.path.join(out, f"{n}.jpg")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(os.path.abspath(os.path.join(inputs, row["file"])), link)
    manifest.append({
        "id": str(n),
        "author": f'{row["author"]}, {row["licence"]}',
        "width": int(row["width"]),
        "height": int(row["height"]),
        "url": "https://gitlab.com/ubports/development/core/lomiri-wallpapers",
    })
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=4)
