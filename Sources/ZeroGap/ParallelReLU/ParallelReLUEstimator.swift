/// Fits a parallel ReLU network of depth 3 (MATH.md §4.3) or deeper (§4.4, path norm) to data through its convex
/// program, scikit-learn style: hyper-parameters in `Configuration`, the fitted state apart in `Fitted`.
///
/// Preprocessing as for the two-layer estimator (standardised features and a ones column, a regularised bias);
/// first-layer patterns sampled from Gaussian gates (completed so that every sample is active in one,
/// `ActivationPatterns.coveringEverySample`) or enumerated; every hidden level's patterns all of {0,1}ⁿ
/// (`.enumerate`, n ≤ `HiddenPatterns.enumerationLimit`) or sampled, the same count per level: the second level from
/// random branches on the first layer's gates (each pattern realisable), deeper ones from random chains.
public struct ParallelReLUEstimator: Sendable {
  public enum SecondLayerSource: Sendable, Equatable {
    case sampled(count: Int, seed: UInt64)
    case enumerate
  }

  public struct Configuration: Sendable {
    public var loss: ConvexLoss
    public var beta: Double
    public var firstLayer: ConvexReLUEstimator.PatternSource
    /// The hidden levels' patterns (every level from the same source).
    public var secondLayer: SecondLayerSource
    /// Depth ≥ 3 (3: §4.3; 4 and beyond: §4.4, program size the product of the levels' pattern counts).
    public var depth: Int
    public var standardize: Bool
    public var bias: Bool
    public var solver: ConvexSolverOptions

    public init(
      loss: ConvexLoss = .squared, beta: Double = 1, firstLayer: ConvexReLUEstimator.PatternSource = .sampled(count: 20, seed: 0),
      secondLayer: SecondLayerSource = .sampled(count: 20, seed: 0), depth: Int = 3, standardize: Bool = true, bias: Bool = true,
      solver: ConvexSolverOptions = ConvexSolverOptions()
    ) {
      self.depth = depth
      self.loss = loss
      self.beta = beta
      self.firstLayer = firstLayer
      self.secondLayer = secondLayer
      self.standardize = standardize
      self.bias = bias
      self.solver = solver
    }
  }

  public struct Fitted: Sendable {
    public let means: [Double]
    public let scales: [Double]
    /// The recovered network at depth 3, on preprocessed features (§4.3's form, the one model files hold); nil deeper.
    public let network: ParallelReLUNetwork?
    /// The recovered network of any depth (a tree whose path norm is its penalty; the same function as `network`).
    public let deepNetwork: DeepParallelReLUNetwork
    public let report: ConvexSolverReport
    public let boundScope: BoundScope
    public let firstLayerPatterns: Int
    /// The patterns of each hidden level (D₂, D₃, …).
    public let hiddenLayerPatterns: [Int]
    public var secondLayerPatterns: Int { hiddenLayerPatterns[0] }
    /// The data's column names (recorded by `recordColumns`, written to the model file).
    public internal(set) var columns: ConvexReLUEstimator.DataColumns? = nil
    /// Samples inactive in every first-layer pattern (only given gates leave any,
    /// `ActivationPatterns.coveringEverySample`): their second-layer rows are identically zero, so the interior point
    /// declined the program (0 for a loaded model).
    public internal(set) var uncoveredSamples = 0
    /// β / max_{i,l} ‖Xᵀ D1ᵢ D2ₗ y‖ on the preprocessed data (`relativeBeta`; at depth 3, from 1 on the zero network is
    /// optimal). Far below 1 the program is nearly unregularised and its Newton systems lose accuracy (nil for a
    /// loaded model).
    public internal(set) var relativeBeta: Double? = nil
  }

  public var configuration: Configuration
  public internal(set) var fitted: Fitted?

  public init(configuration: Configuration = Configuration()) {
    self.configuration = configuration
  }

  /// - Throws: `ConvexReLUError` for bad data, hyper-parameters, pattern sets too large or the memory budget.
  public mutating func fit(data x: Matrix, targets y: [Double]) throws {
    let c = configuration
    var means = [Double](repeating: 0, count: x.columns)
    var scales = [Double](repeating: 1, count: x.columns)
    if c.standardize {
      let s = try Standardizer(fitting: x)
      means = s.means
      scales = s.scales
    }
    guard c.depth >= 3 else { throw ConvexReLUError.invalidParameter("a parallel ReLU program has depth ≥ 3 (got \(c.depth)); depth 2 is the two-layer program") }
    let z = try ConvexReLUEstimator.preprocess(x, means: means, scales: scales, bias: c.bias)
    var first = try ConvexReLUEstimator.patterns(c.firstLayer, preprocessed: z, featureCount: x.columns, bias: c.bias, budget: c.solver.memoryBudget)
    if case .sampled = c.firstLayer { first = try first.coveringEverySample(data: z) }
    // The program these patterns make is refused before the hidden levels are sampled when it would not fit (all of
    // {0,1}ⁿ is small: n ≤ `HiddenPatterns.enumerationLimit`).
    let levels = c.depth - 2
    var hidden: [HiddenPatterns] = []
    switch c.secondLayer {
    case .enumerate:
      let all = try HiddenPatterns.all(sampleCount: z.rows)
      try ParallelReLUProgram.requireMemory(n: z.rows, d: z.columns, firstLayer: first.count, hiddenLayers: [Int](repeating: all.count, count: levels), budget: c.solver.memoryBudget)
      hidden = [HiddenPatterns](repeating: all, count: levels)
    case .sampled(let count, let seed):
      try ParallelReLUProgram.requireMemory(n: z.rows, d: z.columns, firstLayer: first.count, hiddenLayers: [Int](repeating: count, count: levels), budget: c.solver.memoryBudget)
      var gen = SeededGenerator(seed: seed &+ 0x9E37_79B9)
      // The second layer from branches on the sampled first layer (each pattern realised by a point of the program);
      // deeper levels from random chains.
      hidden.append(try HiddenPatterns.sample(count: count, data: z, firstLayerGates: first.gates, generator: &gen))
      for level in 3..<(2 + levels) { hidden.append(try HiddenPatterns.sample(count: count, data: z, level: level, generator: &gen)) }
    }
    let program = try ParallelReLUProgram(data: z, targets: y, firstLayer: first, hiddenLayers: hidden, beta: c.beta, loss: c.loss)
    let sol = try program.solve(options: c.solver)
    fitted = Fitted(
      means: means, scales: scales, network: c.depth == 3 ? sol.network : nil, deepNetwork: sol.deepNetwork, report: sol.report,
      boundScope: sol.boundScope, firstLayerPatterns: first.count, hiddenLayerPatterns: hidden.map(\.count))
    fitted?.uncoveredSamples = (0..<z.rows).reduce(0) { first.covers(sample: $1) ? $0 : $0 + 1 }
    fitted?.relativeBeta = Self.relativeBeta(c.beta, data: z, targets: y, first: first, second: hidden[0])
  }

  /// β / c̄(y) with c̄(y) = max_{i,l} ‖Xᵀ D1ᵢ D2ₗ y‖: the dual norm bound of §3.5 at v = y with zero multipliers, so at
  /// depth 3 β ≥ c̄(y) makes u = 0 optimal. One GEMM per second-layer pattern; nil when c̄(y) = 0.
  static func relativeBeta(_ beta: Double, data z: Matrix, targets y: [Double], first: ActivationPatterns, second: HiddenPatterns) -> Double? {
    let n = z.rows, p1 = first.count
    var largest = 0.0
    var weighted = Matrix(rows: n, columns: p1)
    for l in 0..<second.count {
      for i in 0..<p1 { for j in 0..<n { weighted[j, i] = first.masks[j, i] * second.masks[j, l] * y[j] } }
      let products = Matrix.product(z, weighted, transA: .transpose)
      for i in 0..<p1 {
        var s = 0.0
        for c in 0..<z.columns { s += products[c, i] * products[c, i] }
        largest = Swift.max(largest, s.squareRoot())
      }
    }
    return largest > 0 ? beta / largest : nil
  }

  /// Records the data's column names (features, then targets) for the model file.
  public mutating func recordColumns(_ columns: ConvexReLUEstimator.DataColumns) throws(ConvexReLUError) {
    guard var f = fitted else { throw .invalidParameter("the estimator is not fitted; call fit first") }
    guard columns.features.count == f.means.count else {
      throw .shapeMismatch("\(columns.features.count) feature names for a model of \(f.means.count) features")
    }
    f.columns = columns
    fitted = f
  }

  /// R² (squared loss) or accuracy (sign of f against ±1 labels) on raw features.
  public func score(_ x: Matrix, _ y: [Double]) throws -> Double {
    let yhat = try predict(x)
    guard yhat.count == y.count else { throw ConvexReLUError.shapeMismatch("\(yhat.count) predictions for \(y.count) targets") }
    if configuration.loss == .squared {
      let mean = y.reduce(0, +) / Double(Swift.max(1, y.count))
      var ss = 0.0, tot = 0.0
      for j in 0..<y.count {
        ss += (y[j] - yhat[j]) * (y[j] - yhat[j])
        tot += (y[j] - mean) * (y[j] - mean)
      }
      return tot > 0 ? 1 - ss / tot : (ss == 0 ? 1 : 0)
    }
    return Double(zip(yhat, y).filter { ($0 >= 0 ? 1.0 : -1.0) == $1 }.count) / Double(Swift.max(1, y.count))
  }

  /// Predictions f(X) on raw features (preprocessed as in `fit`).
  public func predict(_ x: Matrix) throws -> [Double] {
    guard let f = fitted else { throw ConvexReLUError.invalidParameter("the estimator is not fitted; call fit first") }
    return f.deepNetwork.predict(try ConvexReLUEstimator.preprocess(x, means: f.means, scales: f.scales, bias: configuration.bias))
  }

  /// The fit's summary (the keys of the two-layer fit plus `branches`, `widths`, `patterns2`, `hidden_patterns`,
  /// `depth`, `penalty`).
  public func summaryJSON() throws -> JSON {
    guard let f = fitted else { throw ConvexReLUError.invalidParameter("the estimator is not fitted; call fit first") }
    let r = f.report
    return .object([
      ("objective", .number(r.objective)), ("lower_bound", .number(r.lowerBound)), ("gap", .number(r.gap)),
      ("relative_gap", .number(r.relativeGap)), ("branches", .number(Double(f.deepNetwork.branches.count))),
      ("widths", .numbers(f.deepNetwork.branches.map { Double($0.layers[0].columns) })), ("patterns", .number(Double(f.firstLayerPatterns))),
      ("patterns2", .number(Double(f.secondLayerPatterns))), ("hidden_patterns", .numbers(f.hiddenLayerPatterns.map(Double.init))),
      ("iterations", .number(Double(r.iterations))),
      ("seconds", .number(r.seconds)), ("bound_scope", .string(f.boundScope.rawValue)), ("stop_reason", .string(r.stopReason.rawValue)),
      ("constraint_violation", .number(r.constraintViolation)), ("model", .string("parallel-relu")), ("depth", .number(Double(configuration.depth))),
      ("penalty", .string(configuration.depth == 3 ? "branch: ‖W1‖_F‖w2‖|z|" : "path norm")),
      ("loss", .string(configuration.loss.rawValue)), ("beta", .number(configuration.beta)),
    ])
  }
}
