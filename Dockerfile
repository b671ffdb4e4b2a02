# syntax=docker/dockerfile:1
# InfraSight container image: one binary (`infrasight agent|enrich|sink|detect|topics|schema|console|...`)
# plus the CO-RE BPF objects. Multi-stage: a Debian bookworm builder with a Swift >= 6.3 toolchain (its clang
# targets BPF), and a Debian bookworm runtime.
#
# `make image` builds it (scripts/image.sh: podman, or docker where present) as localhost/infrasight:dev.
#
#   * With a registry:   make image BUILDER_IMAGE=swift:6.3-bookworm RUNTIME_IMAGE=debian:bookworm-slim
#     or by hand:        make bpf && docker build -t infrasight:dev \
#                          --build-arg BUILDER_IMAGE=swift:6.3-bookworm --build-arg RUNTIME_IMAGE=debian:bookworm-slim .
#   * Without one (the default of `make image`): both stages start from a Debian base that scripts/image.sh
#     makes with debootstrap and `podman import`; the build host's Swift toolchain is mounted read-only at
#     /opt/swift (hence PATH below), and, where git reads github.com from local package copies, those copies
#     and that git setting are mounted too. See scripts/image.sh.
#
# BEFORE the build, `make bpf` on the build host. The BPF objects are compiled against vmlinux.h, generated
# from kernel BTF (`bpftool btf dump file /sys/kernel/btf/vmlinux format c`); a build cannot read the build
# host's /sys/kernel/btf, so `make bpf` leaves bpf/build/vmlinux.h in the build context, which .dockerignore
# lets through (everything else under bpf/build/ is excluded and rebuilt here). The objects are CO-RE: built
# once against one kernel's BTF, they relocate at load time on any other BTF-enabled kernel.
#
# The runtime image runs as the unprivileged user `infrasight` (uid 10001), which is what enrich, sink,
# detect, topics, schema, console and watch need. The agent loads eBPF programs and runs as root with
# CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH only (+ CAP_SYS_RESOURCE on kernels < 5.11, see the README):
# compose/docker-compose.yml, deploy/kubernetes/agent-daemonset.yaml and deploy/podman/run-agent.sh set that.

ARG BUILDER_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

############################################################ builder
FROM ${BUILDER_IMAGE} AS builder
ARG DEBIAN_FRONTEND=noninteractive
# A toolchain mounted at /opt/swift (local builds) comes first; an official swift image has its own in /usr.
ENV PATH=/opt/swift/usr/bin:${PATH}

# What a Swift toolchain needs on Debian 12 (the official swift:bookworm image has these already), then the
# build dependencies: libbpf/libelf/zlib (agent), libcurl (ClickHouse client), librdkafka's build deps.
# Same list as scripts/deps.sh minus the test tooling (ClickHouse server, Python, tansu).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      binutils git gnupg2 libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev libncurses6 libsqlite3-0 \
      libstdc++-12-dev libxml2-dev libz3-dev tzdata uuid-dev \
      build-essential pkg-config ca-certificates curl dpkg-dev \
      libbpf-dev libelf-dev zlib1g-dev \
      libssl-dev libsasl2-dev libzstd-dev liblz4-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# librdkafka >= 2.8 (bookworm ships 2.0.2, too old for current brokers): Debian trixie's source package,
# built exactly like scripts/deps.sh does, into <package dir>/.deps/librdkafka, the prefix Package.swift
# hard-codes for its include/lib flags and rpath. A layer of its own so source edits do not rebuild it.
RUN echo "deb-src http://deb.debian.org/debian trixie main" > /etc/apt/sources.list.d/trixie-src.list \
 && apt-get update \
 && mkdir -p /tmp/rdkafka && cd /tmp/rdkafka \
 && apt-get source --download-only librdkafka/trixie \
 && tar xf librdkafka_*.orig.tar.* \
 && cd librdkafka-*/ \
 && ./configure --prefix=/src/.deps/librdkafka --disable-gssapi \
 && make -C src -j"$(nproc)" && make -C src install \
 && PKG_CONFIG_PATH=/src/.deps/librdkafka/lib/pkgconfig pkg-config --atleast-version=2.8.0 rdkafka \
 && rm -rf /tmp/rdkafka /var/lib/apt/lists/* /etc/apt/sources.list.d/trixie-src.list
ENV PKG_CONFIG_PATH=/src/.deps/librdkafka/lib/pkgconfig

RUN command -v swift >/dev/null \
      || { echo "no Swift toolchain: use a swift:6.3 builder image, or mount one at /opt/swift (scripts/image.sh)" >&2; exit 1; } \
 && swift --version \
 && clang -print-targets | grep -qw bpf \
      || { echo "the toolchain's clang has no BPF target (Swift >= 6.3 has it)" >&2; exit 1; }

# BPF objects. bpf/build/vmlinux.h comes from the build context (see the header of this file).
COPY bpf/ bpf/
RUN test -s bpf/build/vmlinux.h \
      || { echo "bpf/build/vmlinux.h is missing from the build context: run 'make bpf' on a host with /sys/kernel/btf/vmlinux before building" >&2; exit 1; } \
 && rm -f bpf/build/*.bpf.o bpf/build/headers.ok \
 && make -C bpf CLANG=clang \
 && ls -l bpf/build/*.bpf.o

# The release binary. SwiftPM loads every target of the manifest, test targets included, so Tests/ is
# copied too (only the `infrasight` product is built). The Swift runtime is linked statically, so the
# runtime stage needs no Swift libraries. .build is a cache mount: a rebuild on the same host is incremental.
COPY Package.swift Package.resolved* ./
COPY Sources/ Sources/
COPY Tests/ Tests/
RUN --mount=type=cache,target=/src/.build,id=infrasight-swift-build \
    swift build -c release --product infrasight --static-swift-stdlib \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/infrasight" /out/usr/local/bin/infrasight \
 && install -d /out/usr/local/share/infrasight/bpf \
 && install -m 0644 bpf/build/*.bpf.o /out/usr/local/share/infrasight/bpf/ \
 && install -d /out/usr/local/lib \
 && cp -a /src/.deps/librdkafka/lib/librdkafka.so* /out/usr/local/lib/

############################################################ runtime
FROM ${RUNTIME_IMAGE} AS runtime
ARG DEBIAN_FRONTEND=noninteractive
LABEL org.opencontainers.image.title="infrasight" \
      org.opencontainers.image.description="InfraSight eBPF syscall telemetry: agent, enrich, sink, detect" \
      org.opencontainers.image.source="https://github.com/infrasight/infrasight"

# Runtime libraries only: libbpf/libelf/zlib (agent), libcurl (ClickHouse HTTP), and what librdkafka links
# (OpenSSL, Cyrus SASL, zstd, lz4).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libbpf1 libelf1 zlib1g libcurl4 libssl3 libsasl2-2 libzstd1 liblz4-1 ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Binary in /usr/local/bin, BPF objects in /usr/local/share/infrasight/bpf (the agent looks in
# <executable dir>/../share/infrasight/bpf), librdkafka in /usr/local/lib. The binary's rpath points at the
# builder's /src/.deps/librdkafka/lib, which does not exist here, so the dynamic linker falls back to the
# ld.so cache that ldconfig refreshes below.
COPY --from=builder /out/ /
COPY deploy/docker/infrasight-healthcheck /usr/local/bin/infrasight-healthcheck
RUN ldconfig \
 && chmod 0755 /usr/local/bin/infrasight-healthcheck \
 && groupadd --system --gid 10001 infrasight \
 && useradd --system --uid 10001 --gid infrasight --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin infrasight \
 && infrasight --help >/dev/null

# Prometheus /metrics and /healthz: agent 9464, enrich 9465, sink 9466, detect 9467 (--metrics-address).
EXPOSE 9464 9465 9466 9467
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/infrasight"]
CMD ["--help"]
