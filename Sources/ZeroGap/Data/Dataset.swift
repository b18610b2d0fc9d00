/// A supervised dataset: features `X` (n×d) and targets `Y` (n×k), row i being sample i
/// (MATH.md §0).
///
/// Built by `CSVReader`, `NPY`, `BuiltinDatasets` or `Synthetic`; every one of them checks that
/// all values are finite, so a `Dataset` never holds NaN or ±∞.
public struct Dataset: Sendable, Equatable {
  /// A short name for reports ("diabetes", the file name, …).
  public var name: String
  /// Features X, n×d.
  public var features: Matrix
  /// Targets Y, n×k (k = 1 for a scalar target y).
  public var targets: Matrix
  /// d names, one per feature column.
  public var featureNames: [String]
  /// k names, one per target column.
  public var targetNames: [String]

  /// A dataset after checking that the shapes agree and every value is finite.
  ///
  /// - Throws: `DataError.invalidArgument` if `features.rows ≠ targets.rows` or a name list has the
  ///   wrong length; `DataError.nonFinite` if a value is NaN or ±∞.
  public init(
    name: String, features: Matrix, targets: Matrix, featureNames: [String]? = nil, targetNames: [String]? = nil
  ) throws(DataError) {
    guard features.rows == targets.rows else {
      throw DataError(
        .invalidArgument, file: name,
        "features have \(features.rows) rows but targets have \(targets.rows); X and Y need one row per sample")
    }
    let fNames = featureNames ?? (0..<features.columns).map { "x\($0 + 1)" }
    let tNames = targetNames ?? (targets.columns == 1 ? ["y"] : (0..<targets.columns).map { "y\($0 + 1)" })
    guard fNames.count == features.columns, tNames.count == targets.columns else {
      throw DataError(
        .invalidArgument, file: name,
        "\(fNames.count) feature names for \(features.columns) feature columns and \(tNames.count) target names for \(targets.columns) target columns; give one name per column")
    }
    for (label, m, names) in [("feature", features, fNames), ("target", targets, tNames)] {
      if let k = m.storage.firstIndex(where: { !$0.isFinite }) {
        let (i, j) = (k % max(m.rows, 1), k / max(m.rows, 1))
        throw DataError(
          .nonFinite, file: name, column: j + 1, columnName: names[j],
          "\(label) value in row \(i + 1) is \(m.storage[k]); remove or impute non-finite values")
      }
    }
    self.name = name
    self.features = features
    self.targets = targets
    self.featureNames = fNames
    self.targetNames = tNames
  }

  /// Number of samples n.
  public var sampleCount: Int { features.rows }
  /// Number of features d.
  public var featureCount: Int { features.columns }
  /// Number of targets k.
  public var targetCount: Int { targets.columns }

  /// The samples at `indices` (in that order), features and targets alike.
  public func samples(_ indices: [Int]) -> Dataset {
    var copy = self
    copy.features = features.rows(indices)
    copy.targets = targets.rows(indices)
    return copy
  }

  /// X with a column of ones appended (n×(d+1)), named `name`: the bias of MATH.md §0, regularised
  /// like any other weight. Add it *after* standardising (standardising centres a constant column to 0).
  public func addingBiasColumn(name biasName: String = "bias") -> Dataset {
    var copy = self
    copy.features = features.addingBiasColumn()
    copy.featureNames.append(biasName)
    return copy
  }

  /// A seeded random split into a training and a test set.
  ///
  /// The test set has `round(testFraction · n)` samples, drawn by a Fisher–Yates shuffle from
  /// `SeededGenerator(seed:)`; both parts keep the original sample order. The same seed always
  /// gives the same split.
  ///
  /// - Throws: `DataError.invalidArgument` unless 0 < testFraction < 1 and both parts get at least one sample.
  public func trainTestSplit(testFraction: Double, seed: UInt64) throws(DataError) -> (train: Dataset, test: Dataset) {
    var generator = SeededGenerator(seed: seed)
    return try trainTestSplit(testFraction: testFraction, using: &generator)
  }

  /// The split of `trainTestSplit(testFraction:seed:)`, drawing from `generator`.
  public func trainTestSplit(
    testFraction: Double, using generator: inout SeededGenerator
  ) throws(DataError) -> (train: Dataset, test: Dataset) {
    guard testFraction.isFinite, testFraction > 0, testFraction < 1 else {
      throw DataError(.invalidArgument, file: name, "test fraction \(testFraction) must lie strictly between 0 and 1 (e.g. 0.2)")
    }
    let n = sampleCount
    let testCount = Int((testFraction * Double(n)).rounded())
    guard testCount >= 1, testCount <= n - 1 else {
      throw DataError(
        .invalidArgument, file: name,
        "a test fraction of \(testFraction) of \(n) samples leaves \(testCount) test and \(n - testCount) training samples; both need at least one")
    }
    let order = generator.shuffledIndices(count: n)
    let testIndices = order[0..<testCount].sorted()
    let trainIndices = order[testCount...].sorted()
    var train = samples(trainIndices)
    var test = samples(testIndices)
    train.name = name + " (train)"
    test.name = name + " (test)"
    return (train, test)
  }

  /// A copy whose {0, 1} target column(s) are mapped to {−1, +1} (the labels of MATH.md §3.8).
  ///
  /// - Throws: `DataError.invalidArgument` if a target value is neither 0 nor 1.
  public func signedLabels() throws(DataError) -> Dataset {
    var copy = self
    for k in 0..<targets.storage.count {
      let v = targets.storage[k]
      guard v == 0 || v == 1 else {
        let j = k / max(targets.rows, 1)
        throw DataError(
          .invalidArgument, file: name, column: j + 1, columnName: targetNames[j],
          "target value \(v) in row \(k % max(targets.rows, 1) + 1) is not a 0/1 label; signedLabels() needs binary 0/1 targets")
      }
      copy.targets.storage[k] = 2 * v - 1
    }
    return copy
  }
}

extension Matrix {
  /// `[self, 1]`: a column of ones appended (n×(d+1)), the bias column of MATH.md §0.
  public func addingBiasColumn() -> Matrix {
    appendingColumns(Matrix(rows: rows, columns: 1, repeating: 1))
  }
}
