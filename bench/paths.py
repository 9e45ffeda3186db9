#!/usr/bin/env python3
"""Request lists for wrk (one path per line), the same work for every server.

paths.py INPUTS_TSV OUT_DIR writes, from a fixed random seed:
  random.sizes, random.ours.unsigned, random.sharp, random.thumbor: 2000 covers of random
      originals at random sizes, width and height each 100..2000;
  crop.*: one fixed 400x300 cover of the largest original;
  hot.ours.unsigned: one URL no other workload asks for (the hot URL at 16 connections);
  flow: /{w}/{h} for 20 common sizes (the Picsum flow picks the image);
  fit.*: the imgproxy-shaped workload, each ~2 MP copy (`2mp-{file}`, see small_inputs.py)
      fitted inside about 512x512 (488..512, all distinct), JPEG quality 80 (picfit's
      `op=fit` for ours);
  random.floor, fit.floor: the same work for examples/floor.rs (in-process, no server).
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
    write(f"{out}/hot.ours.unsigned", ["/id/2/733/511.jpg"])
    # The floor's share of the random list: where wrk's two threads start (0 and 1/2).
    floor = jobs[:100] + jobs[1000:1100]
    write(f"{out}/random.floor", [f"cover {files[i]} {w} {h}" for i, w, h in floor])
    write(f"{out}/flow", [f"/{w}/{h}" for w in (200, 300, 400, 600, 800)
                          for h in (200, 300, 400, 600)])
    # 125 distinct requests (boxes 488..512), so that no server can answer two concurrent
    # requests with one render (ours coalesces identical requests in flight).
    fits = [(f"2mp-{name}", 512 - k) for k in range(25) for name in files]
    write(f"{out}/fit.sizes", [f"fit {s}" for _, s in fits])
    write(f"{out}/fit.ours", [f"/display?path={f}&op=fit&w={s}&h={s}&q=80&fmt=jpg" for f, s in fits])
    write(f"{out}/fit.sharp", [f"/fit/{s}x{s}/q80/{f}" for f, s in fits])
    write(f"{out}/fit.floor", [f"fit {f} {s} {s} 80" for f, s in fits])
    write(f"{out}/fit.thumbor", [f"/unsafe/fit-in/{s}x{s}/filters:quality(80)/{f}" for f, s in fits])


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
