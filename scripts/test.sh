#!/usr/bin/env bash
# Runs every test of the workspace: installs what the tests need (libvips 8.17.3 and Debian's
# 8.14 for the compatibility build, PostgreSQL, Redis,
# s3s-fs, fake-gcs-server; the tests start and stop their own throwaway instances on free ports), builds the
# release service binaries the end-to-end tests start (the abuse suite and the short fuzz
# run measure the binaries production runs), runs the suite (nextest when available),
# validates the Kubernetes and Terraform files, then drives the web site in chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh --services
export VIPS_WARNING=0 CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

cargo build --release --locked -p picsum-api -p picsum-image-service -p picsum-cli -p picsum-drill
export PICSUM_E2E_BIN_DIR=$PWD/target/release
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
  cargo test --workspace --doc --locked
else
  cargo test --workspace --locked --no-fail-fast
fi

# The compatibility build (scripts/libvips.sh compat): the imaging suite again on Debian's
# libvips 8.14, where Lorem Picsum's flavour equals its fixtures byte for byte (make
# test-compat adds the image service's suite).
scripts/libvips.sh compat cargo test --locked -p picsum-imaging

# A short soak (make soak runs 30 minutes): mixed load on the release binaries over real
# PostgreSQL, Redis and the S3 server; fails on any failed request or memory that keeps growing.
target/release/picsum-drill soak --seconds "${SOAK_SECONDS:-40}"

# The noisy-neighbour drill (make abuse): a hostile client next to an ordinary one on the
# release binaries with default settings; fails when the ordinary one slows past twice its
# unloaded p99 or sees an error, or the service refuses nothing, grows past 1 GiB or lets
# the store grow past the write quota.
target/release/picsum-drill abuse --seconds "${ABUSE_SECONDS:-30}"

# Deployment files: kustomize overlays and Terraform, validated and scanned.
scripts/validate-deploy.sh

# The web site in a real browser (Debian chromium + playwright-core).
scripts/browser-test.sh
