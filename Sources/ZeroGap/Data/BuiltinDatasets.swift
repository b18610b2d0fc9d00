import Foundation

/// Datasets usable by name: two small real ones shipped as package resources (see
/// `Resources/LICENSE-datasets.md` for origin and licences) and the seeded synthetic generators.
///
/// | name | n×d, k | task |
/// |---|---|---|
/// | `diabetes` | 442×10, 1 | regression (disease progression), raw units (scikit-learn `load_diabetes(scaled=False)`) |
/// | `breast-cancer` | 569×30, 1 | binary classification, target 1 = benign, 0 = malignant (as scikit-learn) |
/// | `relu-teacher` | 100×4, 1 | planted two-layer ReLU teacher, m = 3, no noise |
/// | `low-rank` | 60×6, 4 | `Y = X M + 0.01·E`, rank M = 2 |
/// | `spiral` | 200×2, 1 | two spiral arms, labels ±1 |
/// | `sine` | 50×1, 1 | `y = sin x + 0.1·ε` |
public enum BuiltinDatasets {
  /// One catalogue entry.
  public struct Entry: Sendable, Equatable {
    public var name: String
    /// "regression" or "classification".
    public var task: String
    public var samples: Int
    public var features: Int
    public var targets: Int
    /// True for seeded synthetic sets (their values depend on the seed).
    public var synthetic: Bool
    /// One-line description with origin and licence.
    public var summary: String
  }

  /// The dataset the `demo` command summarises.
  public static let defaultName = "diabetes"

  /// Every built-in dataset, real ones first.
  public static let catalog: [Entry] = [
    Entry(
      name: "diabetes", task: "regression", samples: 442, features: 10, targets: 1, synthetic: false,
      summary: "Diabetes progression (Efron et al. 2004), raw units; from scikit-learn, BSD-3-Clause"),
    Entry(
      name: "breast-cancer", task: "classification", samples: 569, features: 30, targets: 1, synthetic: false,
      summary: "Breast Cancer Wisconsin (Diagnostic), target 1 = benign; UCI, CC BY 4.0, via scikit-learn"),
    Entry(
      name: "relu-teacher", task: "regression", samples: 100, features: 4, targets: 1, synthetic: true,
      summary: "planted two-layer ReLU teacher y = (XU)+α with 3 hidden units (MATH.md §3.1)"),
    Entry(
      name: "low-rank", task: "regression", samples: 60, features: 6, targets: 4, synthetic: true,
      summary: "low-rank linear map Y = XM + 0.01·noise with rank M = 2 (MATH.md §1)"),
    Entry(
      name: "spiral", task: "classification", samples: 200, features: 2, targets: 1, synthetic: true,
      summary: "two interleaved spiral arms in the plane, labels ±1"),
    Entry(
      name: "sine", task: "regression", samples: 50, features: 1, targets: 1, synthetic: true,
      summary: "1-D regression y = sin(x) + 0.1·noise on [−π, π)"),
  ]

  /// The names, in catalogue order.
  public static var names: [String] { catalog.map(\.name) }

  /// Loads the dataset called `name`; `seed` drives the synthetic ones (real ones ignore it).
  ///
  /// - Throws: `DataError.unknownDataset` (listing the valid names) or an error reading the resource.
  public static func load(_ name: String, seed: UInt64 = 0) throws(DataError) -> Dataset {
    var g = SeededGenerator(seed: seed)
    switch name {
    case "diabetes", "breast-cancer":
      let path = try resourcePath(name + ".csv")
      return try CSVReader.loadDataset(path: path, targets: [.name("target")], name: name)
    case "relu-teacher":
      return try Synthetic.reluTeacher(samples: 100, inputDimension: 4, hiddenUnits: 3, using: &g).dataset
    case "low-rank":
      return try Synthetic.lowRankLinear(samples: 60, inputDimension: 6, outputDimension: 4, rank: 2, noise: 0.01, using: &g).dataset
    case "spiral":
      return try Synthetic.spiral(samplesPerArm: 100, using: &g)
    case "sine":
      return try Synthetic.sine(samples: 50, using: &g)
    default:
      throw DataError(.unknownDataset, "unknown dataset \"\(name)\"; built-in datasets are \(names.joined(separator: ", "))")
    }
  }

  /// A summary of the default dataset (`defaultName`), for the `demo` command.
  public static func summarizeDefault() throws(DataError) -> DatasetSummary {
    DatasetSummary(try load(defaultName))
  }

  /// The path of a shipped resource file (in `Sources/ZeroGap/Data/Resources/`).
  ///
  /// Looks in the SwiftPM resource bundle next to the executable, then in the source tree; never
  /// traps (unlike `Bundle.module`) when the bundle has been separated from the binary.
  static func resourcePath(_ fileName: String) throws(DataError) -> String {
    let bundleName = "ZeroGap_ZeroGap.resources"
    var candidates: [URL] = [Bundle.main.bundleURL.appendingPathComponent(bundleName)]
    if let exe = Bundle.main.executableURL {
      candidates.append(exe.deletingLastPathComponent().appendingPathComponent(bundleName))
    }
    candidates = candidates.map { $0.appendingPathComponent("Resources") }
    candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources"))
    for dir in candidates {
      let path = dir.appendingPathComponent(fileName).path
      if FileManager.default.fileExists(atPath: path) { return path }
    }
    throw DataError(
      .unreadableFile, file: fileName,
      "built-in data file not found (looked in \(candidates.map(\.path).joined(separator: ", "))); keep \(bundleName) next to the zerogap binary")
  }
}

/// What a dataset looks like: shape and per-column statistics (features then targets).
public struct DatasetSummary: Sendable, Equatable {
  public var name: String
  public var samples: Int
  public var features: Int
  public var targets: Int
  public var columns: [ColumnStatistics]

  public init(_ data: Dataset) {
    name = data.name
    samples = data.sampleCount
    features = data.featureCount
    targets = data.targetCount
    columns =
      (0..<data.featureCount).map { ColumnStatistics(name: data.featureNames[$0], role: "feature", values: data.features.column($0)) }
      + (0..<data.targetCount).map { ColumnStatistics(name: data.targetNames[$0], role: "target", values: data.targets.column($0)) }
  }

  /// `{"name", "samples", "features", "targets", "columns": [...]}`.
  public var json: JSON {
    .object([
      "name": .string(name), "samples": .number(Double(samples)), "features": .number(Double(features)),
      "targets": .number(Double(targets)), "columns": .array(columns.map(\.json)),
    ])
  }

  /// Human-readable lines: a title and the column table.
  public var lines: [String] {
    ["dataset \(name): \(samples) samples, \(features) features, \(targets) target\(targets == 1 ? "" : "s")"]
      + columnStatisticsTable(columns)
  }
}
