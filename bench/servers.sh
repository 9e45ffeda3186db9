# The servers bench/run.sh measures and how each is started (sourced by run.sh; uses its
# $work, $bin, $bin_compat, $cores, $pids, and lib.sh's helpers).
#
# ours: the default build (libvips 8.17.3) over the store with imported variants.
# ours-first / ours-orig: the same over a store holding only the originals, as uploads and
#   `url=` sources are: ladders off (every render decodes the original: what the first
#   render of any original costs), and ladders on once each original's ladder is made (the
#   renders that follow).
# compat-first / compat-orig: the same two on the compatibility build (Debian's libvips
#   8.14, Lorem Picsum's bytes), over a store of its own so each build keeps its ladders.

declare -A base=([ours]=http://127.0.0.1:19081 [ours-first]=http://127.0.0.1:19081
  [ours-orig]=http://127.0.0.1:19081 [compat-first]=http://127.0.0.1:19081
  [compat-orig]=http://127.0.0.1:19081 [sharp]=http://127.0.0.1:19091 [thumbor]=http://127.0.0.1:19092)
servers=(ours ours-first ours-orig compat-first compat-orig sharp thumbor)
static=http://127.0.0.1:19093 front=http://127.0.0.1:19094 api=http://127.0.0.1:19080

# Two stores of originals only (symlinks), and the ~2 MP copies in every store.
make_stores() {
  local store f
  for store in store-orig store-orig-compat; do
    mkdir -p "$work/$store"
    for f in "$work"/store/[0-9].jpg; do ln -sf "$f" "$work/$store/"; done
  done
  for f in "$work"/inputs/2mp-*.jpg; do
    for store in store store-orig store-orig-compat; do ln -sf "$f" "$work/$store/"; done
  done
}

start_ours() { "${svc:-$bin}/picsum-image-service" & pids+=($!); wait_http "${base[ours]}" "$(head -1 "$work/paths/random.ours")"; }
start_ours-first() { IMAGE_LADDERS=false IMAGE_STORAGE_PATH=$work/${store:-store-orig} start_ours; }
start_ours-orig() { IMAGE_STORAGE_PATH=$work/${store:-store-orig} start_ours; ladders_made; }
start_compat-first() { svc=$bin_compat store=store-orig-compat start_ours-first; }
start_compat-orig() { svc=$bin_compat store=store-orig-compat start_ours-orig; }

# A render of an original starts its ladder (one at a time, as traffic would): render each
# original again every half second until all ten indexes are there (2 minutes at most).
ladders_made() {
  local urls=() url n dir=$work/${store:-store-orig}/derived
  for n in 0 1 2 3 4; do
    urls+=("$("$bin/picsum" sign --key bench --base "" "/id/$n/300/200.jpg")")
  done
  mapfile -t -O "${#urls[@]}" urls < "$work/paths/fit.ours"
  for _ in $(seq 240); do
    [[ $(find "$dir" -name index 2>/dev/null | wc -l) -ge 10 ]] && return 0
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

# The request list for a server: ours* and compat* request what ours does.
list() { local s=$2; [[ $s == ours* || $s == compat* ]] && s=ours; echo "$work/paths/$1.$s"; }

# Whether workload $1 is selected (BENCH_ONLY: words such as "1 3 5 8 floor"; unset: all).
want() { [[ -z ${BENCH_ONLY:-} || " ${BENCH_ONLY//,/ } " == *" $1 "* ]]; }
