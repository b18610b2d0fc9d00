// swift-tools-version: 6.1
// libFuzzer targets for ZeroGap's readers of untrusted files (the reliability issue): the CSV reader, the `.npy`
// reader, the model-file reader and the weight-file readers (safetensors, .npz). A separate package, so that a plain `swift build` of ZeroGap never needs the
// fuzzer runtime. Built with the sanitizer applied to ZeroGap too (coverage-guided), and run by
// `bash scripts/fuzz.sh [seconds]` from the repository root (CI runs it for a bounded time on the seed corpus
// in Corpus/).
import PackageDescription

let fuzzer: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
  name: "ZeroGapFuzz",
  dependencies: [.package(name: "ZeroGap", path: "..")],
  targets: [
    .executableTarget(name: "FuzzCSV", dependencies: [.product(name: "ZeroGap", package: "ZeroGap")], swiftSettings: fuzzer),
    .executableTarget(name: "FuzzNPY", dependencies: [.product(name: "ZeroGap", package: "ZeroGap")], swiftSettings: fuzzer),
    .executableTarget(name: "FuzzModel", dependencies: [.product(name: "ZeroGap", package: "ZeroGap")], swiftSettings: fuzzer),
    .executableTarget(name: "FuzzWeights", dependencies: [.product(name: "ZeroGap", package: "ZeroGap")], swiftSettings: fuzzer),
  ]
)
