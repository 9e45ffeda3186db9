#!/usr/bin/env bash
# `make fuzz`: a million generated requests (FUZZ_REQUESTS to change it) over every route
# and dialect of the release image service, mixed with valid signed ones; fails on any
# 5xx but a 503 with Retry-After, on a request without an answer, or when the service's
# resident memory passes FUZZ_MAX_RSS_MIB (1024). The e2e suite runs a short version. Every
# request comes from one client, so its fair share is lifted (the abuse drill proves shares).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
cargo build --release --locked -p picsum-image-service -p picsum-fuzz

work=$(mktemp -d)
pid=
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
store=$work/store
mkdir -p "$store"
cp fixtures/picsum/file/1.jpg fixtures/picsum/file/1_500.jpg fixtures/transform/*.{jpg,png,gif} "$store/"
head -c 200000 fixtures/picsum/file/1.jpg > "$store/2.jpg"            # truncated
printf '<svg xmlns="http://www.w3.org/2000/svg"/>' > "$store/5.jpg" # not an image

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port) ops=$(free_port)
IMAGE_LISTEN=127.0.0.1:$port IMAGE_METRICS_LISTEN=127.0.0.1:$ops IMAGE_STORAGE_PATH=$store \
IMAGE_HMAC_KEY=fuzz IMAGE_DIALECTS=picsum,picfit,pixlserv IMAGE_ALLOW_UNSIGNED=true \
IMAGE_UPLOADS=true IMAGE_ALLOW_ANONYMOUS_WRITES=true IMAGE_LOG_LEVEL=error VIPS_WARNING=0 \
IMAGE_CLIENT_CPU_SECONDS=0 IMAGE_CLIENT_WORKERS=3 IMAGE_CLIENT_QUEUE=64 \
  target/release/picsum-image-service &
pid=$!
for _ in $(seq 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$ops/metrics')" 2>/dev/null && break
  sleep 0.1
done

target/release/picsum-fuzz --base "http://127.0.0.1:$port" --pid "$pid" --key fuzz \
  --requests "${FUZZ_REQUESTS:-1000000}" --max-rss-mib "${FUZZ_MAX_RSS_MIB:-1024}"
kill -0 "$pid" # still running
