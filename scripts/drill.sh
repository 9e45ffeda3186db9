#!/usr/bin/env bash
# `make soak`, `make chaos` and `make abuse`: drills on a whole local deployment (real
# PostgreSQL, Redis, the S3 server, the release binaries, HAProxy in front of two replicas
# for chaos; abuse needs only the API and the image service), all on 127.0.0.1. The report
# is printed and kept in bench/results/ with the command that made it.
#   scripts/drill.sh soak   [seconds, default SOAK_SECONDS or 1800]
#   scripts/drill.sh chaos  [seconds each part stays down, default 5]
#   scripts/drill.sh abuse  [seconds, default ABUSE_SECONDS or 30]
set -euo pipefail
cd "$(dirname "$0")/.."
drill=${1:?soak, chaos or abuse}

scripts/deps.sh --services --chaos
cargo build --release --locked -p picsum-api -p picsum-image-service -p picsum-cli -p picsum-drill
export VIPS_WARNING=0

out=bench/results/$drill-$(date -u +%Y-%m-%d).md
case "$drill" in
  soak)  args=(soak --seconds "${2:-${SOAK_SECONDS:-1800}}") ;;
  chaos) args=(chaos --down "${2:-5}") ;;
  abuse) args=(abuse --seconds "${2:-${ABUSE_SECONDS:-30}}") ;;
  *) echo "unknown drill $drill" >&2; exit 2 ;;
esac
{
  echo "# $drill drill, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Command: \`target/release/picsum-drill ${args[*]}\` (\`make $drill\`)."
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), libvips $(pkg-config --modversion vips 2>/dev/null || echo '?')."
  echo
} > "$out.tmp"
status=0
target/release/picsum-drill "${args[@]}" | tee -a "$out.tmp" || status=$?
mv "$out.tmp" "$out"
echo "report: $out" >&2
exit $status
