#!/usr/bin/env bash
# Installs what building and testing picsum-rs needs and is not on the machine:
# libvips (Debian's 8.14 on bookworm); with --services the servers the tests start
# (PostgreSQL, PgBouncer, Redis, openssl for their throwaway certificates, and s3s-fs, an S3-protocol
# server, built into .tools/);
# with --browser, Debian chromium for the browser tests (Node.js and npm are the machine's);
# with --bench, wrk, curl and nginx for the load test and the peer benchmark.
# Idempotent: does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

want=(libvips-dev)
services=false
for arg in "$@"; do
  case "$arg" in
    --bench) want+=(wrk curl nginx-light python3-venv) ;;
    --services) want+=(postgresql redis-server openssl pgbouncer); services=true ;;
    --browser) want+=(chromium) ;;   # Node.js and npm come with the machine
  esac
done

# s3s-fs 0.14.1 is the last release that builds on rustc 1.95; debug builds in ~1 min.
if $services && [[ ! -x .tools/bin/s3s-fs ]]; then
  echo "building s3s-fs into .tools/" >&2
  cargo install --locked --debug --quiet s3s-fs --version 0.14.1 --features binary --root .tools
fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Package lists go stale; refresh only when the install fails.
$sudo apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  $sudo apt-get update -qq
  $sudo apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
}
