#!/usr/bin/env bash
# `make image`: builds the InfraSight image from the root Dockerfile with podman (docker where podman is
# absent) and tags it $IMAGE (default localhost/infrasight:dev). Idempotent; a rebuild reuses the layers and
# the Swift build cache.
#
# Two ways to provide the base images:
#   * a registry:  BUILDER_IMAGE=swift:6.3-bookworm RUNTIME_IMAGE=debian:bookworm-slim make image
#     (the images are pulled; SwiftPM resolves the packages from the internet as usual);
#   * none (the default, and what works on a machine that reaches only Debian's mirror): the base of both
#     stages is a Debian bookworm rootfs made here with debootstrap and `podman import`
#     ($BASE_IMAGE, default localhost/infrasight-base:bookworm), and the build host's Swift toolchain is
#     mounted read-only at /opt/swift. Where git is set to read github.com from local package copies
#     (`url.<dir>.insteadOf https://github.com/`), those copies and exactly those git settings are
#     mounted too, so the build resolves the same packages the host does.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${IMAGE:-localhost/infrasight:dev}"
BASE_IMAGE="${BASE_IMAGE:-localhost/infrasight-base:bookworm}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
log() { printf '\033[1m[image]\033[0m %s\n' "$*"; }
die() { printf '[image] error: %s\n' "$*" >&2; exit 1; }

if command -v podman >/dev/null 2>&1; then
  # shellcheck source=../deploy/podman/host.sh
  . "$ROOT/deploy/podman/host.sh"
  ENGINE="podman ${PODMAN_GLOBAL[*]}"
elif command -v docker >/dev/null 2>&1; then ENGINE=docker; PODMAN_LIMITS=()
else die "neither podman nor docker is installed (make deps installs podman)"; fi

[ -s "$ROOT/bpf/build/vmlinux.h" ] || die "bpf/build/vmlinux.h is missing: run 'make bpf' first (make image does)"

args=(build --tag "$IMAGE" --file "$ROOT/Dockerfile")
if [ -n "${BUILDER_IMAGE:-}" ] || [ -n "${RUNTIME_IMAGE:-}" ]; then
  [ -n "${BUILDER_IMAGE:-}" ] && args+=(--build-arg "BUILDER_IMAGE=$BUILDER_IMAGE")
  [ -n "${RUNTIME_IMAGE:-}" ] && args+=(--build-arg "RUNTIME_IMAGE=$RUNTIME_IMAGE")
  log "base images from the registry: builder ${BUILDER_IMAGE:-(Dockerfile default)}, runtime ${RUNTIME_IMAGE:-(Dockerfile default)}"
else
  # The local Debian base: debootstrap's minimal variant, imported as an image.
  if ! $ENGINE image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null 2>&1 || die "debootstrap is missing (make deps installs it)"
    rootfs="$(mktemp -d /var/tmp/infrasight-base.XXXXXX)"
    trap 'rm -rf "$rootfs"' EXIT
    log "making $BASE_IMAGE with debootstrap (bookworm, minbase, $DEBIAN_MIRROR)"
    debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$rootfs.log" 2>&1 \
      || { tail -20 "$rootfs.log" >&2; die "debootstrap failed (log: $rootfs.log)"; }
    rm -f "$rootfs.log"
    # The security suite too, as in debian:bookworm-slim.
    printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
      "$DEBIAN_MIRROR" "$DEBIAN_MIRROR" > "$rootfs/etc/apt/sources.list"
    rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
    tar -C "$rootfs" -c . | $ENGINE import --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"; trap - EXIT
  fi
  log "base images: $BASE_IMAGE (both stages)"
  args+=(--build-arg "BUILDER_IMAGE=$BASE_IMAGE" --build-arg "RUNTIME_IMAGE=$BASE_IMAGE")

  # The build host's toolchain, found from the swift on PATH: <root>/usr/bin/swift.
  swift_bin="$(command -v swift || true)"
  [ -n "$swift_bin" ] || die "no swift on PATH: the local build mounts the build host's Swift toolchain"
  toolchain="$(cd "$(dirname "$(readlink -f "$swift_bin")")/../.." && pwd)"
  [ -x "$toolchain/usr/bin/swift" ] || die "cannot find the toolchain root of $swift_bin"
  args+=(--volume "$toolchain:/opt/swift:ro")
  log "Swift toolchain: $toolchain (mounted read-only at /opt/swift)"

  # Local package copies that git reads instead of github.com, and only those git settings.
  mapfile -t redirects < <(git config --get-regexp '^url\..*\.insteadof$' 2>/dev/null || true)
  if [ ${#redirects[@]} -gt 0 ]; then
    gitconfig="$ROOT/.build/image-gitconfig"
    mkdir -p "$ROOT/.build"; : > "$gitconfig"
    declare -A mounted=()
    for line in "${redirects[@]}"; do
      key="${line%% *}"; value="${line#* }"
      dir="${key#url.}"; dir="${dir%.insteadof}"
      git config --file "$gitconfig" --add "url.$dir.insteadOf" "$value"
      if [ -d "$dir" ] && [ -z "${mounted[$dir]:-}" ]; then
        args+=(--volume "$dir:$dir:ro"); mounted[$dir]=1
        log "package copies: $dir (for $value)"
      fi
    done
    args+=(--volume "$gitconfig:/etc/gitconfig:ro")
  fi
fi

# Builds need the network for Debian's packages; podman's default build network does that too, but the
# host network avoids depending on a working netavark/slirp setup.
[ "${ENGINE%% *}" = podman ] && args+=(--network host "${PODMAN_LIMITS[@]}")
[ -n "${NO_CACHE:-}" ] && args+=(--no-cache)

log "$ENGINE ${args[*]} $ROOT"
start=$(date +%s)
$ENGINE "${args[@]}" "$ROOT"
log "built $IMAGE in $(( $(date +%s) - start )) s"
$ENGINE run --rm --network none "${PODMAN_LIMITS[@]}" "$IMAGE" --help >/dev/null || die "$IMAGE does not start"
log "$IMAGE runs: $($ENGINE image inspect --format '{{.Id}}' "$IMAGE" | cut -c1-12)"
