# InfraSight build entry points. `make demo` is the main job, `make test` runs every test.
# Both install what they need first (scripts/deps.sh, idempotent, as root).
SHELL := /bin/bash
ROOT := $(abspath .)
export PKG_CONFIG_PATH := $(ROOT)/.deps/librdkafka/lib/pkgconfig
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=

.PHONY: all deps bpf build release image test fuzz demo stack-down catalog bench bench-tools bench-records clean

all: build

## deps: Debian packages, librdkafka 2.8 (.deps/librdkafka), tansu broker, nats-server and libnats, Python test tooling
deps:
	@bash scripts/deps.sh

## bpf: vmlinux.h from the running kernel's BTF, then the CO-RE BPF objects (bpf/build/*.bpf.o)
bpf:
	@$(MAKE) --no-print-directory -C bpf

## build: debug build of the infrasight executable and the BPF objects
build: bpf
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product infrasight

## release: optimised build used by the demo stack
release: bpf
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --product infrasight

## image: the container image localhost/infrasight:dev from the Dockerfile (podman, or docker), with local
## base images and the host's Swift toolchain unless BUILDER_IMAGE / RUNTIME_IMAGE name registry images
image: deps bpf
	@bash scripts/image.sh

## test: every unit and integration test (needs root for BPF; starts its own broker and ClickHouse); a test
## that stalls for 10 minutes is killed with its backtraces printed (scripts/run-tests.sh)
test: deps bpf image
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --build-tests
	INFRASIGHT_BPF_DIR=$(ROOT)/bpf/build SWIFT=$(SWIFT) bash scripts/run-tests.sh $(SWIFT_BUILD_FLAGS)

## fuzz: the decoder fuzz tests (*Fuzz* in Core, Agent and Enrich tests) with 1,000,000 inputs per decoder,
## optimised (`make test` runs them with 20,000); replay a failure with INFRASIGHT_FUZZ_SEED=<seed it printed>
fuzz: deps
	$(SWIFT) build -c release -Xswiftc -enable-testing $(SWIFT_BUILD_FLAGS) --build-tests
	INFRASIGHT_FUZZ_ITERATIONS=1000000 $(SWIFT) test -c release -Xswiftc -enable-testing $(SWIFT_BUILD_FLAGS) --skip-build --filter Fuzz

## demo: the local pipeline (broker, ClickHouse, agent, 2 enrich workers, sink, detect) showing live events
demo: deps release
	@bash scripts/demo.sh

## stack-down: stop a demo stack left running in the background
stack-down:
	@bash scripts/demo.sh down

## bench: the benchmark table (BENCHMARKS.md): release build, C baselines, then every row against a real
## broker, ClickHouse and BPF (root); prints the table and writes it to bench/last-run.md. Not part of `make test`.
## Row 9 needs valgrind (callgrind); BENCH_WINDOW_SECONDS, BENCH_ROWS, BENCH_UPDATE_INSTRUCTIONS=1: see BENCHMARKS.md.
bench: deps bpf bench-tools
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --product infrasight
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --product infrasight-codec-bench
	$(ROOT)/.build/release/infrasight-bench $(ROOT)

## bench-tools: the benchmark driver and the C baselines only
bench-tools:
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --product infrasight-bench
	@$(MAKE) --no-print-directory -C bpf/baselines
	@command -v valgrind >/dev/null || echo "note: valgrind missing (apt-get install valgrind): row 9 will say not available"

## bench-records: re-record bench/records/ (row 9's inputs) from the kernel and a real pipeline (root)
bench-records: deps bpf bench-tools
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --product infrasight
	$(ROOT)/.build/release/infrasight-bench record $(ROOT)

## catalog: regenerate topics/catalog.json from the code
catalog: build
	$(ROOT)/.build/debug/infrasight topics catalog > topics/catalog.json

clean:
	rm -rf .build bpf/build
