import RealModule

/// Seeded synthetic datasets for the experiments and tests. Every generator draws only from the
/// `SeededGenerator` it is given, so the same seed gives the same data.
public enum Synthetic {
  /// A planted two-layer ReLU network `f(X) = Σ_j (X u_j)_+ α_j` (MATH.md §3.1, scalar output).
  public struct ReLUTeacher: Sendable, Equatable {
    /// U, d×m: column j is the hidden unit's input weight u_j.
    public var inputWeights: Matrix
    /// α, length m: the output weights.
    public var outputWeights: [Double]

    /// Hidden width m.
    public var width: Int { outputWeights.count }

    /// `(X U)_+ α` for X n×d: an n×1 column.
    public func predict(_ x: Matrix) -> Matrix {
      precondition(x.columns == inputWeights.rows, "ReLUTeacher.predict: X has \(x.columns) columns, U has \(inputWeights.rows) rows")
      let h = (x * inputWeights).map { max($0, 0) }
      return Matrix(column: h.multiply(outputWeights))
    }

    /// The weight-decay penalty `(1/2) Σ_j (‖u_j‖² + α_j²)` of MATH.md §3.1 (without β); for the
    /// balanced teacher it equals `Σ_j ‖u_j‖ |α_j|`.
    public var weightDecay: Double {
      let u = inputWeights.frobeniusNorm
      return 0.5 * (u * u + outputWeights.dot(outputWeights))
    }
  }

  /// Data from a planted ReLU teacher: rows `x_i ~ N(0, I_d)` (then a column of ones if `bias`),
  /// `y = (X U)_+ α + noise·ε` with ε ~ N(0, I_n).
  ///
  /// The teacher is balanced (‖u_j‖ = |α_j|, MATH.md §3.1): u_j has a random direction,
  /// |α_j| = sqrt(c_j) with c_j uniform in [0.5, 1.5), and the signs alternate +, −, +, … so both
  /// signs are present when m ≥ 2. With `bias` the teacher acts on `[X, 1]` (d+1 inputs).
  ///
  /// - Throws: `DataError.invalidArgument` for n < 1, d < 1, m < 1 or a negative/non-finite noise.
  public static func reluTeacher(
    samples n: Int, inputDimension d: Int, hiddenUnits m: Int, noise: Double = 0, bias: Bool = false,
    using g: inout SeededGenerator
  ) throws(DataError) -> (dataset: Dataset, teacher: ReLUTeacher) {
    try check(n >= 1 && d >= 1 && m >= 1, "the ReLU teacher needs samples, inputDimension and hiddenUnits ≥ 1 (got \(n), \(d), \(m))")
    try checkNoise(noise)
    var x = g.normalMatrix(rows: n, columns: d)
    if bias { x = x.addingBiasColumn() }
    var u = g.normalMatrix(rows: x.columns, columns: m)
    var alpha = [Double](repeating: 0, count: m)
    for j in 0..<m {
      let magnitude = (0.5 + g.nextUniform()).squareRoot()
      alpha[j] = j % 2 == 0 ? magnitude : -magnitude
      let col = u.column(j)
      let norm = col.norm2
      u.setColumn(j, col.map { $0 * magnitude / norm })
    }
    let teacher = ReLUTeacher(inputWeights: u, outputWeights: alpha)
    var y = teacher.predict(x)
    if noise > 0 { y += g.normalMatrix(rows: n, columns: 1, scale: noise) }
    var names = (0..<d).map { "x\($0 + 1)" }
    if bias { names.append("bias") }
    let data = try Dataset(name: "relu-teacher", features: x, targets: y, featureNames: names, targetNames: ["y"])
    return (data, teacher)
  }

  /// A low-rank linear map `Y = X M + noise·E`: X (n×d) and E (n×k) i.i.d. N(0, 1),
  /// `M = A Bᵀ / sqrt(r)` with A (d×r) and B (k×r) i.i.d. N(0, 1), so rank M = r almost surely.
  /// The setting of MATH.md §1 (deep linear networks, X^†Y = M when n ≥ d and noise = 0).
  ///
  /// - Throws: `DataError.invalidArgument` unless n, d, k ≥ 1, 1 ≤ r ≤ min(d, k), noise ≥ 0.
  public static func lowRankLinear(
    samples n: Int, inputDimension d: Int, outputDimension k: Int, rank r: Int, noise: Double = 0,
    using g: inout SeededGenerator
  ) throws(DataError) -> (dataset: Dataset, map: Matrix) {
    try check(n >= 1 && d >= 1 && k >= 1, "the low-rank map needs samples, inputDimension and outputDimension ≥ 1 (got \(n), \(d), \(k))")
    try check(r >= 1 && r <= min(d, k), "rank \(r) must lie in 1…min(inputDimension, outputDimension) = 1…\(min(d, k))")
    try checkNoise(noise)
    let a = g.normalMatrix(rows: d, columns: r)
    let b = g.normalMatrix(rows: k, columns: r)
    let map = Matrix.product(a, b, transB: .transpose, alpha: 1 / Double(r).squareRoot())
    let x = g.normalMatrix(rows: n, columns: d)
    var y = x * map
    if noise > 0 { y += g.normalMatrix(rows: n, columns: k, scale: noise) }
    let data = try Dataset(name: "low-rank", features: x, targets: y)
    return (data, map)
  }

  /// Two interleaved spiral arms in the plane, labels +1 (arm 0) and −1 (arm 1): a 2-D toy
  /// classification set.
  ///
  /// Point i of arm c (i = 0…m−1): `t = 2π·turns·(i + 1)/m`, radius `t/(2π·turns)` ∈ (0, 1],
  /// angle `t + cπ`, position `radius·(cos, sin)(angle) + noise·N(0, I_2)`. Rows list arm 0, then arm 1.
  ///
  /// - Throws: `DataError.invalidArgument` unless m ≥ 1, turns > 0 and noise ≥ 0.
  public static func spiral(
    samplesPerArm m: Int, turns: Double = 1.5, noise: Double = 0.05, using g: inout SeededGenerator
  ) throws(DataError) -> Dataset {
    try check(m >= 1, "the spiral needs at least one sample per arm (got \(m))")
    try check(turns.isFinite && turns > 0, "turns must be positive (got \(turns))")
    try checkNoise(noise)
    var x = Matrix(rows: 2 * m, columns: 2)
    var y = Matrix(rows: 2 * m, columns: 1)
    for c in 0..<2 {
      for i in 0..<m {
        let t = 2 * Double.pi * turns * Double(i + 1) / Double(m)
        let radius = t / (2 * Double.pi * turns)
        let angle = t + Double(c) * Double.pi
        let row = c * m + i
        x[row, 0] = radius * Double.cos(angle) + noise * g.nextNormal()
        x[row, 1] = radius * Double.sin(angle) + noise * g.nextNormal()
        y[row, 0] = c == 0 ? 1 : -1
      }
    }
    return try Dataset(name: "spiral", features: x, targets: y, featureNames: ["x1", "x2"], targetNames: ["label"])
  }

  /// A 1-D regression toy set: `x_i ~ U[−π, π)`, `y_i = sin(frequency·x_i) + noise·ε_i`.
  ///
  /// - Throws: `DataError.invalidArgument` unless n ≥ 1, frequency finite and noise ≥ 0.
  public static func sine(
    samples n: Int, frequency: Double = 1, noise: Double = 0.1, using g: inout SeededGenerator
  ) throws(DataError) -> Dataset {
    try check(n >= 1, "the sine set needs at least one sample (got \(n))")
    try check(frequency.isFinite, "frequency must be finite (got \(frequency))")
    try checkNoise(noise)
    var x = Matrix(rows: n, columns: 1)
    var y = Matrix(rows: n, columns: 1)
    for i in 0..<n {
      let xi = -Double.pi + 2 * Double.pi * g.nextUniform()
      x[i, 0] = xi
      y[i, 0] = Double.sin(frequency * xi) + (noise > 0 ? noise * g.nextNormal() : 0)
    }
    return try Dataset(name: "sine", features: x, targets: y, featureNames: ["x"], targetNames: ["y"])
  }

  private static func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(DataError) {
    guard condition else { throw DataError(.invalidArgument, message()) }
  }

  private static func checkNoise(_ noise: Double) throws(DataError) {
    try check(noise.isFinite && noise >= 0, "noise must be a finite number ≥ 0 (got \(noise))")
  }
}
