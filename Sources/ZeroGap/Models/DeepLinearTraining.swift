import RealModule

/// The two architectures of MATH.md §1–§2.
public enum LinearArchitecture: String, Sendable, CaseIterable {
  case standard
  case parallel
}

/// Nonconvex training of deep linear networks, the independent check of every closed form (MATH.md
/// §1–§2, §10): builds the network objective for an architecture, depth and mode, chooses widths that
/// can attain the optimum, and trains it with `TwoPhaseTrainer` (Adam, then GD) from seeded restarts.
///
/// * Standard, regularised: `DeepLinearObjective`, hidden widths min(d, k) (≥ rank W*).
/// * Standard, min-norm: `DeepLinearMinimumNormObjective`, hidden widths rank(X) (min-norm last layer).
/// * Parallel (R2 by default), regularised: min(d, k) branches; min-norm: rank(X) branches; inner widths 1.
///
/// The learning rates are scaled to the data: Adam `0.01·σ₁^{1/L}`; GD `0.25/(L·‖X‖₂²·σ₁^{2(L−1)/L} + β)`
/// (regularised) or `0.1·σ₁^{(4−2L)/L}` (min-norm, whose objective does not depend on the scale of X)
/// with σ₁ = max(σ₁(M), 1e-3), and the initialisation scale is `0.5·σ₁^{1/L}/√width`.
public struct DeepLinearTraining: Sendable {
  public let data: DeepLinearData
  public let depth: Int
  public let architecture: LinearArchitecture
  /// β, or nil for min-norm interpolation.
  public let beta: Double?
  public var parallelRegularizer: ParallelRegularizer = .r2
  public var restarts: Int
  public var adamIterations: Int
  public var gdIterations: Int

  public init(data: DeepLinearData, depth: Int, architecture: LinearArchitecture, beta: Double?, restarts: Int = 4,
              adamIterations: Int = 3000, gdIterations: Int = 20000) throws(DeepLinearError) {
    guard depth >= (architecture == .parallel ? 2 : 1) else {
      throw .invalidDepth(depth, minimum: architecture == .parallel ? 2 : 1)
    }
    if let beta { guard beta >= 0, beta.isFinite else { throw .invalidBeta(beta) } } else { try data.requireRealizable() }
    guard restarts >= 1 else { throw .invalidParameter("restarts must be ≥ 1 (got \(restarts))") }
    self.data = data
    self.depth = depth
    self.architecture = architecture
    self.beta = beta
    self.restarts = restarts
    self.adamIterations = adamIterations
    self.gdIterations = gdIterations
  }

  /// The outcome: the best objective over restarts (nil if every restart failed) and every run's value.
  public struct Outcome: Sendable {
    public var best: Double?
    public var runValues: [Double]
    /// ‖F − Y‖_F of the best min-norm network (nil in regularised mode).
    public var interpolationResidual: Double?
  }

  private var scale: Double { Swift.max(data.singularValues.first ?? 0, 1e-3) }

  private func trainer() throws(DeepLinearError) -> TwoPhaseTrainer {
    let L = Double(depth)
    let xNorm = Swift.max(data.singularValuesX.first ?? 1, 1e-12)
    // Min-norm objectives are invariant to the scale of X (B⁺Y does not change), so only σ(M) matters.
    let gd = beta == nil
      ? 0.1 * Double.pow(scale, 2 / L) / Double.pow(scale, 2 * (L - 1) / L)
      : 0.25 / (L * xNorm * xNorm * Double.pow(scale, 2 * (L - 1) / L) + (beta ?? 0))
    return TwoPhaseTrainer(adamLearningRate: 0.01 * Double.pow(scale, 1 / L), adamIterations: adamIterations,
                           gdLearningRate: gd, gdIterations: gdIterations, restarts: restarts)
  }

  /// Trains from seeded restarts.
  public func train(using generator: inout SeededGenerator) throws(DeepLinearError) -> Outcome {
    let d = data.x.columns, k = data.y.columns, L = depth
    let t = try trainer()
    let rankX = Swift.max(data.rankX, 1)
    func initScale(_ width: Int) -> Double { 0.5 * Double.pow(scale, 1 / Double(L)) / Double(width).squareRoot() }
    switch (architecture, beta) {
    case (.standard, .some(let b)):
      let w = Swift.min(d, k)
      var obj = try DeepLinearObjective(x: data.x, y: data.y, hiddenWidths: Array(repeating: w, count: L - 1), beta: b)
      obj.initScale = initScale(w)
      let r = t.train(obj, using: &generator)
      return Outcome(best: r.best?.objective, runValues: r.runs.map(\.objective), interpolationResidual: nil)
    case (.standard, .none):
      if L == 1 {
        let p = 0.5 * data.m.dot(data.m)
        return Outcome(best: p, runValues: [p], interpolationResidual: (Matrix.product(data.x, data.m) - data.y).frobeniusNorm)
      }
      var obj = try DeepLinearMinimumNormObjective(x: data.x, y: data.y, hiddenWidths: Array(repeating: rankX, count: L - 1))
      obj.initScale = initScale(rankX)
      let r = t.train(obj, using: &generator)
      return Outcome(best: r.best?.objective, runValues: r.runs.map(\.objective),
                     interpolationResidual: r.best.map { obj.residual($0.parameters) })
    case (.parallel, let b):
      let m = b == nil ? rankX : Swift.min(d, k)
      var obj = try ParallelLinearObjective(x: data.x, y: data.y, depth: L, hiddenWidths: Array(repeating: 1, count: L - 2),
                                            branches: m, regularizer: parallelRegularizer, beta: b)
      obj.initScale = initScale(1)
      let r = t.train(obj, using: &generator)
      return Outcome(best: r.best?.objective, runValues: r.runs.map(\.objective),
                     interpolationResidual: b == nil ? r.best.map { obj.residual($0.parameters) } : nil)
    }
  }
}
