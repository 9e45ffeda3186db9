#!/usr/bin/env bash
# Load test: wrk against the running services (release build, sample gallery).
#   1. the image service rendering 200 distinct signed URLs around 200x300 with the render
#      cache off (every request decodes, resizes and encodes: the render path);
#   2. one signed /200/300 URL with the render cache on (memory hits);
#   3. the API answering /200/300 with a signed 302.
# Usage: scripts/loadtest.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
conns=${2:-8}

scripts/deps.sh --bench
cargo build --release --locked -p picsum-cli
export PICSUM_HMAC_KEY=loadtest IMAGE_HMAC_KEY=loadtest VIPS_WARNING=0
export PICSUM_LISTEN=127.0.0.1:18080 IMAGE_LISTEN=127.0.0.1:18081
export PICSUM_METRICS_LISTEN=127.0.0.1:18082 IMAGE_METRICS_LISTEN=127.0.0.1:18083
export PICSUM_IMAGE_SERVICE_URL=http://127.0.0.1:18081 PICSUM_LOG_LEVEL=warn
export IMAGE_WORKERS=${IMAGE_WORKERS:-2}
pid=""
start() {
  target/release/picsum dev &
  pid=$!
  for _ in $(seq 50); do curl -fs -o /dev/null http://127.0.0.1:18082/metrics && break; sleep 0.1; done
}
stop() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
trap stop EXIT

url=$(target/release/picsum sign --base http://127.0.0.1:18081 /id/0/200/300.jpg)

lua=$(mktemp --suffix .lua)
{
  echo "local paths = {"
  for w in $(seq 200 399); do
    printf '"%s",\n' "$(target/release/picsum sign --base "" "/id/0/$w/300.jpg")"
  done
  echo "}"
  echo 'local i = 0'
  echo 'init = function(args) i = math.random(#paths) end'
  echo 'request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end'
} > "$lua"

IMAGE_RENDER_CACHE_BYTES=0 start
curl -fs -o /dev/null "$url"   # warm the source cache
echo "== image service, render path (cache off, 200 distinct URLs): workers=$IMAGE_WORKERS, ${conns} connections, ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$lua" http://127.0.0.1:18081
stop
rm -f "$lua"

start
curl -fs -o /dev/null "$url"
echo "== image service, render cache on: GET /id/0/200/300.jpg, ${conns} connections, ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency "$url"
echo "== api: GET /200/300 (302 to a signed URL), ${conns} connections, ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency http://127.0.0.1:18080/200/300
