#!/usr/bin/env bash
# Builds and runs against a newer libvips than Debian's 8.14.1: the libvips 8.17.3 that sharp
# ships on npm (`@img/sharp-libvips-linux-x64`, LGPL-3.0-or-later: one shared object with glib,
# libjpeg (mozjpeg), libpng, libwebp, libheif/aom, librsvg, pango and the rest built in, and the
# whole libvips C API exported). Debian's libvips stays the default; this is chosen at build time.
#
#   scripts/libvips.sh fetch        download (pinned version and sha512), unpack under .tools/
#   scripts/libvips.sh env          print the environment that selects it (for `eval`)
#   scripts/libvips.sh run CMD...   run CMD (a cargo command) with that environment
#
# The environment: RUSTFLAGS adds a link directory whose libvips.so, libglib-2.0.so and
# libgobject-2.0.so (the three rs-vips links) all point at that object, and an rpath to it
# (LIBVIPS_RPATH, default .tools/libvips-8.17.3/lib), so the binaries load it without
# LD_LIBRARY_PATH; CARGO_TARGET_DIR is target/libvips-8.17.3, so
# the Debian build in target/ is left as it is. The container image does the same with
# `--build-arg LIBVIPS=8.17.3` (docker/Dockerfile.image-service).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=8.17.3
PACKAGE=1.2.4
URL="https://registry.npmjs.org/@img/sharp-libvips-linux-x64/-/sharp-libvips-linux-x64-$PACKAGE.tgz"
SHA512=b49c6288bb261dcf40c756f3de868e6015114d718844338306a86f7951e89eb1c9f7ffa4f3da9b2e5d1b7099ecf9ee2de2bbda341c5a119b05b527c076ab8faf
ROOT=$PWD/.tools/libvips-$VERSION
# Where the binaries look for it at run time (the container image installs it elsewhere).
RPATH=${LIBVIPS_RPATH:-$ROOT/lib}
OBJECT=libvips-cpp.so.$VERSION

fetch() {
  [[ -f $ROOT/lib/$OBJECT && -L $ROOT/link/libvips.so ]] && return
  local tmp
  tmp=$(mktemp -d)
  curl -fsSL --retry 3 -o "$tmp/pkg.tgz" "$URL"
  if ! echo "$SHA512  $tmp/pkg.tgz" | sha512sum --check --status; then
    echo "libvips.sh: $URL does not have the pinned sha512" >&2
    exit 1
  fi
  tar -xzf "$tmp/pkg.tgz" -C "$tmp"
  rm -rf "$ROOT"
  mkdir -p "$ROOT/lib" "$ROOT/link"
  cp "$tmp/package/lib/$OBJECT" "$tmp/package/versions.json" "$tmp/package/README.md" "$ROOT/lib/"
  for name in libvips.so libglib-2.0.so libgobject-2.0.so; do
    ln -sf "../lib/$OBJECT" "$ROOT/link/$name"
  done
  rm -rf "$tmp"
}

environment() {
  echo "export RUSTFLAGS='-L native=$ROOT/link -C link-arg=-Wl,-rpath,$RPATH'"
  echo "export CARGO_TARGET_DIR='$PWD/target/libvips-$VERSION'"
}

case "${1:-}" in
  fetch) fetch; echo "$ROOT/lib/$OBJECT" ;;
  env) fetch; environment ;;
  run) shift; fetch; eval "$(environment)"; exec "$@" ;;
  *) echo "usage: scripts/libvips.sh fetch|env|run CMD..." >&2; exit 2 ;;
esac
