#!/usr/bin/env bash
# Quality per byte: the default build's Picsum render against sharp's, scored with
# SSIMULACRA2 (see bench/README.md, "Quality per byte"). Runs on its own (make
# bench-quality, a few minutes) and inside bench/run.sh, whose report reads its summary.
#
# For the five originals (bench/inputs.sh) x QUALITY_SIZES: crates/imaging/examples/
# quality.rs writes the linear-light reference (PNG) and our render; bench/peers/sharp/
# quality.js writes sharp's defaults and its quality sweeps; bench/quality.py scores them
# (.tools/quality-venv, bench/quality-requirements.txt) and prints the table, which also
# lands in target/bench/quality/quality.md (quality.json beside it).
#
# Environment: QUALITY_SIZES (default "200x300 400x300 800x600 1280x720 1920x1080"),
# QUALITY_JOBS (scoring processes, default the cores), QUALITY_SKIP_BUILD=1 (use the
# example already built).
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench/quality
sizes=${QUALITY_SIZES:-200x300 400x300 800x600 1280x720 1920x1080}

bench/inputs.sh
[[ -d bench/peers/sharp/node_modules/sharp ]] ||
  (cd bench/peers/sharp && npm ci --no-audit --no-fund --silent)
if ! .tools/quality-venv/bin/python -c 'import ssimulacra2' 2>/dev/null; then
  python3 -m venv .tools/quality-venv
  .tools/quality-venv/bin/pip install -q -r bench/quality-requirements.txt
fi
[[ ${QUALITY_SKIP_BUILD:-} == 1 ]] ||
  cargo build --release --locked -p picsum-imaging --example quality

rm -rf "$out"
mkdir -p "$out"
tail -n +2 bench/inputs.tsv | cut -f1 | while read -r file; do
  for size in $sizes; do echo "$file ${size%x*} ${size#*x}"; done
done > "$out/list"

echo "== quality: ours ($(wc -l < "$out/list") renders and references)" >&2
VIPS_WARNING=0 target/release/examples/quality target/bench/inputs "$out/list" "$out" > "$out/ours.jsonl"
echo "== quality: sharp (defaults and two sweeps)" >&2
node bench/peers/sharp/quality.js target/bench/inputs "$out/list" "$out" > "$out/sharp.jsonl"
echo "== quality: scoring with SSIMULACRA2" >&2
.tools/quality-venv/bin/python bench/quality.py "$out" | tee "$out/quality.md"
