// swift-tools-version: 6.1
// A separate package so that neither `swift build` nor `swift test` of ZeroGap resolves or builds
// the benchmark machinery (STACK.md §2). Run from this directory:
//   swift package --disable-sandbox benchmark --no-progress      (ordo-one/benchmark percentile tables)
//   swift run -c release zerogap-bench linalg                     (one clean table with GFLOP/s and ratios)
// or `bash scripts/bench.sh` from the repository root (sets the OpenBLAS kernel first).
import PackageDescription

let package = Package(
  name: "ZeroGapBenchmarks",
  platforms: [.macOS(.v13)],
  dependencies: [
    // `name:` pins the identity: a path dependency is otherwise named after the checkout directory.
    .package(name: "ZeroGap", path: ".."),
    // Naming only MallocInterposer disables the default RuntimeInterposer trait, whose package is
    // not available here (STACK.md §2).
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    // The allocation counters of `zerogap-bench allocations` (the library preloaded by scripts/bench.sh).
    .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
  ],
  targets: [
    // Release-mode harness printing one table (n, seconds, GFLOP/s, SVD time, ratios to GEMM peak).
    .executableTarget(
      name: "zerogap-bench",
      dependencies: [
        .product(name: "ZeroGap", package: "ZeroGap"),
        .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
      ],
      path: "Sources/ZeroGapBench"
    ),
    // ordo-one/benchmark suite.
    .executableTarget(
      name: "LinearAlgebra",
      dependencies: [
        .product(name: "ZeroGap", package: "ZeroGap"),
        .product(name: "Benchmark", package: "benchmark"),
      ],
      path: "Benchmarks/LinearAlgebra",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
  ]
)
