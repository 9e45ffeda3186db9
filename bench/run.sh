#!/usr/bin/env bash
# picsum-rs against its peers, in one run on one machine (see bench/README.md).
#
# Installs what it needs (wrk, nginx, PostgreSQL via scripts/deps.sh; sharp from npm into
# bench/peers/sharp; thumbor from PyPI into .tools/thumbor-venv), fetches the originals,
# builds the release binaries (the default build, libvips 8.17.3, and the compatibility
# build, Debian's libvips 8.14, via scripts/libvips.sh compat), imports the originals (with
# pre-sized variants) into a throwaway PostgreSQL catalog and folder store, then runs every
# workload against each server on 127.0.0.1 and writes bench/results/<date>-<host>.md.
# Each measurement is repeated BENCH_REPEATS times, the servers taking turns within each
# repeat, and the report gives medians and the spread.
#
# Environment: BENCH_SECONDS (per measurement, default 15), BENCH_WARMUP (default 3),
# BENCH_REPEATS (default 3), BENCH_ONLY (the workloads to run, e.g. "3 5 8 floor quality";
# numbers as in bench/README.md; default all), BENCH_OUT (report path).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${BENCH_SECONDS:-15}
warm=${BENCH_WARMUP:-3}
reps=${BENCH_REPEATS:-3}
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
cargo build --release --locked -p picsum-imaging --example floor --example quality
bin=$root/target/release
bin_compat=$root/target/compat/release
source bench/servers.sh
# The compatibility build: the same service and floor on Debian's libvips 8.14 (only the
# render workloads and the floor use it).
if want 1 || want 2 || want 6 || want 7 || want floor; then
  scripts/libvips.sh compat cargo build --release --locked -p picsum-image-service
  scripts/libvips.sh compat cargo build --release --locked -p picsum-imaging --example floor
fi

rm -rf "$work"/store* "$work/import" "$work/nginx" "$work/pg" "$results"
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
for f in random crop hot; do
  "$bin/picsum" sign --key bench --base "" - < "$work/paths/$f.ours.unsigned" > "$work/paths/$f.ours"
done

export IMAGE_HMAC_KEY=bench PICSUM_HMAC_KEY=bench VIPS_WARNING=0
# picfit's dialect for the imgproxy-shaped workload, unsigned (an explicit opt-in).
export IMAGE_DIALECTS=picsum,picfit IMAGE_ALLOW_UNSIGNED=true
export IMAGE_STORAGE_PATH=$work/store IMAGE_WORKERS=$cores IMAGE_LOG_LEVEL=warn
export IMAGE_LISTEN=127.0.0.1:19081 IMAGE_METRICS_LISTEN=127.0.0.1:19083
# wrk is one client on 127.0.0.1: the per-client shares (a CPU budget per window, half the
# workers, a quarter of the queue) would measure the fairness policy, not the service.
export IMAGE_CLIENT_CPU_SECONDS=0 IMAGE_CLIENT_WORKERS=$cores IMAGE_CLIENT_QUEUE=64
make_stores

for rep in $(seq "$reps"); do
  # --- (1) uncached random sizes, (2) fixed 400x300 crop, (7) imgproxy-shaped fits ------
  for server in "${servers[@]}"; do
    want 1 || want 2 || want 7 || break
    [[ $server == ours ]] && ! want 1 && ! want 2 && continue   # ours has no (7) row
    export IMAGE_RENDER_CACHE_BYTES=0
    "start_$server"
    if [[ $rep == 1 ]]; then
      check_sizes "$server" "${base[$server]}" "$(list random "$server")" "$work/paths/random.sizes"
      [[ $server == ours ]] || check_sizes "$server" "${base[$server]}" "$(list fit "$server")" "$work/paths/fit.sizes"
    fi
    want 1 && measure "1-random" "$server" "${base[$server]}" 8 "$(list random "$server")"
    want 2 && measure "2-crop" "$server" "${base[$server]}" 8 "$(list crop "$server")"
    [[ $server != ours ]] && want 7 && measure "7-fit" "$server" "${base[$server]}" 2 "$(list fit "$server")"
    stop_last
    unset IMAGE_RENDER_CACHE_BYTES
  done
  # --- (6) peak RSS at 16 connections on the random-size workload, fresh processes ------
  for server in "${servers[@]}"; do
    want 6 || break
    "start_$server"
    python3 bench/peak_rss.py "${pids[-1]}" > "$work/rss.$server" & sampler=$!
    measure "6-rss" "$server" "${base[$server]}" 16 "$(list random "$server")"
    kill -TERM "$sampler"; wait "$sampler" || true
    record_rss "$server" "$(cat "$work/rss.$server")"
    stop_last
  done
done

# --- (3) our render cache against nginx's static file, (8) one hot URL at c=16 ----------
if want 3 || want 5 || want 8; then
  start_ours
  curl -fsS -o "$work/nginx/static/400x300.jpg" "${base[ours]}$(cat "$work/paths/crop.ours")"
  stop_last
  nginx_start 19093 19094
  echo "/400x300.jpg" > "$work/paths/static"
  for rep in $(seq "$reps"); do
    want 3 && measure "3-repeat" nginx "$static" 4 "$work/paths/static"
    want 5 && measure "5-redirect-ref" nginx "$static" 8 "$work/paths/static"
    start_ours   # a fresh process: the hot URL was never rendered
    want 8 && measure "8-hot" ours "${base[ours]}" 16 "$work/paths/hot.ours"
    want 3 && measure "3-repeat" ours "${base[ours]}" 4 "$work/paths/crop.ours"
    stop_last
  done
fi

# --- (4) the Picsum flow through a front proxy, (5) API redirects, PostgreSQL catalog --
if want 4 || want 5; then
  start_ours
  PICSUM_LISTEN=127.0.0.1:19080 PICSUM_METRICS_LISTEN=127.0.0.1:19082 PICSUM_LOG_LEVEL=warn \
    PICSUM_IMAGE_SERVICE_URL=$front PICSUM_DATABASE_REFRESH_MS=500 "$bin/picsum-api" & pids+=($!)
  wait_http "$api" "/id/0/info"
  for rep in $(seq "$reps"); do
    want 4 && measure "4-flow" ours "$front" 8 "$work/paths/flow" bench/lua/flow.lua
  done
  for rows in 1000 100000 1000000; do
    want 5 || break
    pg_fill "$rows"
    python3 bench/paths.py --redirects "$rows" "$work/paths/redirects"
    wait_catalog "$api" "$rows"
    for rep in $(seq "$reps"); do
      measure "5-redirect-$rows" ours "$api" 8 "$work/paths/redirects"
    done
  done
fi
stop_all

# --- (9) overload: 4x the saturation rate of uncached renders, open loop ----------------
for rep in $(seq "$reps"); do
  want 9 || break
  IMAGE_RENDER_CACHE_BYTES=0 start_ours
  overload ours "${base[ours]}" "$work/paths/random.ours"
  stop_last
done

# --- the floor: the same libvips work in-process, for the server-overhead comparison --
for list in random fit; do
  want floor || break
  echo "== floor $list" >&2
  printf '{"workload":"floor-%s","floor":%s}\n' "$list" \
    "$(VIPS_WARNING=0 "$bin/examples/floor" "$work/inputs" "$work/paths/$list.floor")" >> "$results"
  printf '{"workload":"floor-compat-%s","floor":%s}\n' "$list" \
    "$(VIPS_WARNING=0 "$bin_compat/examples/floor" "$work/inputs" "$work/paths/$list.floor")" >> "$results"
done

# --- quality per byte (bench/quality.sh, also runnable alone) -------------------------
want quality && QUALITY_SKIP_BUILD=1 bench/quality.sh > /dev/null

out=${BENCH_OUT:-bench/results/$(date +%F)-$(hostname -s).md}
quality=()
want quality && quality=("$work/quality/quality.json")
python3 bench/report.py "$results" "$work/machine.json" "${quality[@]}" > "$out"
echo "report: $out" >&2
