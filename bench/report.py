#!/usr/bin/env python3
"""Turns bench/run.sh's results.jsonl and machine.json (and bench/quality.sh's quality.json,
when there) into the markdown report. Every measurement was repeated (BENCH_REPEATS): the
tables give medians over the repeats, and each ratio is taken per repeat (the servers took
turns within a repeat) then given as its median and spread (min–max).
Usage: report.py RESULTS_JSONL MACHINE_JSON [QUALITY_JSON] > report.md"""
import datetime
import json
import os
import statistics
import sys
from collections import defaultdict

results = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
machine = json.load(open(sys.argv[2]))
quality = None
if len(sys.argv) > 3 and os.path.exists(sys.argv[3]):
    quality = json.load(open(sys.argv[3]))
runs = defaultdict(dict)  # (workload, server) -> {rep: record}
rss = defaultdict(list)
floors = {r["workload"]: r["floor"] for r in results if "floor" in r}
overloads = [r for r in results if r["workload"] == "9-overload"]
for r in results:
    if "result" in r:
        runs[(r["workload"], r["server"])][r.get("rep", 1)] = r
    elif "rss_mib" in r:
        rss[r["server"]].append(float(r["rss_mib"]))

LABELS = {"ours": "ours (imported variants)",
          "ours-first": "ours, originals only, first render (ladders off)",
          "ours-orig": "ours, originals only, following renders (ladders made)",
          "compat-first": "ours, compatibility build (Debian libvips 8.14), first render",
          "compat-orig": "ours, compatibility build (Debian libvips 8.14), following renders"}
OURS = ("ours", "ours-first", "ours-orig", "compat-first", "compat-orig")
PEERS = ("sharp", "thumbor")
med = statistics.median
out = []
p = out.append
targets = []  # (row, measured, target, met)


def label(server):
    return LABELS.get(server, server)


def rps(r):
    return r["result"]["requests"] / (r["result"]["duration_us"] / 1e6)


def cpu_ms(r):
    """Server CPU milliseconds per request during the measured part."""
    if "cpu_s" not in r or not r["result"]["requests"]:
        return None
    return 1000 * float(r["cpu_s"]) / r["result"]["requests"]


def dash(x, fmt="{:.1f}"):
    return "—" if x is None else fmt.format(x)


def ms(us):
    return f"{us / 1000:.1f}" if us >= 1000 else f"{us / 1000:.2f}"


def spread(xs, fmt="{:.2f}", suffix=""):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    text = f"**{fmt.format(med(xs))}{suffix}**"
    return text + (f" ({fmt.format(min(xs))}–{fmt.format(max(xs))})" if len(xs) > 1 else "")


def ratios(workload, mine, peer, peer_workload=None):
    """Per-repeat ratios of req/s, mine over peer."""
    a, b = runs.get((workload, mine), {}), runs.get((peer_workload or workload, peer), {})
    return [rps(a[k]) / rps(b[k]) for k in sorted(a) if k in b and rps(b[k])]


def cpus(workload, server):
    return [cpu_ms(r) for r in runs.get((workload, server), {}).values()]


def target(name, xs, want, at_least=True, fmt="{:.2f}", suffix="x"):
    xs = [x for x in xs if x is not None]
    bound = f"{'≥' if at_least else '≤'} {want}{suffix}"
    if not xs:
        targets.append((name, "not measured", bound, None))
        return
    m = med(xs)
    met = m >= want if at_least else m <= want
    targets.append((name, spread(xs, fmt, suffix), bound, met))


HEAD = "| server | conns | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|"


def row(workload, server, text=None):
    reps = list(runs.get((workload, server), {}).values())
    if not reps:
        return
    res = [r["result"] for r in reps]
    bad = sum(x["errors"] + x["non_2xx_3xx"] for x in res)
    p(f"| {text or label(server)} | {reps[0]['conns']} | {spread([rps(r) for r in reps], '{:,.0f}')} | "
      f"{ms(med(x['p50_us'] for x in res))} | {ms(med(x['p99_us'] for x in res))} | {bad} |")


def ratio_lines(workload, mines):
    for mine in mines:
        parts = [f"{peer} {spread(rs, suffix='x')}" for peer in PEERS
                 if (rs := ratios(workload, mine, peer))]
        if parts:
            p(f"- {label(mine)} / " + ", / ".join(parts))
    p("")


def measured(*workloads):
    return any(w == k[0] for w in workloads for k in runs) or any(r["workload"] in workloads for r in results)


def heading(title, note, *workloads):
    """The section's title and note; False (and a line saying so) when nothing was measured."""
    p(f"## {title}\n\n{note}\n")
    if not measured(*workloads):
        p("Not measured in this run (BENCH_ONLY).\n")
        return False
    return True


def render_section(workload, title, note, servers):
    if not heading(title, note, workload):
        return
    p(HEAD)
    for server in servers:
        row(workload, server)
    p("")
    ratio_lines(workload, [s for s in servers if s in OURS])


p(f"# picsum-rs against its peers: {datetime.date.today()}\n")
p("Produced by `bench/run.sh` (see bench/README.md). One machine, every server on 127.0.0.1 "
  "beside the load generator. Each measurement was repeated with the servers taking turns; "
  "figures are medians over the repeats, ratios are per repeat, given as median (min–max).\n")
p("## Machine\n")
for key in ("cpu", "cores", "memory_gib", "os", "cpu_probe", "ours", "sharp", "thumbor",
            "nginx", "wrk", "postgres", "settings"):
    p(f"- **{key}**: {machine[key]}")
p("")

render_section("1-random", "(1) Uncached renders, random sizes",
               "2000 covers (resize + centre crop) of the five originals at random sizes, width "
               "and height each 100..2000 px. Our render cache is off; sharp and thumbor have "
               "none. \"ours\" reads the smallest pre-sized variant that covers the output (made "
               "at import). \"originals only\": a store without variants, as uploads are: the "
               "first render of an original decodes it (ladders off), the renders that follow "
               "start from its ladder. The compatibility build's rows show what the default "
               "build (libvips 8.17.3, the fast flavour) bought.", (*OURS, *PEERS))
render_section("2-crop", "(2) The same 400x300 crop, uncached",
               "One cover of the 6028x3391 original to 400x300, repeated, render cache off. Ours "
               "coalesces identical requests in flight, which sharp and thumbor do not.",
               (*OURS, *PEERS))
render_section("7-fit", "(7) imgproxy-shaped: ~2 MP photos fitted inside 512x512, JPEG q80",
               "The five photos at about 2 MP (bench/small_inputs.py), each fitted inside "
               "488..512 px (125 distinct requests), JPEG quality 80, 2 connections. Ours is "
               "picfit's `/display?op=fit`. imgproxy's published figures for this shape on "
               "2 vCPU (other machine, other photos): imgproxy 79.6 req/s, thumbor 51.6.",
               (*OURS[1:], *PEERS))
target("Random covers from originals, first render / sharp", ratios("1-random", "ours-first", "sharp"), 1.3)
target("Random covers from originals, following renders / sharp", ratios("1-random", "ours-orig", "sharp"), 2.0)
target("imgproxy-shaped fit, first render / sharp", ratios("7-fit", "ours-first", "sharp"), 1.5)
target("imgproxy-shaped fit, first render: CPU ms per fit", cpus("7-fit", "ours-first"), 10,
       at_least=False, fmt="{:.1f}", suffix=" ms")

heading("Server overhead: CPU per uncached render against the same work in-process",
        "Server CPU (utime + stime over the measured part) per request, against "
        "`crates/imaging/examples/floor.rs` doing the same renders in one process without HTTP, "
        "caches or pool (200 of the random covers where wrk's threads start; the 125 fits), "
        "once per build. Ladders off, so both decode the same originals.",
        "floor-random", "floor-fit")
p("| workload | build | server ms CPU / render | in-process ms CPU / render | ratio |\n"
  "|---|---|---|---|---|")
for server, prefix, build in (("ours-first", "floor", "default"), ("compat-first", "floor-compat", "compatibility")):
    for workload, floor in (("1-random", "random"), ("7-fit", "fit")):
        f, mine, overhead = floors.get(f"{prefix}-{floor}"), [c for c in cpus(workload, server) if c], []
        if f and f["renders"] and mine:
            base_ms = 1000 * f["cpu_s"] / f["renders"]
            overhead = [c / base_ms for c in mine]
            p(f"| {workload} | {build} | {spread(mine, '{:.1f}')} | {base_ms:.1f} | {spread(overhead)} |")
        if build == "default":
            target(f"Server CPU per render / in-process floor ({workload})", overhead, 1.10,
                   at_least=False, suffix="")
p("")
p("CPU ms per request of every server (medians):\n")
servers = (*OURS, *PEERS)
p("| workload | " + " | ".join(label(s) for s in servers) + " |")
p("|---|" + "---|" * len(servers))
for workload in ("1-random", "2-crop", "7-fit", "6-rss"):
    cells = [[c for c in cpus(workload, s) if c] for s in servers]
    p(f"| {workload} | " + " | ".join(f"{med(c):.1f}" if c else "" for c in cells) + " |")
p("")

if heading("(3) The same URL again: render cache against a static file",
           "Ours answers the 400x300 crop from its in-memory render cache; nginx serves the "
           "same bytes from a file (the ceiling for a cached answer). 4 connections.", "3-repeat"):
    p(HEAD)
row("3-repeat", "ours")
row("3-repeat", "nginx")
hit = ratios("3-repeat", "ours", "nginx")
if hit:
    p(f"\nours / nginx: {spread(hit, suffix='x')}")
p("")
target("Render-cache hit / nginx static file", hit, 1.0)

if heading("(8) One hot URL at 16 connections",
           "One Picsum URL no other workload asked for, on a fresh process with the render "
           "cache on: the first requests coalesce on one render, the rest are cache hits. "
           "Server CPU per request over the measured part (after the warm-up).", "8-hot"):
    p(HEAD)
row("8-hot", "ours")
hot = cpus("8-hot", "ours")
if hot:
    p(f"\nCPU per request: {spread(hot, '{:.3f}', ' ms')}")
p("")
target("One hot URL, c=16: CPU ms per request", hot, 0.8, at_least=False, fmt="{:.3f}", suffix=" ms")

heading("(4) The Picsum flow: `/{w}/{h}` -> 302 -> image",
        "20 common sizes, random image per request, through nginx as the front door: the API's "
        "redirect, then the image service's answer (render cache on). Latency is per request.",
        "4-flow")
flow = list(runs.get(("4-flow", "ours"), {}).values())
if flow:
    flows = [r["result"]["flows"] / (r["result"]["duration_us"] / 1e6) for r in flow]
    p("| conns | flows/s | requests/s | p99 ms | errors |\n|---|---|---|---|---|")
    p(f"| {flow[0]['conns']} | {spread(flows, '{:,.0f}')} | {spread([rps(r) for r in flow], '{:,.0f}')} | "
      f"{ms(med(r['result']['p99_us'] for r in flow))} | "
      f"{sum(r['result']['errors'] + r['result']['non_2xx_3xx'] for r in flow)} |")
p("")

if heading("(5) API redirects alone, PostgreSQL catalog",
           "A third each of `/200/300`, `/seed/{seed}/200/300` and `/id/{n}/200/300` (302 to a "
           "signed URL), catalog at 1,000, 100,000 and 1,000,000 rows; nginx's static file at "
           "the same concurrency for scale (its repeats paired with each row count's).",
           "5-redirect-1000"):
    p(HEAD)
for rows in (1000, 100000, 1000000):
    row(f"5-redirect-{rows}", "ours", f"ours, {rows:,} rows")
row("5-redirect-ref", "nginx", "nginx static")
p("")
for rows in (1000, 100000, 1000000):
    x = ratios(f"5-redirect-{rows}", "ours", "nginx", "5-redirect-ref")
    if x:
        p(f"- {rows:,} rows / nginx: {spread(x, suffix='x')}")
    target(f"API redirect / nginx ({rows:,} rows)", x, 1.0)
flat = ratios("5-redirect-1000000", "ours", "ours", "5-redirect-1000")
if flat:
    p(f"- 1M / 1k rows: {spread(flat)}")
target("API redirect, 1M rows / 1k rows", flat, 0.95, suffix="")
p("")

if heading("(6) Peak memory at 16 connections",
           "Workload (1) at 16 connections on freshly started servers, default settings (ours "
           "with its caches on). Peak resident set of the process tree, sampled every 50 ms.",
           "6-rss"):
    p("| server | peak RSS MiB | req/s | p99 ms | errors |\n|---|---|---|---|---|")
for server in servers:
    reps = list(runs.get(("6-rss", server), {}).values())
    if reps and rss.get(server):
        p(f"| {label(server)} | {spread(rss[server], '{:.0f}')} | {med(rps(r) for r in reps):,.0f} | "
          f"{ms(med(r['result']['p99_us'] for r in reps))} | "
          f"{sum(r['result']['errors'] + r['result']['non_2xx_3xx'] for r in reps)} |")
p("")
for server in ("ours-first", "ours-orig"):
    target(f"Peak RSS at c=16, {label(server)}", rss.get(server, []), 200, at_least=False,
           fmt="{:.0f}", suffix=" MiB")

heading("(9) Overload at 4x saturation",
        "Ours with its render cache off on the random covers (imported variants): the saturation "
  "rate is wrk's at 8 connections; the unloaded latency is one request at a time; then "
  "`bench/overload.py` offers four times the saturation rate, open loop (arrivals do not wait "
  "for answers; latency counted from each request's scheduled time), up to 512 connections. "
        "Admitted = 200; refusals = 429/503, which must carry Retry-After.", "9-overload")
if overloads:
    p("| saturation req/s | unloaded p99 ms | offered req/s | admitted req/s | admitted p99 ms | "
      "admitted p99 / unloaded | refused | refused p99 ms | without Retry-After | statuses |")
    p("|---|---|---|---|---|---|---|---|---|---|")
    for r in overloads:
        u, o = r["unloaded"], r["overload"]
        refused = sum(v for k, v in o["statuses"].items() if k in ("429", "503"))
        rel = (o["admitted_p99_ms"] / u["admitted_p99_ms"]) if o["admitted_p99_ms"] and u["admitted_p99_ms"] else None
        p(f"| {r['saturation_rps']:.1f} | {u['admitted_p99_ms'] or 0:.0f} | {o['offered_rps']:.1f} | "
          f"{o['admitted_rps']:.1f} | {o['admitted_p99_ms'] or 0:.0f} | {rel or 0:.2f} | {refused} | "
          f"{dash(o['refused_p99_ms'])} | "
          f"{o['refused_without_retry_after']} | {o['statuses']} |")
    p("")
rels = [r["overload"]["admitted_p99_ms"] / r["unloaded"]["admitted_p99_ms"] for r in overloads
        if r["overload"]["admitted_p99_ms"] and r["unloaded"]["admitted_p99_ms"]]
target("Overload at 4x saturation: admitted p99 / unloaded p99", rels, 2.0, at_least=False, suffix="x")
target("Overload at 4x saturation: refusals' p99", [r["overload"]["refused_p99_ms"] for r in overloads],
       5, at_least=False, fmt="{:.1f}", suffix=" ms")
target("Overload: refusals without Retry-After", [r["overload"]["refused_without_retry_after"] for r in overloads
                                                 if r["overload"]["refused_p99_ms"] is not None],
       0, at_least=False, fmt="{:.0f}", suffix="")

p("## Quality per byte (SSIMULACRA2)\n")
p("`bench/quality.sh`: the five originals at five sizes; reference = cover and centre crop "
  "downscaled in linear light (libvips thumbnail, `linear`), PNG; ours = the default build's "
  "Picsum render; sharp = `.resize(w, h, {fit: 'cover'}).jpeg()` (its defaults: q80, baseline, "
  "4:2:0), with q 50..95 sweeps, libjpeg-turbo and mozjpeg. \"Bytes at equal score\": sharp's "
  "sweep interpolated at our score; the row's value is the median over all cases.\n")
if quality:
    out.extend(quality["tables"])
    p(f"\nOver {quality['cases']} cases: median {quality['median']:.3f}, geometric mean "
      f"{quality['geomean']:.3f}, {quality['min']:.3f}–{quality['max']:.3f}, "
      f"{quality['off_sweep']} outside sharp's sweep; / sharp with mozjpeg: median "
      f"{quality['moz_median']:.3f}.")
    target("JPEG bytes at equal SSIMULACRA2 / sharp's", [quality["median"]], 0.90, at_least=False, fmt="{:.3f}", suffix="x")
else:
    target("JPEG bytes at equal SSIMULACRA2 / sharp's", [], 0.90, at_least=False)
p("")

p("## Targets (issue 23)\n")
p("Medians over the repeats, with the spread (min–max) in brackets.\n")
p("| row | measured | target | met |\n|---|---|---|---|")
for name, measured, want, met in targets:
    p(f"| {name} | {measured} | {want} | {'—' if met is None else 'met' if met else '**not met**'} |")
print("\n".join(out))
