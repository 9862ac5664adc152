// swift-tools-version: 6.2
// The libFuzzer executables, one per target of `QrewFuzzing` (a library of the package one level
// up, which also replays the corpora under `make test`). A package of its own so that the root
// package's `swift build` never sees an executable without `main`: libFuzzer supplies it when
// this package is built with `--sanitize=fuzzer` (scripts/fuzz.sh does; Fuzz/README.md).
import PackageDescription

let targets = ["intake", "json", "taskspec", "duration", "template", "resp", "condition"]

let package = Package(
    name: "QrewFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Qrew", path: "..")],
    targets: targets.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [.product(name: "QrewFuzzing", package: "Qrew")],
            path: "Targets/fuzz-\(name)")
    },
    swiftLanguageModes: [.v6]
)
