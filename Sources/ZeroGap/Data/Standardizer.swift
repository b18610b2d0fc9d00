/// Per-column standardisation `z_ij = (x_ij − μ_j) / s_j`, fitted on training data and applied
/// unchanged to test data (so no information leaks from the test set).
///
/// `μ_j` is the column mean and `s_j` the population standard deviation
/// `sqrt((1/n) Σ_i (x_ij − μ_j)²)` (as scikit-learn's `StandardScaler`). A constant column
/// (s_j ≤ 1e-12·max_i |x_ij|, or exactly 0) gets `s_j = 1`, so it is centred to 0 and never
/// produces NaN. Add a bias column *after* standardising (it would be centred to 0 otherwise).
public struct Standardizer: Sendable, Equatable {
  /// μ, one mean per column.
  public let means: [Double]
  /// s, one scale per column (the standard deviation, or 1 for a constant column).
  public let scales: [Double]

  /// Fits μ and s on the columns of `x` (n×d, n ≥ 1).
  ///
  /// - Throws: `DataError.emptyData` if `x` has no rows, `.nonFinite` if it holds NaN or ±∞.
  public init(fitting x: Matrix) throws(DataError) {
    guard x.rows >= 1 else {
      throw DataError(.emptyData, "cannot fit a standardiser on 0 samples; the training set is empty")
    }
    if let k = x.storage.firstIndex(where: { !$0.isFinite }) {
      throw DataError(
        .nonFinite, column: k / x.rows + 1,
        "value in row \(k % x.rows + 1) is \(x.storage[k]); a standardiser needs finite data")
    }
    let n = x.rows
    var means = [Double](repeating: 0, count: x.columns)
    var scales = [Double](repeating: 1, count: x.columns)
    x.withUnsafeBufferPointer { a in
      for j in 0..<x.columns {
        let col = a[(j * n)..<((j + 1) * n)]
        // Two passes (mean, then centred sum of squares) for accuracy.
        var mean = col.reduce(0, +) / Double(n)
        var ss = 0.0
        var maxAbs = 0.0
        for v in col {
          ss += (v - mean) * (v - mean)
          maxAbs = max(maxAbs, abs(v))
        }
        var sd = (ss / Double(n)).squareRoot()
        if !(mean.isFinite && sd.isFinite) && maxAbs.isFinite && maxAbs > 0 {
          // Finite values whose sums overflow (|x| near the Double limit): the same two passes on x/max|x|.
          mean = col.reduce(0) { $0 + $1 / maxAbs } / Double(n)
          ss = 0
          for v in col { ss += (v / maxAbs - mean) * (v / maxAbs - mean) }
          mean *= maxAbs
          sd = (ss / Double(n)).squareRoot() * maxAbs
        }
        means[j] = mean
        scales[j] = (sd == 0 || sd <= 1e-12 * maxAbs) ? 1 : sd
      }
    }
    self.means = means
    self.scales = scales
  }

  /// Fits μ and s on the rows of a data-parallel run: each process passes its own block of rows; the sums (and the
  /// two passes) are reduced over the processes, so every process gets the standardiser of the whole data.
  /// - Throws: as `init(fitting:)`; `.emptyData` when the run has no rows at all.
  public init(fitting x: Matrix, rows: RowReduction) throws(DataError) {
    guard rows.isDistributed else {
      try self.init(fitting: x)
      return
    }
    if let k = x.storage.firstIndex(where: { !$0.isFinite }) {
      throw DataError(
        .nonFinite, column: k / max(1, x.rows) + 1,
        "value in row \(k % max(1, x.rows) + 1) of this process's block is \(x.storage[k]); a standardiser needs finite data")
    }
    let n = x.rows, d = x.columns
    let total = rows.sum(Double(n))
    guard total >= 1 else { throw DataError(.emptyData, "cannot fit a standardiser on 0 samples; the training set is empty") }
    var sums = [Double](repeating: 0, count: d), maxAbs = [Double](repeating: 0, count: d)
    for j in 0..<d {
      for i in 0..<n {
        sums[j] += x[i, j]
        maxAbs[j] = max(maxAbs[j], abs(x[i, j]))
      }
    }
    rows.sum(&sums)
    for j in 0..<d { maxAbs[j] = rows.max(maxAbs[j]) }
    var means = sums.map { $0 / total }
    var ss = [Double](repeating: 0, count: d)
    for j in 0..<d { for i in 0..<n { ss[j] += (x[i, j] - means[j]) * (x[i, j] - means[j]) } }
    rows.sum(&ss)
    var scales = [Double](repeating: 1, count: d)
    for j in 0..<d {
      var sd = (ss[j] / total).squareRoot()
      if !(means[j].isFinite && sd.isFinite) && maxAbs[j].isFinite && maxAbs[j] > 0 {
        // Sums that overflow: the same two passes on x/max|x|.
        var m = 0.0
        for i in 0..<n { m += x[i, j] / maxAbs[j] }
        m = rows.sum(m) / total
        var q = 0.0
        for i in 0..<n { q += (x[i, j] / maxAbs[j] - m) * (x[i, j] / maxAbs[j] - m) }
        q = rows.sum(q)
        means[j] = m * maxAbs[j]
        sd = (q / total).squareRoot() * maxAbs[j]
      }
      scales[j] = (sd == 0 || sd <= 1e-12 * maxAbs[j]) ? 1 : sd
    }
    try self.init(means: means, scales: scales)
  }

  /// A standardiser with given means and scales (scales must be positive and finite).
  public init(means: [Double], scales: [Double]) throws(DataError) {
    guard means.count == scales.count else {
      throw DataError(.invalidArgument, "\(means.count) means but \(scales.count) scales; give one of each per column")
    }
    guard means.allSatisfy(\.isFinite), scales.allSatisfy({ $0.isFinite && $0 > 0 }) else {
      throw DataError(.invalidArgument, "means must be finite and scales finite and positive")
    }
    self.means = means
    self.scales = scales
  }

  /// Number of columns d it was fitted on.
  public var columnCount: Int { means.count }

  /// `(x − μ) / s` column by column (n×d → n×d).
  ///
  /// - Throws: `DataError.invalidArgument` if `x` does not have `columnCount` columns.
  public func transform(_ x: Matrix) throws(DataError) -> Matrix {
    try checkColumns(x)
    var z = x
    let n = x.rows
    z.withUnsafeMutableBufferPointer { a in
      for j in 0..<means.count {
        let (m, s) = (means[j], scales[j])
        for i in 0..<n { a[i + j * n] = (a[i + j * n] - m) / s }
      }
    }
    return z
  }

  /// `z·s + μ` column by column: undoes `transform` (e.g. to report predictions in original units).
  public func inverseTransform(_ z: Matrix) throws(DataError) -> Matrix {
    try checkColumns(z)
    var x = z
    let n = z.rows
    x.withUnsafeMutableBufferPointer { a in
      for j in 0..<means.count {
        let (m, s) = (means[j], scales[j])
        for i in 0..<n { a[i + j * n] = a[i + j * n] * s + m }
      }
    }
    return x
  }

  private func checkColumns(_ x: Matrix) throws(DataError) {
    guard x.columns == means.count else {
      throw DataError(
        .invalidArgument,
        "the standardiser was fitted on \(means.count) columns but the matrix has \(x.columns); fit and apply it to the same features")
    }
  }
}

/// A train/test pair standardised with statistics of the training set only.
public struct StandardizedSplit: Sendable {
  public var train: Dataset
  public var test: Dataset
  /// Fitted on `train.features` before the bias column (if any) was appended.
  public var featureScaler: Standardizer
  /// Fitted on `train.targets`, when targets were standardised.
  public var targetScaler: Standardizer?

  /// Standardises the features (and, if `targets` is true, the targets) of `train` and `test`
  /// with the training statistics, then appends a bias column of ones to both if `bias` is true.
  public init(train: Dataset, test: Dataset, targets: Bool = false, bias: Bool = false) throws(DataError) {
    let fs = try Standardizer(fitting: train.features)
    var tr = train, te = test
    tr.features = try fs.transform(train.features)
    te.features = try fs.transform(test.features)
    var ts: Standardizer?
    if targets {
      let s = try Standardizer(fitting: train.targets)
      tr.targets = try s.transform(train.targets)
      te.targets = try s.transform(test.targets)
      ts = s
    }
    if bias {
      tr = tr.addingBiasColumn()
      te = te.addingBiasColumn()
    }
    self.train = tr
    self.test = te
    self.featureScaler = fs
    self.targetScaler = ts
  }
}
