// swift-tools-version:5.10
// InfraSight: eBPF syscall telemetry → Kafka → enrichment → ClickHouse.
import PackageDescription

/// librdkafka >= 2.8 lives in the project-local prefix that `make deps` builds (Debian 12's 2.0.2
/// cannot talk to current brokers). pkg-config finds it through PKG_CONFIG_PATH (set by the Makefile);
/// the flags below make a plain `swift build` find it too, and the rpath lets binaries load it.
let rdkafkaPrefix = Context.packageDirectory + "/.deps/librdkafka"

/// The per-event paths (agent encode, enrich, sink rows) in release builds: no dynamic exclusivity checks.
/// They cost about a tenth of the agent's instructions per event (callgrind, bench row 9) on the stage
/// objects' stored properties; debug builds, which every test runs, keep them.
let hotPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "InfraSight",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "infrasight", targets: ["infrasight"]),
        .executable(name: "infrasight-bench", targets: ["InfraSightBench"]),
        .executable(name: "infrasight-codec-bench", targets: ["InfraSightCodecBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
        // the agent's ring-buffer reader: acquire/release loads and stores on the kernel's mapped positions
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // containerd (container metadata): gRPC over HTTP/2 on its unix socket
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.0"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.0"),
        // detect's alert webhook
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // MARK: C shims (module maps only; C code lives in bpf/)
        .systemLibrary(name: "CLibbpf", path: "Sources/CLibbpf", pkgConfig: "libbpf",
                       providers: [.apt(["libbpf-dev", "libelf-dev", "zlib1g-dev"])]),
        .systemLibrary(name: "CRdKafka", path: "Sources/CRdKafka", pkgConfig: "rdkafka"),
        // nats.c 3.4.1 (Debian's libnats-dev): the JetStream bus
        .systemLibrary(name: "CNats", path: "Sources/CNats", pkgConfig: "libnats",
                       providers: [.apt(["libnats-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CEventLayout", path: "Sources/CEventLayout"),

        // MARK: Libraries, one per concern / stage
        .target(
            name: "InfraSightCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: hotPathSettings),
        .target(
            name: "InfraSightKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            cSettings: [.unsafeFlags(["-I", rdkafkaPrefix + "/include"])],
            swiftSettings: [.unsafeFlags(["-Xcc", "-I" + rdkafkaPrefix + "/include"])] + hotPathSettings,
            linkerSettings: [.unsafeFlags(["-L" + rdkafkaPrefix + "/lib",
                                           "-Xlinker", "-rpath", "-Xlinker", rdkafkaPrefix + "/lib"])]),
        // The second bus: NATS JetStream (foundation: connection, streams, producer, pull consumer).
        .target(
            name: "InfraSightNATS",
            dependencies: [
                "CNats",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        .target(
            name: "InfraSightClickHouse",
            dependencies: [
                "CCurl", "InfraSightCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: hotPathSettings),
        .target(
            name: "InfraSightAgent",
            dependencies: [
                "CLibbpf", "CEventLayout", "InfraSightCore", "InfraSightKafka",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
                // runtime sockets (container metadata): HTTP/1.1 over a unix socket
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // containerd (container metadata): unary Containers/Get with grpc-swift 2 over its unix socket
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            // containerd's message definitions and their generator script (the generated Swift is committed)
            exclude: ["Context/Runtime/Containerd/Proto"],
            swiftSettings: hotPathSettings),
        .target(
            name: "InfraSightEnrich",
            dependencies: ["InfraSightCore", "InfraSightKafka",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: hotPathSettings),
        .target(
            name: "InfraSightSink",
            dependencies: ["InfraSightCore", "InfraSightKafka", "InfraSightClickHouse",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: hotPathSettings),
        .target(
            name: "InfraSightDetect",
            dependencies: ["InfraSightCore", "InfraSightKafka",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Yams", package: "Yams"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: hotPathSettings),
        .target(
            name: "InfraSightObservability",
            dependencies: [
                "InfraSightCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(
            name: "InfraSightConsole",
            dependencies: [
                "InfraSightCore", "InfraSightClickHouse", "InfraSightSink",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "infrasight",
            dependencies: [
                "InfraSightCore", "InfraSightKafka", "InfraSightClickHouse",
                "InfraSightAgent", "InfraSightEnrich", "InfraSightSink", "InfraSightObservability",
                "InfraSightConsole", "InfraSightDetect",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // MARK: Benchmarks (`make bench`; Foundation only, drives the real binaries)
        .executableTarget(name: "InfraSightBench", path: "Sources/InfraSightBench"),
        // Row 9's instruction counts (callgrind): a synchronous main, see CodecBenchCommand.
        .executableTarget(
            name: "InfraSightCodecBench",
            dependencies: [
                "InfraSightCore", "InfraSightClickHouse", "InfraSightAgent", "InfraSightEnrich", "InfraSightSink",
                "InfraSightDetect",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: Tests
        .target(
            name: "InfraSightTestSupport",
            dependencies: ["InfraSightCore", "InfraSightKafka", "InfraSightClickHouse",
                           // HeadlessChromium: the DevTools protocol over a WebSocket
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOWebSocket", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Tests/InfraSightTestSupport"),
        .testTarget(name: "InfraSightCoreTests", dependencies: ["InfraSightCore", "InfraSightTestSupport"]),
        .testTarget(name: "InfraSightKafkaTests", dependencies: ["InfraSightKafka", "InfraSightTestSupport"]),
        // CRdKafka: the partitioner is checked against librdkafka's own (InfraSightKafka brings its rpath).
        .testTarget(name: "InfraSightNATSTests",
                    dependencies: ["InfraSightNATS", "InfraSightKafka", "CRdKafka", "InfraSightTestSupport"]),
        .testTarget(name: "InfraSightClickHouseTests",
                    dependencies: ["InfraSightClickHouse", "InfraSightTestSupport"]),
        .testTarget(name: "InfraSightAgentTests", dependencies: ["InfraSightAgent", "InfraSightTestSupport"]),
        .testTarget(name: "InfraSightEnrichTests", dependencies: ["InfraSightEnrich", "InfraSightTestSupport"]),
        .testTarget(name: "InfraSightDetectTests", dependencies: ["InfraSightDetect", "InfraSightTestSupport"]),
        .testTarget(name: "InfraSightSinkTests",
                    dependencies: ["InfraSightSink", "InfraSightTestSupport"]),
        .testTarget(name: "InfraSightObservabilityTests",
                    dependencies: ["InfraSightObservability", "InfraSightCore"]),
        .testTarget(name: "InfraSightConsoleTests",
                    dependencies: ["InfraSightConsole", "InfraSightSink", "InfraSightCore", "InfraSightTestSupport",
                                   .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "InfraSightDeploymentTests", dependencies: ["InfraSightTestSupport"]),
        .testTarget(name: "InfraSightIntegrationTests",
                    dependencies: ["InfraSightCore", "InfraSightKafka", "InfraSightClickHouse", "InfraSightDetect",
                                   "InfraSightTestSupport"]),
    ]
)
