// swift-tools-version: 6.2
import PackageDescription

let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let traceContext: Target.Dependency = .product(name: "W3CTraceContext", package: "swift-w3c-trace-context")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")

let package = Package(
    name: "Qrew",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "QrewCore", targets: ["QrewCore"]),
        .library(name: "QrewRedis", targets: ["QrewRedis"]),
        .library(name: "QrewWorker", targets: ["QrewWorker"]),
        // The fuzz targets' bodies, for the libFuzzer package in Fuzz/ (Fuzz/README.md).
        .library(name: "QrewFuzzing", targets: ["QrewFuzzing"]),
        .executable(name: "qctl", targets: ["qctl"]),
        .executable(name: "qrew-bench", targets: ["qrew-bench"]),
        .executable(name: "qrew-chaos", targets: ["qrew-chaos"]),
        .executable(name: "qrew-coordinator", targets: ["qrew-coordinator"]),
        .executable(name: "qrew-worker", targets: ["qrew-worker"]),
        .executable(name: "qrew-supervise", targets: ["qrew-supervise"]),
        .executable(name: "qrew-web", targets: ["qrew-web"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-otel/swift-w3c-trace-context", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        // Starts one process's commands so that they, and everything they start, die with it
        // even when it is SIGKILLed (docs/worker.md); C, started once per process.
        .executableTarget(name: "qrew-supervise"),
        // The Swift side of qrew-supervise's protocol, for task processes and qctl dev's children.
        .target(name: "QrewProcess"),
        .target(name: "QrewRedis", dependencies: ["CHiredis", "QrewProcess"]),
        // Yams for the libyaml it bundles (CYaml): QrewCore reads libyaml's events itself (YAMLComposer).
        .target(name: "QrewCore", dependencies: ["Yams", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "QrewQueue",
            dependencies: ["QrewCore", "QrewRedis", logging, traceContext, metrics],
            resources: [.copy("Scripts")]),
        .target(name: "QrewCoordinator", dependencies: ["QrewCore", "QrewQueue", "QrewRedis", logging, serviceLifecycle, metrics]),
        // Serves /metrics (swift-prometheus over hummingbird) for the coordinator and worker
        // executables; the libraries only record through swift-metrics' API.
        .target(
            name: "QrewMetrics",
            dependencies: [
                metrics, logging, serviceLifecycle,
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                "QrewQueue",
            ]
        ),
        .executableTarget(
            name: "qrew-coordinator",
            dependencies: [
                "QrewCoordinator", "QrewCore", "QrewQueue", "QrewMetrics", logging, serviceLifecycle,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "QrewLocalCluster", dependencies: ["QrewRedis"]),
        .target(
            name: "QrewWorker",
            dependencies: [
                "QrewCore", "QrewQueue", "QrewRedis", "QrewProcess", logging, serviceLifecycle, metrics,
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),
        // What qctl and qrew-web show of a cluster: the status, plan, workers and dead-letter documents.
        .target(name: "QrewInspect", dependencies: ["QrewCore", "QrewQueue", "QrewRedis"]),
        // The HTTP API and dashboard served by qrew-web (docs/http-api.md).
        .target(
            name: "QrewWeb",
            dependencies: [
                "QrewCore", "QrewQueue", "QrewRedis", "QrewInspect",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            resources: [.copy("Dashboard")]
        ),
        .executableTarget(
            name: "qrew-web",
            dependencies: [
                "QrewWeb", "QrewRedis", "QrewQueue",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "qctl",
            dependencies: [
                "QrewCore", "QrewQueue", "QrewRedis", "QrewLocalCluster", "QrewInspect",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Release qctl is one static executable (glibc, libstdc++ and hiredis too): no dynamic
            // loader, no shared objects to map and relocate; a call starts in about half the CPU
            // (docs/benchmarks.md, "Front door: qctl start-up and YAML").
            // gold writes it with write(2), not through a memory map: the page cache then holds the
            // fresh file in large folios, as it does a copied or installed one, and a call started
            // from it costs ~0.5 ms less CPU in page faults (docs/benchmarks.md, "Front door: qctl
            // one-shot commands").
            linkerSettings: [.unsafeFlags(
                ["-static-executable", "-Xlinker", "--no-mmap-output-file"], .when(platforms: [.linux], configuration: .release))]
        ),
        .executableTarget(
            name: "qrew-worker",
            dependencies: [
                "QrewWorker", "QrewCore", "QrewQueue", "QrewMetrics", logging, serviceLifecycle,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "qrew-bench",
            dependencies: [
                "QrewCore", "QrewRedis", "QrewQueue", "QrewLocalCluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "qrew-chaos",
            dependencies: [
                "QrewCore", "QrewRedis", "QrewQueue", "QrewLocalCluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "QrewFuzzing", dependencies: ["QrewCore", "QrewRedis", "QrewQueue"]),
        .target(name: "QrewTestSupport", dependencies: ["QrewRedis", "QrewQueue", logging], path: "Tests/QrewTestSupport"),
        // Yams: the composer QrewCore replaced, kept as the reference of the differential tests.
        .testTarget(name: "QrewCoreTests", dependencies: ["QrewCore", "Yams", .product(name: "Crypto", package: "swift-crypto")], resources: [.copy("Fixtures")]),
        .testTarget(name: "QrewFuzzTests", dependencies: ["QrewFuzzing"]),
        .testTarget(name: "QrewRedisTests", dependencies: ["QrewRedis", "QrewTestSupport"]),
        .testTarget(name: "QrewWorkerTests", dependencies: ["QrewWorker", "QrewTestSupport", "QrewQueue", "QrewCore", "qrew-chaos", logging]),
        .testTarget(name: "QrewQueueTests", dependencies: ["QrewQueue", "QrewTestSupport"]),
        .testTarget(name: "QrewBenchTests", dependencies: ["qrew-bench"]),
        .testTarget(name: "QrewCoordinatorTests", dependencies: ["QrewCoordinator", "QrewQueue", "QrewTestSupport", logging, serviceLifecycle]),
        .testTarget(
            name: "ChaosTests",
            dependencies: ["qrew-chaos", "qrew-coordinator", "qrew-worker", "QrewLocalCluster", "QrewRedis", "QrewQueue"]),
        .testTarget(
            name: "QrewWebTests",
            dependencies: ["QrewWeb", "QrewInspect", "qrew-web", "qctl", "qrew-coordinator", "qrew-worker", "QrewTestSupport", "QrewLocalCluster", "QrewQueue"],
            exclude: ["Browser"]),
        .testTarget(
            name: "QctlTests",
            dependencies: ["qctl", "qrew-coordinator", "qrew-worker", "QrewTestSupport", "QrewLocalCluster", "QrewQueue", "QrewCoordinator", "QrewCore"]),
    ],
    swiftLanguageModes: [.v6]
)
