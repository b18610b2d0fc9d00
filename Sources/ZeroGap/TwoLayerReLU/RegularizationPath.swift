import Foundation

/// Certified two-layer fits over a sequence of β, each warm-started from the previous one (MATH.md §3.3/§3.6 at
/// every β), with training and validation error, and the β of the best validation error.
///
/// β runs from large to small: the solution at a larger β is sparse and a good start for the next. `auto(count)`
/// spaces `count` values logarithmically from β_max down to 10⁻³·β_max, where β_max = max_i ‖ZᵀD_i ∇ℓ(ŷ₀)‖ over the
/// program's patterns (ŷ₀ = 0, or the best constant with an unregularised bias): at β ≥ β_max the gated program's
/// optimum — and so the ReLU program's — is the zero network.
public struct RegularizationPath: Sendable {
  /// Which β values to fit.
  public enum Betas: Sendable, Equatable {
    /// Explicit values (fitted in decreasing order).
    case values([Double])
    /// `count` values log-spaced from β_max down to 10⁻³ β_max.
    case auto(count: Int)
  }

  /// One fit of the path.
  public struct Row: Sendable {
    public var beta: Double
    public var objective: Double
    public var lowerBound: Double
    public var relativeGap: Double
    public var neurons: Int
    public var iterations: Int
    public var stopReason: StopReason
    /// Mean squared error (squared loss) or misclassification rate (logistic, hinge) on the training part.
    public var trainError: Double
    /// The same on the validation part (nil without one).
    public var validationError: Double?
  }

  public var rows: [Row]
  /// The index of the best validation error (the first on ties: the larger β, the simpler network); without a
  /// validation part, nil.
  public var chosen: Int?
  /// The fitted estimators, one per row (for saving the chosen model).
  public var estimators: [ConvexReLUEstimator]
  /// β_max of the training data and the configuration's patterns.
  public var betaMax: Double

  /// Runs the path on (x, y) split into training and validation parts (`validationFraction` of the samples, a
  /// seeded shuffle; 0 for none). The configuration's β is replaced by each path value; everything else (patterns,
  /// loss, preprocessing, solver) is kept.
  /// - Parameter warmStart: false fits every β cold (for comparison).
  /// - Throws: `ConvexReLUError`/`DataError` for bad data, β values or fractions.
  public static func run(
    configuration: ConvexReLUEstimator.Configuration, data x: Matrix, targets y: [Double], betas: Betas,
    validationFraction: Double = 0.2, seed: UInt64 = 0, warmStart: Bool = true,
    progress: ((Int, Row) -> Void)? = nil
  ) throws -> RegularizationPath {
    guard x.rows == y.count else { throw ConvexReLUError.shapeMismatch("X has \(x.rows) rows but y has \(y.count) entries") }
    var trainX = x, trainY = y
    var validation: (x: Matrix, y: [Double])? = nil
    if validationFraction != 0 {
      let split = try Dataset(name: "data", features: x, targets: Matrix(column: y)).trainTestSplit(testFraction: validationFraction, seed: seed)
      (trainX, trainY) = (split.train.features, split.train.targets.column(0))
      validation = (split.test.features, split.test.targets.column(0))
    }
    var probe = ConvexReLUEstimator(configuration: configuration)
    let betaMax = try probe.betaMax(data: trainX, targets: trainY)
    let values: [Double]
    switch betas {
    case .values(let v):
      guard !v.isEmpty, v.allSatisfy({ $0 > 0 && $0.isFinite }) else {
        throw ConvexReLUError.invalidParameter("every β of the path must be a finite number > 0 (got \(v))")
      }
      values = v.sorted(by: >)
    case .auto(let count):
      guard count >= 1, count <= 1000 else { throw ConvexReLUError.invalidParameter("auto:N needs 1 ≤ N ≤ 1000 values (got \(count))") }
      guard betaMax > 0 else {
        throw ConvexReLUError.invalidParameter("β_max is 0 (the targets are fitted by the zero network already); give --betas explicitly")
      }
      values = (0..<count).map { k in betaMax * Foundation.pow(10, count == 1 ? 0 : -3 * Double(k) / Double(count - 1)) }
    }
    var rows: [Row] = [], estimators: [ConvexReLUEstimator] = []
    var previous: ConvexReLUSolution? = nil
    for (k, beta) in values.enumerated() {
      var est = probe
      est.configuration.beta = beta
      let solution = try est.fit(data: trainX, targets: trainY, warmStart: warmStart ? previous : nil)
      previous = solution
      guard let f = est.fitted else { continue }
      let row = Row(
        beta: beta, objective: f.report.objective, lowerBound: f.report.lowerBound, relativeGap: f.report.relativeGap,
        neurons: f.network.width, iterations: f.report.iterations, stopReason: f.report.stopReason,
        trainError: try est.error(trainX, trainY), validationError: try validation.map { try est.error($0.x, $0.y) })
      rows.append(row)
      estimators.append(est)
      progress?(k, row)
    }
    var chosen: Int? = nil
    for (k, r) in rows.enumerated() {
      guard let e = r.validationError else { break }
      if chosen == nil || e < rows[chosen!].validationError! { chosen = k }
    }
    probe.fitted = nil
    return RegularizationPath(rows: rows, chosen: chosen, estimators: estimators, betaMax: betaMax)
  }
}

extension ConvexReLUEstimator {
  /// β_max = max_i ‖ZᵀD_i ∇ℓ(ŷ₀)‖ over this configuration's patterns on the preprocessed data (ŷ₀ = 0, or the best
  /// constant with an unregularised output bias): the smallest β whose gated optimum is the zero network.
  public mutating func betaMax(data x: Matrix, targets labels: [Double]) throws -> Double {
    var y = labels
    if configuration.loss != .squared { y = try ClassLabels.encoding(labels, loss: configuration.loss).1 }
    let (_, _, z, patterns) = try prepare(x)
    let n = Double(max(1, y.count))
    let offset = configuration.unregularizedBias ? y.reduce(0, +) / n : 0
    let v = configuration.loss.dualPoint([Double](repeating: offset, count: y.count), y)
    return ReLUCertificate.dualNormBound(v, data: z, patterns: patterns)
  }

  /// Mean squared error (squared loss) or misclassification rate (classification) on (x, labels).
  public func error(_ x: Matrix, _ labels: [Double]) throws -> Double {
    if configuration.loss != .squared { return 1 - (try score(x, labels)) }
    let yhat = try predict(x)
    return zip(yhat, labels).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(max(1, labels.count))
  }
}
