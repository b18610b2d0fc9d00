// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "ZeroGap",
  products: [
    .library(name: "ZeroGap", targets: ["ZeroGap"]),
    .executable(name: "zerogap", targets: ["ZeroGapCLI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
  ],
  targets: [
    // MARK: - Implementation details
    // OpenBLAS + LAPACKE from Debian. `pkgConfig` + `providers` make SwiftPM print the
    // `apt-get install` hint when the packages are missing.
    .systemLibrary(
      name: "CZeroGapLAPACK",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
    ),
    // zlib from Debian: inflates the deflate-compressed members of NumPy .npz archives.
    .systemLibrary(
      name: "CZeroGapZlib",
      pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"])]
    ),

    // MARK: - Public API
    .target(
      name: "ZeroGap",
      dependencies: [
        "CZeroGapLAPACK",
        "CZeroGapZlib",
        .product(name: "RealModule", package: "swift-numerics"),
        .product(name: "HeapModule", package: "swift-collections"),
      ],
      resources: [.copy("Data/Resources")]
    ),
    .executableTarget(
      name: "ZeroGapCLI",
      dependencies: [
        "ZeroGap",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // MARK: - Tests
    .testTarget(
      name: "ZeroGapTests",
      dependencies: ["ZeroGap", .product(name: "RealModule", package: "swift-numerics")],
      resources: [.copy("Fixtures")]
    ),
    .testTarget(name: "ZeroGapCLITests", dependencies: ["ZeroGapCLI"]),
  ]
)
