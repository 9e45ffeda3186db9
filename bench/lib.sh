# Helpers for bench/run.sh (sourced; uses its $work, $bin, $results, $secs, $warm, $pids,
# $rep).

pg_bin=${PICSUM_PG_BIN:-/usr/lib/postgresql/15/bin}
pg_port=""

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A throwaway PostgreSQL cluster on 127.0.0.1:$1, database and user `picsum`.
pg_start() {
  pg_port=$1
  mkdir -p "$work/pg"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$work/pg"
  as_pg "$pg_bin/initdb" -D "$work/pg" -U picsum --auth=trust --no-sync -E UTF8 --locale=C >/dev/null
  as_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w \
    -o "-h 127.0.0.1 -p $pg_port -k $work/pg -c fsync=off -c synchronous_commit=off" start >/dev/null
  as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U picsum picsum
}

pg_stop() {
  [[ -n $pg_port ]] && as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true
  pg_port=""
}

# Grows the catalog to $1 rows with copies of the first photo's row (ids 5..). The
# per-row version trigger is off during the bulk insert (one version bump instead of one
# update per row, which is quadratic in one transaction).
pg_fill() {
  as_pg "$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U picsum picsum -v ON_ERROR_STOP=1 <<SQL
BEGIN;
ALTER TABLE image DISABLE TRIGGER image_changed;
INSERT INTO image (id, author, width, height, url, position)
  SELECT g::text, 'Benchmark row', width, height, url, g
  FROM image, generate_series((SELECT count(*) FROM image), $1 - 1) g
  WHERE image.id = '0';
ALTER TABLE image ENABLE TRIGGER image_changed;
UPDATE catalog_version SET version = version + 1;
COMMIT;
SQL
  # The vacuum, analyze and checkpoint PostgreSQL would otherwise run in the background
  # after a million-row insert, done now: they competed with the API for the two cores
  # while it was measured (the API answers from its in-memory snapshot either way).
  as_pg "$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U picsum picsum -c "VACUUM (ANALYZE) image" -c "CHECKPOINT"
}

# Waits until GET $1$2 answers 2xx/3xx (30 s at most).
wait_http() {
  for _ in $(seq 300); do
    curl -fs -o /dev/null "$1$2" && return 0
    sleep 0.1
  done
  echo "no answer from $1$2" >&2
  return 1
}

# Waits until the API's snapshot holds $2 rows.
wait_catalog() { wait_http "$1" "/id/$(($2 - 1))/info"; }

first_input() { tail -n +2 bench/inputs.tsv | head -1 | cut -f1; }

# Stops the last server started, with its children (thumbor forks one per core).
stop_last() {
  pkill -TERM -P "${pids[-1]}" 2>/dev/null || true
  kill "${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
  unset 'pids[-1]'
}

stop_all() { while [[ ${#pids[@]} -gt 0 ]]; do stop_last; done; }

# Decodes the first five answers of a request list and checks their sizes (Pillow, from
# the thumbor venv): a benchmark of wrong answers measures nothing.
check_sizes() {
  local server=$1 base=$2 list=$3 sizes=$4 n
  for n in 1 2 3 4 5; do
    curl -fsS -o "$work/check.jpg" "$base$(sed -n "${n}p" "$list")"
    local want got
    want=$(sed -n "${n}p" "$sizes")
    got=$(.tools/thumbor-venv/bin/python -c \
      'import sys; from PIL import Image; i = Image.open(sys.argv[1]); print(i.format, *i.size)' \
      "$work/check.jpg")
    if [[ $want == fit\ * ]]; then   # "fit N": the longer side is N
      local w h
      read -r _ w h <<< "$got"
      [[ $got == JPEG\ * && $(( w > h ? w : h )) == "${want#fit }" ]] && continue
    elif [[ $got == "JPEG $want" ]]; then
      continue
    fi
    echo "$server answered $got for $(sed -n "${n}p" "$list"), expected JPEG $want" >&2
    return 1
  done
}

# CPU seconds used so far by process $1 and its children (utime + stime, 100 Hz ticks).
cpu_of() {
  local pid total=0
  for pid in "$1" $(pgrep -P "$1"); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  awk -v t="$total" 'BEGIN { printf "%.2f", t / 100 }'
}

# measure WORKLOAD SERVER BASE CONNECTIONS PATHS [LUA]: a warm-up, then $secs of wrk;
# appends one JSON line to $results, with the repeat's number and the server's CPU seconds
# during the measured part (process ${pids[-1]} and its children).
measure() {
  local workload=$1 server=$2 base=$3 conns=$4 list=$5 lua=${6:-bench/lua/paths.lua}
  local threads=$((conns < 2 ? 1 : 2)) log="$work/logs/$workload.$server.txt"
  mkdir -p "$work/logs"
  echo "== $workload $server c=$conns" >&2
  wrk -t"$threads" -c"$conns" -d"${warm}s" --timeout 30s -s "$lua" "$base" -- "$list" >/dev/null
  local cpu0 cpu1
  cpu0=$(cpu_of "${pids[-1]}")
  wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 30s --latency -s "$lua" "$base" -- "$list" | tee "$log" |
    grep -E 'Requests/sec|Latency  ' >&2
  cpu1=$(cpu_of "${pids[-1]}")
  local json
  json=$(grep '^BENCH-JSON ' "$log" | cut -d' ' -f2-)
  printf '{"workload":"%s","server":"%s","rep":%d,"conns":%d,"cpu_s":%s,"result":%s}\n' \
    "$workload" "$server" "${rep:-1}" "$conns" "$(awk -v a="$cpu1" -v b="$cpu0" 'BEGIN { printf "%.2f", a - b }')" "$json" >> "$results"
}

record_rss() {
  printf '{"workload":"6-rss","server":"%s","rep":%d,"rss_mib":%s}\n' "$1" "${rep:-1}" "$2" >> "$results"
}

# overload SERVER BASE PATHS, workload (9): the saturation rate of uncached renders (wrk at
# 8 connections), the unloaded latency (one request at a time), then four times the
# saturation rate, open loop (bench/overload.py); appends one JSON line to $results.
overload() {
  local server=$1 base=$2 list=$3 sat unloaded loaded
  measure "9-saturation" "$server" "$base" 8 "$list"
  sat=$(tail -1 "$results" | python3 -c \
    'import json, sys; r = json.load(sys.stdin)["result"]; print(r["requests"] / (r["duration_us"] / 1e6))')
  sleep 2   # the renders wrk left in flight
  echo "== 9-overload $server: unloaded, then 4 x $sat req/s" >&2
  unloaded=$(python3 bench/overload.py "$base" "$list" 0 "$secs")
  loaded=$(python3 bench/overload.py "$base" "$list" "$(awk -v s="$sat" 'BEGIN { print 4 * s }')" "$secs")
  echo "$loaded" >&2
  printf '{"workload":"9-overload","server":"%s","rep":%d,"saturation_rps":%s,"unloaded":%s,"overload":%s}\n' \
    "$server" "${rep:-1}" "$sat" "$unloaded" "$loaded" >> "$results"
}

# nginx on $1 serving $work/nginx/static, and on $2 as the front door of the Picsum flow
# (/id/ to the image service, the rest to the API), as an ingress would be.
nginx_start() {
  cat > "$work/nginx/nginx.conf" <<EOF
worker_processes $cores;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  open_file_cache max=64 inactive=60s;
  types { image/jpeg jpg; }
  client_body_temp_path $work/nginx/tmp;
  proxy_temp_path $work/nginx/tmp;
  upstream image { server 127.0.0.1:19081; keepalive 32; }
  upstream api { server 127.0.0.1:19080; keepalive 32; }
  server {
    listen 127.0.0.1:$1;
    root $work/nginx/static;
  }
  server {
    listen 127.0.0.1:$2;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_buffering off;
    location /id/ { proxy_pass http://image; }
    location / { proxy_pass http://api; }
  }
}
EOF
  mkdir -p "$work/nginx/tmp"
  local user=()
  [[ $(id -u) -eq 0 ]] && user=(-g "user root;")
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" "${user[@]}" -g "daemon off;" & pids+=($!)
  wait_http "http://127.0.0.1:$1" "/400x300.jpg"
}

# The default build's libvips version, as sharp-libvips' versions.json names it.
libvips_default() {
  local doc
  doc=$(ls -d /usr/local/share/doc/picsum-libvips-* 2>/dev/null | head -1)
  if [[ -n $doc ]]; then
    python3 -c 'import json, sys; v = json.load(open(sys.argv[1])); print(v["vips"], "with mozjpeg", v.get("mozjpeg", "?"))' "$doc/versions.json"
  else
    echo "unknown (scripts/libvips.sh install)"
  fi
}

# Machine and versions, for the report.
describe_machine() {
  local probe
  probe=$(python3 bench/cpu_probe.py)
  cat <<EOF
{"cpu": "$(lscpu | sed -n 's/^Model name: *//p' | head -1)",
 "cores": $(nproc),
 "memory_gib": $(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo),
 "os": "$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)",
 "cpu_probe": "$probe",
 "ours": "picsum-rs $(git rev-parse --short HEAD), $(rustc --version | cut -d' ' -f1-2); default build on libvips $(libvips_default) (sharp's prebuilt object, scripts/libvips.sh install); compatibility build on libvips $(pkg-config --modversion vips) (Debian)",
 "sharp": "sharp $(node -p 'require("./bench/peers/sharp/node_modules/sharp").versions.sharp') (libvips $(node -p 'require("./bench/peers/sharp/node_modules/sharp").versions.vips')), Node.js $(node --version)",
 "thumbor": "thumbor $(.tools/thumbor-venv/bin/pip show thumbor | sed -n 's/^Version: //p') (Pillow $(.tools/thumbor-venv/bin/pip show pillow | sed -n 's/^Version: //p')), $(.tools/thumbor-venv/bin/python --version)",
 "nginx": "$(nginx -v 2>&1 | cut -d' ' -f3)",
 "wrk": "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)",
 "postgres": "$("$pg_bin/postgres" --version)",
 "settings": "every measurement: ${warm} s warm-up, then ${secs} s; wrk with 2 threads on the same machine"}
EOF
}
