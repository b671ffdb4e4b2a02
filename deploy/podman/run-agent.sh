#!/usr/bin/env bash
# deploy/podman/run-agent.sh BROKERS [agent options...]
#
# Starts the InfraSight agent in a container on this host, with the settings of the Kubernetes DaemonSet
# (deploy/kubernetes/agent-daemonset.yaml) and the compose service (compose/docker-compose.yml), and prints
# the container id on its last line. A test (ContainerisedAgentIntegrationTests) compares the three field by
# field: user, capabilities, PID mode, cgroup namespace, read-only root, mounts, seccomp.
#
#   - root in the container with only CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH; not privileged, no new
#     privileges, the agent's own seccomp profile (deploy/kubernetes/agent-seccomp.json). Kernels < 5.11
#     also need CAP_SYS_RESOURCE (BPF memory is charged to RLIMIT_MEMLOCK there): INFRASIGHT_EXTRA_CAPS=SYS_RESOURCE;
#   - the host's PID namespace (pids and /proc are the host's) and a private cgroup namespace, as
#     Kubernetes gives every container on cgroup v2;
#   - the host network, so that a broker on the host's loopback (as in the demo) is reachable;
#   - a read-only root with a small /tmp, and read-only host mounts: /sys/kernel/btf (CO-RE),
#     /sys/fs/cgroup (container ids), /sys/kernel/tracing (tracepoint ids), /etc/passwd (user names), and
#     the container runtime sockets that exist here (names, images, labels and pods of containers).
#
# Environment: INFRASIGHT_IMAGE (default localhost/infrasight:dev, `make image`), INFRASIGHT_AGENT_NAME
# (container name, default infrasight-agent; an existing container of that name is replaced).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=host.sh
. "$HERE/host.sh"

[ $# -ge 1 ] || { echo "usage: $0 BROKERS [agent options...]" >&2; exit 2; }
brokers="$1"; shift
image="${INFRASIGHT_IMAGE:-localhost/infrasight:dev}"
name="${INFRASIGHT_AGENT_NAME:-infrasight-agent}"
seccomp="$ROOT/deploy/kubernetes/agent-seccomp.json"

die() { echo "run-agent: $*" >&2; exit 1; }
podman image inspect "$image" >/dev/null 2>&1 || die "image $image not found: run 'make image' first"
[ -d /sys/kernel/btf ] || die "/sys/kernel/btf is missing: the kernel has no BTF (CONFIG_DEBUG_INFO_BTF)"
[ -d /sys/kernel/tracing/events ] \
  || die "tracefs is not mounted at /sys/kernel/tracing: mount -t tracefs nodev /sys/kernel/tracing"

caps="BPF,PERFMON,DAC_READ_SEARCH${INFRASIGHT_EXTRA_CAPS:+,$INFRASIGHT_EXTRA_CAPS}"
mounts=(
  --volume /sys/kernel/btf:/sys/kernel/btf:ro
  --volume /sys/fs/cgroup:/sys/fs/cgroup:ro
  --volume /sys/kernel/tracing:/sys/kernel/tracing:ro
  --volume /etc/passwd:/host/etc/passwd:ro
)
# The runtime sockets, at their own paths, where they exist (docker and podman: the socket; containerd
# and cri-o: the folder, as the DaemonSet mounts it, so a restarted daemon's new socket is seen).
for path in /var/run/docker.sock /run/podman/podman.sock /run/containerd /var/run/crio; do
  [ -e "$path" ] && mounts+=(--volume "$path:$path:ro")
done

# `podman run --detach` leaves conmon holding every descriptor it inherited: close all but stdio, so that
# a caller waiting for one of them to close (a pipe, a process monitor) is not kept waiting forever.
for fd in $(ls /proc/$$/fd); do
  [ "$fd" -gt 2 ] && eval "exec $fd>&-"
done

podman "${PODMAN_GLOBAL[@]}" rm --force --ignore "$name" >/dev/null
podman "${PODMAN_GLOBAL[@]}" run --detach --name "$name" \
  --user 0:0 \
  --pid host --cgroupns private --network host \
  --cap-drop all --cap-add "$caps" \
  --security-opt "seccomp=$seccomp" --security-opt no-new-privileges \
  --read-only --tmpfs /tmp:rw,size=16m,mode=1777 \
  "${PODMAN_LIMITS[@]}" \
  "${mounts[@]}" \
  --env "INFRASIGHT_BROKERS=$brokers" \
  --env "INFRASIGHT_NODE_NAME=${INFRASIGHT_NODE_NAME:-$(hostname)}" \
  "$image" agent --passwd /host/etc/passwd "$@"
