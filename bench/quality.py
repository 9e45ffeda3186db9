#!/usr/bin/env python3
"""Scores bench/quality.sh's JPEGs with SSIMULACRA2 and writes the quality-per-byte tables.

Usage: quality.py DIR > quality.md   (DIR holds ours.jsonl, sharp.jsonl and, per case
`{stem}-{W}x{H}`, the reference `.ref.png`, ours `.ours.jpg`, sharp's defaults `.sharp.jpg`
and its sweeps `.sharp-q{q}.jpg` / `.moz-q{q}.jpg`). Also writes DIR/quality.json, the
summary bench/report.py reads for its targets table. Runs in .tools/quality-venv
(bench/quality-requirements.txt: the PyPI package ssimulacra2, BSD-3, by Pacidus).

Alignment: sharp's centre crop rounds its offset differently from libvips' thumbnail (the
reference's and ours), which leaves some of its answers one pixel off the reference, and a
one-pixel shift alone costs SSIMULACRA2 tens of points. So each encoder's output (ours;
sharp's, whose sweeps share its defaults' geometry) is first matched to the reference by
the integer shift of at most one pixel that best fits it (least mean absolute difference),
and every score is taken on the image less a one-pixel border.

"Bytes at equal SSIMULACRA2": sharp's sweep (bytes against score, q 50..95) is interpolated
linearly between the two qualities whose scores bracket ours; ratio = our bytes / those
bytes. Only the sweep points needed to find the bracket are scored (scores rise with q).
The reference's side of the metric is computed once per case (the package's own steps,
checked against its compute_ssimulacra2 on the first case)."""
import json
import math
import os
import statistics
import sys
from multiprocessing import Pool

import numpy as np
from PIL import Image
import ssimulacra2.ssimulacra2 as s2

QUALITIES = (50, 55, 60, 65, 70, 75, 80, 85, 90, 95)


def pixels(path):
    return np.array(Image.open(path).convert("RGB"), dtype=np.float64)


def inner(img, dy=0, dx=0):
    """The image less a one-pixel border, moved by (dy, dx) pixels."""
    return img[1 + dy:img.shape[0] - 1 + dy, 1 + dx:img.shape[1] - 1 + dx]


def shift(ref, dist):
    """The shift (at most one pixel each way) that best matches dist to ref."""
    moves = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    return min(moves, key=lambda m: (np.abs(inner(ref, *m) - inner(dist)).mean(), m != (0, 0)))


def linear(img):
    return s2.srgb_to_linear(img)


def xyb(lin):
    return s2.make_positive_xyb(s2.linear_rgb_to_xyb(lin))


def prepare(ref):
    """Per scale: the reference (pixels) in XYB, its blurred square and its blurred self."""
    lin, scales = linear(ref), []
    for _ in range(s2.kNumScales):
        img = xyb(lin)
        if img.shape[0] < 8 or img.shape[1] < 8:
            break
        scales.append((img, s2.blur_image(img * img), s2.blur_image(img)))
        lin = s2.downsample(lin, 2, 2)
    return scales


def score(ref, dist):
    """SSIMULACRA2 of dist (pixels) against the prepared reference (as compute_ssimulacra2)."""
    lin, msssim = linear(dist), s2.Msssim()
    for img1, sigma11, mu1 in ref:
        img2 = xyb(lin)
        mu2 = s2.blur_image(img2)
        scale = s2.MsssimScale()
        scale.avg_ssim = s2.ssim_map(mu1, mu2, sigma11, s2.blur_image(img2 * img2),
                                     s2.blur_image(img1 * img2))
        scale.avg_edgediff = s2.edge_diff_map(img1, mu1, img2, mu2)
        msssim.scales.append(scale)
        lin = s2.downsample(lin, 2, 2)
    return msssim.score()


def at_score(point, target):
    """Bytes of a sweep at score `target`; point(q) -> (score, bytes). None off the sweep."""
    j = QUALITIES.index(80)
    sj, bj = point(QUALITIES[j])
    step = 1 if sj < target else -1
    while 0 <= j + step < len(QUALITIES):
        sk, bk = point(QUALITIES[j + step])
        if (sk - target) * (sj - target) <= 0:
            return bj if sk == sj else bj + (target - sj) * (bk - bj) / (sk - sj)
        j, sj, bj = j + step, sk, bk
    return None


def case(args):
    directory, name = args
    base = os.path.join(directory, name)
    ref_pixels, refs, scored = pixels(f"{base}.ref.png"), {}, {}
    moves = {kind: shift(ref_pixels, pixels(f"{base}.{kind}.jpg")) for kind in ("ours", "sharp")}

    def scored_at(path, move):
        if move not in refs:
            refs[move] = prepare(inner(ref_pixels, *move))
        if path not in scored:
            scored[path] = score(refs[move], inner(pixels(path)))
        return scored[path], os.path.getsize(path)

    def sweep(kind):
        return lambda q: scored_at(f"{base}.{kind}-q{q}.jpg", moves["sharp"])

    ours, ours_bytes = scored_at(f"{base}.ours.jpg", moves["ours"])
    sharp, _ = sweep("sharp")(80)  # sharp's defaults are its q80 (quality.js checks)
    out = {"case": name, "ours_score": ours, "sharp_score": sharp, "ratio": {},
           "shifts": {k: list(m) for k, m in moves.items()}}
    for kind in ("sharp", "moz"):
        equal = at_score(sweep(kind), ours)
        out["ratio"][kind] = None if equal is None else ours_bytes / equal
    out["scored"] = len(scored)
    return out


def self_check(directory, name):
    """The per-reference split equals the package's own function."""
    base = os.path.join(directory, name)
    mine = score(prepare(pixels(f"{base}.ref.png")), pixels(f"{base}.sharp.jpg"))
    theirs = s2.compute_ssimulacra2(f"{base}.ref.png", f"{base}.sharp.jpg")
    if abs(mine - theirs) > 1e-6:
        sys.exit(f"quality.py: score {mine} differs from compute_ssimulacra2's {theirs}")


def load(path):
    with open(path) as f:
        return {r["case"]: r for r in map(json.loads, filter(str.strip, f))}


def spread(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    return f"{statistics.median(xs):.3f} ({min(xs):.3f}–{max(xs):.3f})"


def geomean(xs):
    xs = [x for x in xs if x is not None]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def size_of(name):
    return name.rsplit("-", 1)[1]


def tables(ours, sharp, scores):
    out = []
    p = out.append
    p("| size | ours bytes | ours score | ours CPU ms | sharp bytes | sharp score | "
      "sharp CPU ms | bytes at equal score / sharp | / sharp mozjpeg |")
    p("|---|---|---|---|---|---|---|---|---|")
    sizes = sorted({size_of(c) for c in ours}, key=lambda s: math.prod(map(int, s.split("x"))))
    mean = statistics.mean
    for size in sizes:
        cs = [c for c in ours if size_of(c) == size]
        p(f"| {size} | {mean(ours[c]['bytes'] for c in cs):,.0f} | "
          f"{mean(scores[c]['ours_score'] for c in cs):.1f} | "
          f"{mean(ours[c]['cpu_ms'] for c in cs):.1f} | {mean(sharp[c]['bytes'] for c in cs):,.0f} | "
          f"{mean(scores[c]['sharp_score'] for c in cs):.1f} | "
          f"{mean(sharp[c]['cpu_ms'] for c in cs):.1f} | "
          f"{spread(scores[c]['ratio']['sharp'] for c in cs)} | "
          f"{spread(scores[c]['ratio']['moz'] for c in cs)} |")
    p("")
    thread = sum(r.get("thread_cpu_ms", 0) for r in ours.values())
    process = sum(r["cpu_ms"] for r in ours.values())
    p("Means over the sources per size; ratios are medians (min–max). CPU is the whole "
      "process's, every thread (getrusage; sharp's process.cpuUsage), one render at a time. "
      f"The rendering thread's alone (`thread_cpu_time`) was {thread:,.0f} ms of our "
      f"{process:,.0f} ms: libvips computes the pixels on its own worker threads.")
    return out


def main():
    directory = sys.argv[1]
    ours, sharp = load(f"{directory}/ours.jsonl"), load(f"{directory}/sharp.jsonl")
    names = sorted(ours)
    self_check(directory, min(names, key=lambda c: math.prod(map(int, size_of(c).split("x")))))
    # Largest first, so the pool's two workers finish together.
    names.sort(key=lambda c: -math.prod(map(int, size_of(c).split("x"))))
    with Pool(int(os.environ.get("QUALITY_JOBS", os.cpu_count() or 1))) as pool:
        scores = {r["case"]: r for r in pool.map(case, [(directory, n) for n in names], 1)}
    ratios = {k: [scores[c]["ratio"][k] for c in names] for k in ("sharp", "moz")}
    summary = {
        "cases": len(names),
        "median": statistics.median([r for r in ratios["sharp"] if r is not None]),
        "geomean": geomean(ratios["sharp"]),
        "min": min(r for r in ratios["sharp"] if r is not None),
        "max": max(r for r in ratios["sharp"] if r is not None),
        "off_sweep": sum(r is None for r in ratios["sharp"]),
        "moz_median": statistics.median([r for r in ratios["moz"] if r is not None]),
        "scored": sum(s["scored"] for s in scores.values()),
        "shifted": {k: sum(s["shifts"][k] != [0, 0] for s in scores.values()) for k in ("ours", "sharp")},
        "tables": tables(ours, sharp, scores),
    }
    with open(f"{directory}/quality.json", "w") as f:
        json.dump({**summary, "cases_detail": scores}, f, indent=1)
    print("\n".join(summary["tables"]))
    print(f"\nJPEG bytes at equal SSIMULACRA2, ours / sharp's defaults sweep, over "
          f"{len(names)} cases: median **{summary['median']:.3f}** (geometric mean "
          f"{summary['geomean']:.3f}, {summary['min']:.3f}–{summary['max']:.3f}, "
          f"{summary['off_sweep']} outside the sweep); / sharp with mozjpeg: median "
          f"{summary['moz_median']:.3f}. {summary['scored']} JPEGs scored; outputs one pixel off "
          f"the reference (aligned before scoring): ours {summary['shifted']['ours']}, sharp "
          f"{summary['shifted']['sharp']}.")


if __name__ == "__main__":
    main()
