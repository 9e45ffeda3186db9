#!/usr/bin/env python3
"""Request lists for wrk (one path per line), the same work for every server.

paths.py INPUTS_TSV OUT_DIR writes, from a fixed random seed:
  random.sizes, random.ours.unsigned, random.sharp, random.thumbor: 2000 covers of random
      originals at random sizes, width and height each 100..2000;
  crop.*: one fixed 400x300 cover of the largest original;
  flow: /{w}/{h} for 20 common sizes (the Picsum flow picks the image).
paths.py --redirects ROWS OUT_FILE writes 3000 API redirects over a catalog of ROWS images:
  a third each /200/300 (random image), /seed/{word}/200/300 and /id/{n}/200/300."""
import csv
import random
import sys


def write(path, lines):
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def renders(tsv, out):
    with open(tsv, newline="") as f:
        files = [r["file"] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    rng = random.Random(42)
    jobs = [(rng.randrange(len(files)), rng.randint(100, 2000), rng.randint(100, 2000))
            for _ in range(2000)]
    largest = len(files) - 1  # inputs.tsv lists the 6028x3391 original last
    for name, batch in (("random", jobs), ("crop", [(largest, 400, 300)])):
        write(f"{out}/{name}.sizes", [f"{w} {h}" for _, w, h in batch])
        write(f"{out}/{name}.ours.unsigned", [f"/id/{i}/{w}/{h}.jpg" for i, w, h in batch])
        write(f"{out}/{name}.sharp", [f"/{w}x{h}/{files[i]}" for i, w, h in batch])
        write(f"{out}/{name}.thumbor", [f"/unsafe/{w}x{h}/{files[i]}" for i, w, h in batch])
    write(f"{out}/flow", [f"/{w}/{h}" for w in (200, 300, 400, 600, 800)
                          for h in (200, 300, 400, 600)])


def redirects(rows, out):
    rng = random.Random(7)
    lines = []
    for n in range(3000):
        kind = n % 3
        if kind == 0:
            lines.append("/200/300")
        elif kind == 1:
            lines.append(f"/seed/s{rng.randrange(1_000_000)}/200/300")
        else:
            lines.append(f"/id/{rng.randrange(rows)}/200/300")
    write(out, lines)


if sys.argv[1] == "--redirects":
    redirects(int(sys.argv[2]), sys.argv[3])
else:
    renders(sys.argv[1], sys.argv[2])
