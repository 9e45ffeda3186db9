#!/usr/bin/env bash
# Browser tests: starts `picsum dev` (API + image service on the sample gallery) on free
# ports and drives Debian's chromium with playwright-core through the web site.
# Screenshots and page metrics go to target/browser/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh --browser
# npm ci unless make test has just installed the locked packages.
if [[ ! web/node_modules/.package-lock.json -nt web/package-lock.json ]]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
# make test passes the binaries it built (PICSUM_BIN_DIR); alone, the release build.
bins=${PICSUM_BIN_DIR:-}
if [[ -z $bins ]]; then
  cargo build --release --locked -p picsum-api -p picsum-image-service -p picsum-cli
  bins=target/release
fi

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api=$(port); img=$(port)
export PICSUM_METRICS_LISTEN=127.0.0.1:$(port) IMAGE_METRICS_LISTEN=127.0.0.1:$(port)
export PICSUM_LOG_LEVEL=warn VIPS_WARNING=0
"$bins/picsum" dev --listen "127.0.0.1:$api" --image-listen "127.0.0.1:$img" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$api/robots.txt')" 2>/dev/null && break
  sleep 0.1
done

mkdir -p target/browser
(cd web && BASE_URL="http://127.0.0.1:$api" ARTIFACTS="$PWD/../target/browser" node --test tests/)
