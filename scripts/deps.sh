#!/usr/bin/env bash
# Installs what building and testing picsum-rs needs and is not on the machine:
# libvips (Debian's 8.14 on bookworm) and, with --bench, wrk for the load test.
# Idempotent: does nothing when everything is present.
set -euo pipefail

want=(libvips-dev)
[[ "${1:-}" == "--bench" ]] && want+=(wrk curl)

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
