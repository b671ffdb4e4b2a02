# Sourced by deploy/podman/run-agent.sh and scripts/image.sh: the podman settings this host needs, read
# from the host rather than assumed.
#   PODMAN_GLOBAL  global options: `--runtime runc` where crun cannot run (a hybrid or v1 cgroup host:
#                  crun refuses it), `--cgroup-manager cgroupfs` where PID 1 is not systemd (no systemd to
#                  ask for scopes).
#   PODMAN_LIMITS  `--ulimit` options at the host's hard limits for open files and processes: podman's
#                  default (and `--ulimit host`) asks for more than some hosts allow, and then every
#                  container fails with "error setting rlimit type 7: operation not permitted". The process
#                  limit is also kept at or below kernel.pid_max: runc failed with "rlimit type 6" above it
#                  on a host whose hard limit was higher (measured: pid_max 32768, hard limit 96369).
PODMAN_GLOBAL=()
if [ ! -e /sys/fs/cgroup/cgroup.controllers ] && command -v runc >/dev/null 2>&1; then
  PODMAN_GLOBAL+=(--runtime runc)
fi
if [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ]; then
  PODMAN_GLOBAL+=(--cgroup-manager cgroupfs)
fi
podman_hard_limit() {  # $1: ulimit flag (-n, -u); prints the hard limit, capped at 1048576
  local v; v="$(ulimit -H "$1")"
  if [ "$v" = unlimited ] || [ "$v" -gt 1048576 ]; then v=1048576; fi
  printf '%s' "$v"
}
podman_nproc="$(podman_hard_limit -u)"
podman_pid_max="$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo "$podman_nproc")"
[ "$podman_nproc" -gt "$podman_pid_max" ] && podman_nproc="$podman_pid_max"
PODMAN_LIMITS=(--ulimit "nofile=$(podman_hard_limit -n):$(podman_hard_limit -n)"
               --ulimit "nproc=$podman_nproc:$podman_nproc")
