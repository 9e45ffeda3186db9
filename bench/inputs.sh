#!/usr/bin/env bash
# Puts the benchmark's originals (bench/inputs.tsv: five real photos, 4224x3168 to
# 6028x3391) into target/bench/inputs/. They come from ../shared/photos when it exists,
# else from the Debian packages they ship in (apt-get download; no root needed), and are
# checked against the byte sizes in inputs.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench/inputs
mkdir -p "$out"

have_all() {
  tail -n +2 bench/inputs.tsv | while IFS=$'\t' read -r file _ _ bytes _; do
    [[ -f "$out/$file" && $(stat -c %s "$out/$file") == "$bytes" ]] || exit 1
  done
}
have_all && exit 0

if [[ -d ../shared/photos ]]; then
  tail -n +2 bench/inputs.tsv | while IFS=$'\t' read -r file _; do
    install -m 0644 "../shared/photos/$file" "$out/"
  done
else
  tmp=$(mktemp -d)
  chmod 0777 "$tmp"   # apt-get download writes as the _apt user when it can
  trap 'rm -rf "$tmp"' EXIT
  for pkg in $(tail -n +2 bench/inputs.tsv | cut -f7 | sort -u); do
    (cd "$tmp" && apt-get download "$pkg" >/dev/null)
    dpkg-deb -x "$tmp/$pkg"_*.deb "$tmp/root"
  done
  tail -n +2 bench/inputs.tsv | while IFS=$'\t' read -r file _; do
    install -m 0644 "$tmp/root/usr/share/backgrounds/$file" "$out/"
  done
fi
have_all || { echo "inputs do not match bench/inputs.tsv" >&2; exit 1; }
