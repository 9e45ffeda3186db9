#!/usr/bin/env python3
"""Turns bench/run.sh's results.jsonl and machine.json into the markdown report.
Usage: report.py RESULTS_JSONL MACHINE_JSON > report.md"""
import datetime
import json
import sys

results = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
machine = json.load(open(sys.argv[2]))
runs = {(r["workload"], r["server"]): r for r in results if "result" in r}
rss = {r["server"]: float(r["rss_mib"]) for r in results if "rss_mib" in r}
floors = {r["workload"]: r["floor"] for r in results if "floor" in r}


def get(workload, server):
    return runs.get((workload, server))


def rps(r):
    return r["result"]["requests"] / (r["result"]["duration_us"] / 1e6)


def ms(us):
    return f"{us / 1000:.1f}" if us >= 1000 else f"{us / 1000:.2f}"


def row(r, label=None):
    res = r["result"]
    bad = res["errors"] + res["non_2xx_3xx"]
    return (f"| {label or r['server']} | {r['conns']} | {rps(r):,.0f} | {ms(res['p50_us'])} | "
            f"{ms(res['p99_us'])} | {bad} |")


HEAD = "| server | conns | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|"
out = []
p = out.append
p(f"# picsum-rs against its peers: {datetime.date.today()}\n")
p("Produced by `bench/run.sh` (see bench/README.md). One run, one machine, every server on "
  "127.0.0.1 beside wrk.\n")
p("## Machine\n")
for key in ("cpu", "cores", "memory_gib", "os", "cpu_probe", "ours", "sharp", "thumbor",
            "nginx", "wrk", "postgres", "settings"):
    p(f"- **{key}**: {machine[key]}")
p("")

targets = []


LABELS = {"ours-orig": "ours, originals only, following renders (ladders made)",
          "ours-first": "ours, originals only, first render (ladders off)",
          "ours17-orig": "ours on libvips 8.17.3, following renders",
          "ours17-first": "ours on libvips 8.17.3, first render"}
OURS = ("ours", "ours-first", "ours-orig", "ours17-first", "ours17-orig")
# The renders from originals, per libvips build: (label suffix, first, following, floor prefix).
BUILDS = (("", "ours-first", "ours-orig", "floor"),
          (" on libvips 8.17.3", "ours17-first", "ours17-orig", "floor17"))


def cpu_ms(r):
    """Server CPU milliseconds per request during the measured part."""
    if r is None or "cpu_s" not in r or not r["result"]["requests"]:
        return None
    return 1000 * float(r["cpu_s"]) / r["result"]["requests"]


def ratio_line(workload, peer, want, mine="ours"):
    ours, other = get(workload, mine), get(workload, peer)
    if not ours or not other or not rps(other):
        return None
    x = rps(ours) / rps(other)
    return x, want, x >= want


for workload, title, note in (
    ("1-random", "(1) Uncached renders, random sizes",
     "2000 covers (resize + centre crop) of the five originals at random sizes, width and "
     "height each 100..2000 px, JPEG Q75 progressive. Our render cache is off; sharp and "
     "thumbor have none (thumbor: no result storage). \"ours\" reads the smallest pre-sized "
     "variant that covers the output (made at import, as Picsum does). \"originals only\" is the "
     "same service over a store without variants, as uploads are: its first render of an original "
     "decodes the original like the peers do (ladders off), the renders that follow start from "
     "the original's ladder (made after its first render, off the request path)."),
    ("2-crop", "(2) The same 400x300 crop, uncached",
     "One cover of the 6028x3391 original to 400x300, repeated, render cache off. Ours "
     "coalesces identical requests in flight (one render answers every request that arrived "
     "while it ran), which sharp and thumbor do not: this measures that as much as rendering."),
):
    p(f"## {title}\n\n{note}\n\n{HEAD}")
    for server in (*OURS, "sharp", "thumbor"):
        if get(workload, server):
            p(row(get(workload, server), LABELS.get(server)))
    p("")
    for mine in OURS:
        ratios = [f"{peer} **{r[0]:.2f}x**" for peer in ("sharp", "thumbor")
                  if (r := ratio_line(workload, peer, 0, mine))]
        if ratios:
            p(f"- {LABELS.get(mine, mine)} / " + ", / ".join(ratios))
    p("")

for suffix, first, following, _ in BUILDS:
    targets.append((f"Random covers from originals >= 1.3x sharp{suffix}: following renders",
                    ratio_line("1-random", "sharp", 1.3, following)))
    targets.append(("... first render of an original", ratio_line("1-random", "sharp", 1.3, first)))
targets.append(("... (with imported variants, for reference)", ratio_line("1-random", "sharp", 1.3)))

p("## (7) imgproxy-shaped: ~2 MP photos fitted inside 512x512, JPEG q80, 2 connections\n")
p("The five photos scaled to about 2 MP (`2mp-*`, bench/small_inputs.py), each fitted inside "
  "a box of 488..512 px (125 distinct requests, so nobody coalesces; never enlarged) as JPEG "
  "quality 80, in turn, at 2 connections on the 2 cores: the "
  "shape of imgproxy's public benchmark. Ours is picfit's `/display?op=fit`. Published figures "
  "for that benchmark on 2 vCPU (another machine, other photos, so for scale only): imgproxy "
  "79.6 req/s, thumbor 51.6.\n")
p(HEAD)
for server in (*OURS[1:], "sharp", "thumbor"):
    if get("7-fit", server):
        p(row(get("7-fit", server), LABELS.get(server)))
p("")
for mine in OURS[1:]:
    ratios = [f"{peer} **{r[0]:.2f}x**" for peer in ("sharp", "thumbor")
              if (r := ratio_line("7-fit", peer, 0, mine))]
    if ratios:
        p(f"- {LABELS[mine]} / " + ", / ".join(ratios))
p("")
for suffix, first, following, _ in BUILDS:
    targets.append((f"imgproxy-shaped >= 1.3x sharp{suffix}: following renders",
                    ratio_line("7-fit", "sharp", 1.3, following)))
    targets.append(("... first render of an original", ratio_line("7-fit", "sharp", 1.3, first)))
    targets.append((f"imgproxy-shaped >= 1.3x thumbor (measured here){suffix}",
                    ratio_line("7-fit", "thumbor", 1.3, following)))

p("## Server overhead: CPU per uncached render against the same work in-process\n")
p("Server CPU (utime + stime of the process over the measured part) per request, against "
  "`crates/imaging/examples/floor.rs` doing the same renders in one process without HTTP, "
  "caches or pool (200 of the random covers where wrk's threads start; the 125 fits). "
  "Ladders off, so both decode the same originals; each libvips build against its own floor.\n")
p("| workload | libvips | server ms CPU / render | in-process ms CPU / render | ratio |\n"
  "|---|---|---|---|---|")
for suffix, first, _, prefix in BUILDS:
    for workload, floor in (("1-random", "random"), ("7-fit", "fit")):
        mine, f = cpu_ms(get(workload, first)), floors.get(f"{prefix}-{floor}")
        if mine is not None and f and f["renders"]:
            base_ms = 1000 * f["cpu_s"] / f["renders"]
            build = suffix.removeprefix(" on libvips ") or "Debian"
            p(f"| {workload} | {build} | {mine:.1f} | {base_ms:.1f} | {mine / base_ms:.2f} |")
            targets.append((f"Server CPU per render <= 1.10x in-process ({workload}{suffix})",
                            (mine / base_ms, 1.10, mine / base_ms <= 1.10)))
p("")
p("CPU per request of every server, same measurements:\n")
p("| workload | " + " | ".join(LABELS.get(s, s) for s in (*OURS, "sharp", "thumbor")) + " |")
p("|---|" + "---|" * (len(OURS) + 2))
for workload in ("1-random", "2-crop", "7-fit"):
    cells = [cpu_ms(get(workload, s)) for s in (*OURS, "sharp", "thumbor")]
    p(f"| {workload} | " + " | ".join("" if c is None else f"{c:.1f}" for c in cells) + " |")
p("")

p("## (3) The same URL again: render cache against a static file\n")
p("Ours answers the 400x300 crop from its in-memory render cache; nginx serves the same "
  "bytes from a file (the ceiling for a cached answer).\n")
p(HEAD)
for server in ("ours", "nginx"):
    if get("3-repeat", server):
        p(row(get("3-repeat", server)))
r3 = ratio_line("3-repeat", "nginx", 0.85)
if r3:
    p(f"\nours / nginx: **{r3[0]:.2f}x**")
p("")
targets.append(("Cache hit >= 0.85x nginx static", r3))
hit = get("3-repeat", "ours")
if hit:
    p99 = hit["result"]["p99_us"] / 1000
    targets.append(("Cache hit p99 < 5 ms at c=4", (p99, 5.0, p99 < 5.0)))

p("## (4) The Picsum flow: `/{w}/{h}` -> 302 -> image\n")
p("20 common sizes, random image per request, through nginx as the front door (as an "
  "ingress would be): the API's redirect, then the image service's answer (render cache "
  "on, so most images come from it after the first seconds). Latency is per request.\n")
flow = get("4-flow", "ours")
if flow:
    res = flow["result"]
    secs = res["duration_us"] / 1e6
    p("| conns | flows/s | requests/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|")
    p(f"| {flow['conns']} | {res['flows'] / secs:,.0f} | {res['requests'] / secs:,.0f} | "
      f"{ms(res['p50_us'])} | {ms(res['p99_us'])} | {res['errors'] + res['non_2xx_3xx']} |")
p("")

p("## (5) API redirects alone, PostgreSQL catalog\n")
p("A third each of `/200/300`, `/seed/{seed}/200/300` and `/id/{n}/200/300` (302 to a signed "
  "URL), against the catalog at 1,000, 100,000 and 1,000,000 rows; nginx's static file at the "
  "same concurrency for scale.\n")
p(HEAD)
ref = get("5-redirect-ref", "nginx")
for rows in (1000, 100000, 1000000):
    r = get(f"5-redirect-{rows}", "ours")
    if r:
        p(row(r, f"ours, {rows:,} rows"))
if ref:
    p(row(ref, "nginx static"))
small = get("5-redirect-1000", "ours")
if small and ref:
    for rows in (1000, 100000, 1000000):
        r = get(f"5-redirect-{rows}", "ours")
        if r:
            x = rps(r) / rps(ref)
            targets.append((f"API redirect >= 0.85x nginx ({rows:,} rows)", (x, 0.85, x >= 0.85)))
    large = get("5-redirect-1000000", "ours")
    if large:
        flat = rps(large) / rps(small)
        p(f"\n1M / 1k rows: **{flat:.2f}**")
        targets.append(("API cost flat 1k -> 1M rows (1M/1k >= 0.95)", (flat, 0.95, flat >= 0.95)))
p("")

p("## (6) Peak memory at 16 connections\n")
p("Workload (1) at 16 connections on freshly started servers, default settings (ours with its "
  "caches on: 256 MiB source and 64 MiB render budgets). Peak resident set of the process "
  "tree, sampled every 50 ms (and VmHWM for single processes).\n")
p("| server | peak RSS MiB | req/s | p99 ms | errors |\n|---|---|---|---|---|")
for server in (*OURS, "sharp", "thumbor"):
    r = get("6-rss", server)
    if r:
        res = r["result"]
        p(f"| {LABELS.get(server, server)} | {rss.get(server, '?')} | {rps(r):,.0f} | {ms(res['p99_us'])} | "
          f"{res['errors'] + res['non_2xx_3xx']} |")
if "ours" in rss:
    limit = 200.0  # MiB (issue 13)
    for mine in OURS[1:]:
        if mine in rss:
            targets.append((f"Peak RSS <= 200 MiB at c=16, {LABELS.get(mine, mine)}",
                            (rss[mine], limit, rss[mine] <= limit)))
p("")

p("## CPU per request (for docs/capacity.md)\n")
p("Server CPU (utime + stime of the process tree over the measured part) per request; the "
  "cores one busy core serves per second is 1000 / that.\n")
p("| workload | server | ms CPU / request | requests / core-second |\n|---|---|---|---|")
for (workload, server), r in sorted(runs.items()):
    c = cpu_ms(r)
    # The flow's CPU is two processes' (API and image service); only the API's is counted.
    if c and workload != "4-flow":
        p(f"| {workload} | {LABELS.get(server, server)} | {c:.3f} | {1000 / c:,.0f} |")
p("")

p("## Targets\n")
p("| target | measured | met |\n|---|---|---|")
for name, t in targets:
    if t:
        p(f"| {name} | {t[0]:.2f} (want {t[1]:.2f}) | {'yes' if t[2] else '**no**'} |")
print("\n".join(out))
