#!/usr/bin/env python3
"""The inputs of the imgproxy-shaped workload: each original of inputs.tsv scaled to about
2 megapixels (aspect kept), JPEG quality 90, as `2mp-{file}` beside it. imgproxy's public
benchmark resizes ~2 MP photos; ours are the same five photos at that size.
Usage (with Pillow, e.g. the thumbor venv's python): small_inputs.py INPUTS_TSV INPUTS_DIR"""
import csv
import math
import os
import sys

from PIL import Image

tsv, inputs = sys.argv[1:3]
with open(tsv, newline="") as f:
    rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
for row in rows:
    out = os.path.join(inputs, f"2mp-{row['file']}")
    if os.path.exists(out):
        continue
    with Image.open(os.path.join(inputs, row["file"])) as image:
        scale = math.sqrt(2_000_000 / (image.width * image.height))
        size = (round(image.width * scale), round(image.height * scale))
        image.resize(size, Image.LANCZOS).save(out, "JPEG", quality=90)
