#!/usr/bin/env bash
# The libvips every build links by default: 8.17.3 as sharp ships it on npm
# (`@img/sharp-libvips-linux-x64` 1.2.4, LGPL-3.0-or-later). It is one shared object with
# glib, mozjpeg, highway, libspng, libwebp, libheif/aom, librsvg, pango and the rest built in,
# and the whole libvips C API exported; its SONAME, libvips-cpp.so.8.17.3, is its own, so it
# sits beside Debian's libvips without shadowing it.
#
#   scripts/libvips.sh install        download (pinned version and sha512) and install it
#   scripts/libvips.sh compat CMD...  run CMD (a cargo command) on Debian's libvips 8.14
#                                     instead: the compatibility build, the one whose Picsum
#                                     renders equal Lorem Picsum's byte for byte
#
# install puts the object in $PREFIX/lib (default /usr/local/lib, on the loader's path; then
# ldconfig), and in $PREFIX/lib/picsum-libvips-8.17.3/ the three names rs-vips links
# (libvips.so, libglib-2.0.so, libgobject-2.0.so) pointing at it: crates/imaging/build.rs
# gives the linker that directory. package.json (the licence), README.md and versions.json
# (what is built in) go to $PREFIX/share/doc/picsum-libvips-8.17.3/. The download is kept in
# .tools/ so a re-install reads no network. The container image installs the same way.
#
# compat builds into target/compat (PICSUM_LIBVIPS=system: rs-vips' -lvips finds Debian's;
# intermediate files there too, whatever build-dir cargo is configured with), so the default
# build is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=8.17.3
PACKAGE=1.2.4
URL="https://registry.npmjs.org/@img/sharp-libvips-linux-x64/-/sharp-libvips-linux-x64-$PACKAGE.tgz"
SHA512=b49c6288bb261dcf40c756f3de868e6015114d718844338306a86f7951e89eb1c9f7ffa4f3da9b2e5d1b7099ecf9ee2de2bbda341c5a119b05b527c076ab8faf
PREFIX=${PREFIX:-/usr/local}
OBJECT=libvips-cpp.so.$VERSION
LINK=$PREFIX/lib/picsum-libvips-$VERSION
DOC=$PREFIX/share/doc/picsum-libvips-$VERSION
TARBALL=.tools/downloads/sharp-libvips-linux-x64-$PACKAGE.tgz

installed() {
  [[ -f $PREFIX/lib/$OBJECT && -L $LINK/libvips.so && -f $DOC/package.json ]] &&
    cmp -s "$PREFIX/lib/$OBJECT" <(tar -xzOf "$TARBALL" "package/lib/$OBJECT" 2>/dev/null)
}

download() {
  if [[ -f $TARBALL ]] && echo "$SHA512  $TARBALL" | sha512sum --check --status; then
    return
  fi
  mkdir -p .tools/downloads
  curl -fsSL --retry 3 -o "$TARBALL.part" "$URL"
  if ! echo "$SHA512  $TARBALL.part" | sha512sum --check --status; then
    echo "libvips.sh: $URL does not have the pinned sha512" >&2
    rm -f "$TARBALL.part"
    exit 1
  fi
  mv "$TARBALL.part" "$TARBALL"
}

install_object() {
  download
  installed && return
  local sudo="" tmp
  [[ $(id -u) -ne 0 && ! -w $PREFIX/lib ]] && sudo=sudo
  tmp=$(mktemp -d)
  tar -xzf "$TARBALL" -C "$tmp"
  echo "installing libvips $VERSION (sharp-libvips $PACKAGE) into $PREFIX/lib" >&2
  $sudo install -D -m 0644 "$tmp/package/lib/$OBJECT" "$PREFIX/lib/$OBJECT"
  $sudo install -D -m 0644 -t "$DOC" "$tmp/package/package.json" "$tmp/package/README.md" \
    "$tmp/package/versions.json"
  $sudo mkdir -p "$LINK"
  for name in libvips.so libglib-2.0.so libgobject-2.0.so; do
    $sudo ln -sfn "../$OBJECT" "$LINK/$name"
  done
  rm -rf "$tmp"
  # Another prefix than a standard one needs its own loader entry (the container's is /usr/local).
  $sudo ldconfig
}

case "${1:-}" in
  install) install_object ;;
  compat)
    shift
    export PICSUM_LIBVIPS=system CARGO_TARGET_DIR=$PWD/target/compat \
      CARGO_BUILD_BUILD_DIR=$PWD/target/compat
    exec "$@"
    ;;
  *) echo "usage: scripts/libvips.sh install | compat CMD..." >&2; exit 2 ;;
esac
