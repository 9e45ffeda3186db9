#!/usr/bin/env bash
# picsum-rs against its peers, in one run on one machine (see bench/README.md).
#
# Installs what it needs (wrk, nginx, PostgreSQL via scripts/deps.sh; sharp from npm into
# bench/peers/sharp; thumbor from PyPI into .tools/thumbor-venv), fetches the originals,
# builds the release binaries, imports the originals (with pre-sized variants) into a
# throwaway PostgreSQL catalog and folder store, then runs every workload with wrk against
# each server on 127.0.0.1 and writes bench/results/<date>-<host>.md.
#
# Environment: BENCH_SECONDS (per measurement, default 15), BENCH_WARMUP (default 3),
# BENCH_OUT (report path).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${BENCH_SECONDS:-15}
warm=${BENCH_WARMUP:-3}
work=$root/target/bench
results=$work/results.jsonl
cores=$(nproc)

scripts/deps.sh --bench --services
bench/inputs.sh
echo "== installing peers" >&2
(cd bench/peers/sharp && npm ci --no-audit --no-fund --silent)
if [[ ! -x .tools/thumbor-venv/bin/thumbor ]]; then
  python3 -m venv .tools/thumbor-venv
  .tools/thumbor-venv/bin/pip install -q -r bench/peers/thumbor/requirements.txt
fi
.tools/thumbor-venv/bin/python bench/small_inputs.py bench/inputs.tsv target/bench/inputs
echo "== building release binaries" >&2
cargo build --release --locked -p picsum-cli -p picsum-api -p picsum-image-service
cargo build --release --locked -p picsum-imaging --example floor
bin=$root/target/release
# The same service and floor on libvips 8.17.3 (scripts/libvips.sh: the build-time option).
scripts/libvips.sh run cargo build --release --locked -p picsum-image-service
scripts/libvips.sh run cargo build --release --locked -p picsum-imaging --example floor
bin17=$root/target/libvips-8.17.3/release

rm -rf "$work/store" "$work/store-orig" "$work/import" "$work/nginx" "$work/pg" "$results"
mkdir -p "$work/store" "$work/import" "$work/nginx/static" "$work/paths"
pids=()
source bench/lib.sh
cleanup() {
  stop_all
  pg_stop
}
trap cleanup EXIT
describe_machine > "$work/machine.json"

# --- catalog and store: the originals as ids 0..4, with their variants -------------------
pg_start 19095
export PICSUM_DATABASE_URL=postgres://picsum@127.0.0.1:19095/picsum
"$bin/picsum" migrate
python3 bench/manifest.py bench/inputs.tsv "$work/inputs" "$work/import"
"$bin/picsum" import "$work/import/manifest.json" --storage-path "$work/store"

# --- request lists: the same random sizes for every server ------------------------------
python3 bench/paths.py bench/inputs.tsv "$work/paths"
for f in random crop; do
  "$bin/picsum" sign --key bench --base "" - < "$work/paths/$f.ours.unsigned" > "$work/paths/$f.ours"
done

export IMAGE_HMAC_KEY=bench PICSUM_HMAC_KEY=bench VIPS_WARNING=0
# picfit's dialect for the imgproxy-shaped workload, unsigned (an explicit opt-in).
export IMAGE_DIALECTS=picsum,picfit IMAGE_ALLOW_UNSIGNED=true
export IMAGE_STORAGE_PATH=$work/store IMAGE_WORKERS=$cores IMAGE_LOG_LEVEL=warn
export IMAGE_LISTEN=127.0.0.1:19081 IMAGE_METRICS_LISTEN=127.0.0.1:19083
declare -A base=([ours]=http://127.0.0.1:19081 [ours-first]=http://127.0.0.1:19081
  [ours-orig]=http://127.0.0.1:19081 [ours17-first]=http://127.0.0.1:19081
  [ours17-orig]=http://127.0.0.1:19081 [sharp]=http://127.0.0.1:19091 [thumbor]=http://127.0.0.1:19092)
servers=(ours ours-first ours-orig ours17-first ours17-orig sharp thumbor)
static=http://127.0.0.1:19093 front=http://127.0.0.1:19094 api=http://127.0.0.1:19080

# ours-first / ours-orig: the same service over a store holding only the originals (no
# pre-sized variants), as uploads and `url=` sources are. ours-first has ladders off: every
# render decodes the original (what the first render of any original costs). ours-orig has
# them on (the default) and is measured once each original's ladder is made: the renders
# that follow the first. ours17-*: the same two on the libvips 8.17.3 build (its own ladders).
mkdir -p "$work/store-orig"
for f in "$work"/store/[0-9].jpg; do ln -sf "$f" "$work/store-orig/"; done
for f in "$work"/inputs/2mp-*.jpg; do ln -sf "$f" "$work/store/"; ln -sf "$f" "$work/store-orig/"; done

start_ours() { "${svc:-$bin}/picsum-image-service" & pids+=($!); wait_http "${base[ours]}" "$(head -1 "$work/paths/random.ours")"; }
start_ours-first() { IMAGE_LADDERS=false IMAGE_STORAGE_PATH=$work/store-orig start_ours; }
start_ours-orig() { IMAGE_STORAGE_PATH=$work/store-orig start_ours; ladders_made; }
start_ours17-first() { svc=$bin17 start_ours-first; }
# The 8.17 build makes its own ladders the first time (with its render cache off: a cached
# answer starts no ladder); later starts find them.
start_ours17-orig() {
  [[ -z ${made17:-} ]] && rm -rf "$work/store-orig/derived" && made17=1
  svc=$bin17 start_ours-orig
}
# A render of an original starts its ladder (one at a time, as traffic would): render each
# original again every half second until all ten indexes are there (2 minutes at most).
ladders_made() {
  local urls=() url n
  for n in 0 1 2 3 4; do
    urls+=("$("$bin/picsum" sign --key bench --base "" "/id/$n/300/200.jpg")")
  done
  mapfile -t -O "${#urls[@]}" urls < "$work/paths/fit.ours"
  for _ in $(seq 240); do
    [[ $(find "$work/store-orig/derived" -name index 2>/dev/null | wc -l) -ge 10 ]] && return 0
    for url in "${urls[@]}"; do curl -fsS -o /dev/null "${base[ours]}$url"; done
    sleep 0.5
  done
  echo "ladders were not made" >&2
  return 1
}
start_sharp() { node bench/peers/sharp/server.js 19091 "$work/inputs" & pids+=($!); wait_http "${base[sharp]}" "/100x100/$(first_input)"; }
start_thumbor() {
  BENCH_INPUTS=$work/inputs .tools/thumbor-venv/bin/thumbor --port 19092 -l warning \
    -c bench/peers/thumbor/thumbor.conf --processes "$cores" & pids+=($!)
  wait_http "${base[thumbor]}" "/unsafe/100x100/$(first_input)"
}
list() { local s=$2; [[ $s == ours* ]] && s=ours; echo "$work/paths/$1.$s"; }   # ours* request what ours does

# --- (1) uncached random sizes, (2) fixed 400x300 crop: every server renders ------------
# (7) the imgproxy-shaped workload: ~2 MP photos fitted inside 512x512, JPEG q80, c=2.
for server in "${servers[@]}"; do
  export IMAGE_RENDER_CACHE_BYTES=0
  "start_$server"
  check_sizes "$server" "${base[$server]}" "$(list random "$server")" "$work/paths/random.sizes"
  measure "1-random" "$server" "${base[$server]}" 8 "$(list random "$server")"
  measure "2-crop" "$server" "${base[$server]}" 8 "$(list crop "$server")"
  if [[ $server != ours ]]; then
    check_sizes "$server" "${base[$server]}" "$(list fit "$server")" "$work/paths/fit.sizes"
    measure "7-fit" "$server" "${base[$server]}" 2 "$(list fit "$server")"
  fi
  [[ $server == ours ]] && curl -fsS -o "$work/nginx/static/400x300.jpg" "${base[ours]}$(cat "$work/paths/crop.ours")"
  stop_last
  unset IMAGE_RENDER_CACHE_BYTES
done

# --- (3) the same URL again: our render cache against nginx's static file ---------------
nginx_start 19093 19094
echo "/400x300.jpg" > "$work/paths/static"
measure "3-repeat" nginx "$static" 4 "$work/paths/static"
measure "5-redirect-ref" nginx "$static" 8 "$work/paths/static"
start_ours
measure "3-repeat" ours "${base[ours]}" 4 "$work/paths/crop.ours"

# --- (4) the Picsum flow through a front proxy, (5) API redirects, PostgreSQL catalog --
PICSUM_LISTEN=127.0.0.1:19080 PICSUM_METRICS_LISTEN=127.0.0.1:19082 PICSUM_LOG_LEVEL=warn \
  PICSUM_IMAGE_SERVICE_URL=$front PICSUM_DATABASE_REFRESH_MS=500 "$bin/picsum-api" & pids+=($!)
wait_http "$api" "/id/0/info"
measure "4-flow" ours "$front" 8 "$work/paths/flow" bench/lua/flow.lua
for rows in 1000 100000 1000000; do
  pg_fill "$rows"
  python3 bench/paths.py --redirects "$rows" "$work/paths/redirects"
  wait_catalog "$api" "$rows"
  measure "5-redirect-$rows" ours "$api" 8 "$work/paths/redirects"
done
stop_all

# --- (6) peak RSS at 16 connections on the random-size workload, fresh processes --------
for server in "${servers[@]}"; do
  "start_$server"
  python3 bench/peak_rss.py "${pids[-1]}" > "$work/rss.$server" & sampler=$!
  measure "6-rss" "$server" "${base[$server]}" 16 "$(list random "$server")"
  kill -TERM "$sampler"; wait "$sampler" || true
  record_rss "$server" "$(cat "$work/rss.$server")"
  stop_last
done
stop_all

# --- the floor: the same libvips work in-process, for the server-overhead comparison --
for list in random fit; do
  echo "== floor $list" >&2
  printf '{"workload":"floor-%s","floor":%s}\n' "$list" \
    "$(VIPS_WARNING=0 "$bin/examples/floor" "$work/inputs" "$work/paths/$list.floor")" >> "$results"
  printf '{"workload":"floor17-%s","floor":%s}\n' "$list" \
    "$(VIPS_WARNING=0 "$bin17/examples/floor" "$work/inputs" "$work/paths/$list.floor")" >> "$results"
done

out=${BENCH_OUT:-bench/results/$(date +%F)-$(hostname -s).md}
python3 bench/report.py "$results" "$work/machine.json" > "$out"
echo "report: $out" >&2
