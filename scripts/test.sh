#!/usr/bin/env bash
# Runs every test and check of the workspace (`make test`, what CI runs):
# - installs what the tests need (libvips 8.17.3 and Debian's 8.14 for the compatibility
#   build, PostgreSQL, Redis, s3s-fs, fake-gcs-server, Prometheus, chromium, cargo-deny; the
#   tests start and stop their own throwaway instances on free ports);
# - formatting and cargo-deny (licences, bans, sources);
# - ONE build of the whole workspace in the `ci` profile (Cargo.toml), linted by clippy as it
#   compiles (clippy-driver as the workspace's compiler, warnings denied: the same lints as
#   `make lint`, without a second, check-only build of the graph). The unit, service and
#   e2e tests, the e2e suite's binaries, the short drills and the browser tests all use it;
# - the suite (nextest), the doc tests, a short soak and the noisy-neighbour drill, the
#   deployment files, the OpenAPI lint (@redocly/cli), the web site in chromium, and last the imaging suite on Debian's
#   libvips (the compatibility build; only the imaging crate is built again for it).
# What waits on the network or the disk (the validators' virtualenv, the web site's npm
# packages) installs beside the compiler.
set -euo pipefail
cd "$(dirname "$0")/.."

DEPS_CARGO_TOOLS=later scripts/deps.sh --services --browser
export VIPS_WARNING=0 CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
cargo fmt --all -- --check

setup=$(mktemp -d)
trap 'rm -rf "$setup"' EXIT
# Beside the build: s3s-fs and cargo-deny (their own cargo builds), the validators'
# virtualenv and the web site's npm packages.
background() { # name command...
  local name=$1
  shift
  "$@" > "$setup/$name.log" 2>&1 &
  echo $! > "$setup/$name.pid"
}
ready() { # name: waits for it; its log when it failed
  wait "$(cat "$setup/$1.pid")" || { cat "$setup/$1.log" >&2; echo "$1 failed" >&2; exit 1; }
}
background tools scripts/deps.sh --services --lint
background validators scripts/validate-deploy.sh --install-only
background npm bash -c 'cd web && npm ci --no-audit --no-fund --loglevel=error'

profile=ci
bins=target/$profile
# clippy-driver compiles the workspace's own crates (dependencies are compiled as ever), so
# every lint `make lint` runs is checked on this build, warnings denied.
linted=(env "RUSTC_WORKSPACE_WRAPPER=$(rustc --print sysroot)/bin/clippy-driver"
  CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__)
"${linted[@]}" cargo build --profile "$profile" --locked --workspace --all-targets
ready tools
.tools/bin/cargo-deny --locked check licenses bans sources
if cargo nextest --version >/dev/null 2>&1; then
  PICSUM_E2E_BIN_DIR=$PWD/$bins "${linted[@]}" \
    cargo nextest run --cargo-profile "$profile" --workspace --locked --no-fail-fast
else
  PICSUM_E2E_BIN_DIR=$PWD/$bins "${linted[@]}" \
    cargo test --profile "$profile" --workspace --locked --no-fail-fast
fi
"${linted[@]}" cargo test --profile "$profile" --workspace --doc --locked

# Beside the soak, which only counts failures and memory: the compatibility build's imaging
# crate (Debian's libvips 8.14, where Lorem Picsum's flavour equals its fixtures byte for
# byte; make test-compat adds the image service's suite; without the clippy wrapper it is a
# separate artifact, so only that crate is built again and the binaries above keep theirs),
# and the deployment files (kustomize overlays and Terraform, validated and scanned).
compat=(env PICSUM_LIBVIPS=system cargo test --profile "$profile" --locked -p picsum-imaging)
background compat "${compat[@]}" --no-run
ready validators
background deploy scripts/validate-deploy.sh

# A short soak (make soak runs 30 minutes on the release build): mixed load over real
# PostgreSQL, Redis and the S3 server; fails on any failed request or memory that keeps
# growing.
"$bins/picsum-drill" --bin-dir "$bins" soak --seconds "${SOAK_SECONDS:-40}"
ready compat
ready deploy
cat "$setup/deploy.log"

# The noisy-neighbour drill (make abuse on the release build), alone on the machine: a
# hostile client next to an ordinary one with default settings; fails when the ordinary one
# slows past twice its unloaded p99 or sees an error, or the service refuses nothing, grows
# past 1 GiB or lets the store grow past the write quota.
"$bins/picsum-drill" --bin-dir "$bins" abuse --seconds "${ABUSE_SECONDS:-30}"

# The OpenAPI documents under @redocly/cli's recommended rules: no error (warnings print).
ready npm
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true web/node_modules/.bin/redocly lint \
  --format=summary web/openapi.json crates/image-service/openapi.json

# The web site in a real browser (Debian chromium + playwright-core), on the same binaries.
PICSUM_BIN_DIR=$bins scripts/browser-test.sh

# The imaging suite on the compatibility build.
"${compat[@]}"
