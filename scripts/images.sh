#!/usr/bin/env bash
# `make images`: builds the two container images from docker/ with buildah and runs the
# Picsum flow against them with podman, on this machine alone:
#   * when no registry is reachable, the base images the Dockerfiles name are made here:
#     debian:bookworm-slim from debootstrap (Debian's mirror), rust:1.95-bookworm from it
#     plus this machine's Rust toolchain (the same rustc as the official image) and trust
#     store (crates.io is reached through this machine's proxy);
#   * buildah builds with chroot isolation (no container runtime needed to build);
#   * podman runs the images with runc on the host network: the image service serving the
#     gallery baked into it, the API redirecting to it; one /id/…/W/H request goes through
#     the 302 and the JPEG that comes back is checked for its size.
# LIBVIPS=debian builds the image service on Debian's libvips 8.14, the compatibility build
# (the default is 8.17.3, see scripts/libvips.sh).
# Prints the images' sizes and the build times.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh --images
work=.tools/images
mkdir -p "$work"

have() { podman image exists "$1"; }

if ! have docker.io/library/debian:bookworm-slim; then
  echo "making debian:bookworm-slim with debootstrap" >&2
  rm -rf "$work/rootfs"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log"
  tar -C "$work/rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - docker.io/library/debian:bookworm-slim
  rm -rf "$work/rootfs"
fi

if ! have docker.io/library/rust:1.95-bookworm; then
  echo "making rust:1.95-bookworm from it and this machine's toolchain" >&2
  toolchain=$(rustc --print sysroot)
  ctr=$(buildah from --pull=never docker.io/library/debian:bookworm-slim)
  buildah run --isolation chroot "$ctr" sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends gcc libc6-dev pkg-config ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/*'
  # This machine reaches crates.io through a proxy its own trust store knows: the build
  # stage (never the runtime images) trusts what the host trusts.
  buildah copy "$ctr" /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt >/dev/null
  buildah copy "$ctr" "$toolchain/bin" /usr/local/rust/bin >/dev/null
  buildah copy "$ctr" "$toolchain/lib" /usr/local/rust/lib >/dev/null
  buildah config --env CARGO_HOME=/usr/local/cargo \
    --env PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah commit --quiet "$ctr" docker.io/library/rust:1.95-bookworm >/dev/null
  buildah rm "$ctr" >/dev/null
fi

build() { # name dockerfile
  local started=$SECONDS
  buildah bud --isolation chroot --pull=never --layers --build-arg "LIBVIPS=${LIBVIPS:-8.17.3}" \
    --build-arg "PICSUM_GIT_SHA=$(git rev-parse --short=12 HEAD)" \
    -f "$2" -t "localhost/$1:dev" . >"$work/$1.build.log" 2>&1 \
    || { tail -30 "$work/$1.build.log"; exit 1; }
  echo "$1: built in $((SECONDS - started)) s, $(podman image inspect --format '{{.Size}}' "localhost/$1:dev" | awk '{printf "%.0f MB", $1/1e6}')"
}
build picsum-api docker/Dockerfile.api
build picsum-image-service docker/Dockerfile.image-service

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
img=$(free_port) img_ops=$(free_port) api=$(free_port) api_ops=$(free_port)
names=(picsum-images-check picsum-api-check)
trap 'podman --runtime runc rm -f "${names[@]}" >/dev/null 2>&1 || true' EXIT
run() { podman --runtime runc run -d --rm --network=host --name "$@" >/dev/null; }
run picsum-images-check -e IMAGE_LISTEN=127.0.0.1:$img -e IMAGE_METRICS_LISTEN=127.0.0.1:$img_ops \
  -e IMAGE_HMAC_KEY=images-check localhost/picsum-image-service:dev
run picsum-api-check -e PICSUM_LISTEN=127.0.0.1:$api -e PICSUM_METRICS_LISTEN=127.0.0.1:$api_ops \
  -e PICSUM_HMAC_KEY=images-check -e PICSUM_IMAGE_SERVICE_URL=http://127.0.0.1:$img \
  localhost/picsum-api:dev

python3 - "$api" "$img_ops" "$api_ops" <<'PY'
import sys, time, urllib.request
api, img_ops, api_ops = sys.argv[1:]
def get(url):
    return urllib.request.urlopen(url, timeout=10)
deadline = time.time() + 30
for ops in (img_ops, api_ops):
    while True:
        try:
            if get(f"http://127.0.0.1:{ops}/ready").status == 200:
                break
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit(f"the container on ops port {ops} is not ready")
        time.sleep(0.2)
res = get(f"http://127.0.0.1:{api}/id/1/300/200")  # follows the 302
body = res.read()
assert res.headers["content-type"] == "image/jpeg", res.headers["content-type"]
i = 2
while body[i] == 0xFF and body[i + 1] not in (0xC0, 0xC1, 0xC2):
    i += 2 + int.from_bytes(body[i + 2:i + 4], "big")
h, w = int.from_bytes(body[i + 5:i + 7], "big"), int.from_bytes(body[i + 7:i + 9], "big")
assert (w, h) == (300, 200), (w, h)
print(f"Picsum flow through the containers: {res.url} -> {w}x{h} JPEG, {len(body)} bytes")
PY
