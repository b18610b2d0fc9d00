// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "ZeroGap",
  products: [
    .library(name: "ZeroGap", targets: ["ZeroGap"]),
    .executable(name: "zerogap", targets: ["ZeroGapCLI"]),
    .library(name: "ZeroGapMPI", targets: ["ZeroGapMPI"]),
  ],
  // MPI (Open MPI from Debian, libopenmpi-dev) is on by default for `mpirun -np K zerogap …`; build without it with
  // `swift build --disable-default-traits` (the library never depends on MPI; the CLI then runs one process).
  traits: [
    .trait(name: "MPI", description: "Data-parallel solves over Open MPI (libopenmpi-dev, openmpi-bin)."),
    .default(enabledTraits: ["MPI"]),
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
    // Open MPI from Debian: the collectives of data-parallel solves (the ZeroGapMPI target), only with the MPI trait.
    .systemLibrary(
      name: "CZeroGapMPI",
      pkgConfig: "ompi",
      providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]
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
    // `Communicator` over MPI; its sources compile only with the MPI trait.
    .target(
      name: "ZeroGapMPI",
      dependencies: ["ZeroGap", .target(name: "CZeroGapMPI", condition: .when(traits: ["MPI"]))],
      swiftSettings: [.define("ZEROGAP_MPI", .when(traits: ["MPI"]))]
    ),
    .executableTarget(
      name: "ZeroGapCLI",
      dependencies: [
        "ZeroGap",
        "ZeroGapMPI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: [.define("ZEROGAP_MPI", .when(traits: ["MPI"]))]
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
