#!/usr/bin/env bash
# Runs the whole service on embedded defaults: the API on :8080 and the image service on
# :8081 (health and metrics on 127.0.0.1:8082 and :8083), the sample gallery in gallery/,
# an in-memory cache and a fresh signing key. Any PICSUM_* / IMAGE_* variable overrides.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
cargo build --release --locked -p picsum-cli
echo "open http://127.0.0.1:8080/200/300 (Ctrl-C stops)" >&2
exec target/release/picsum dev "$@"
