import RealModule

/// Nonconvex training of deep linear networks, the independent check of every closed form (MATH.md
/// §1–§2, §10): builds the network objective for an architecture, depth and mode, chooses widths that
/// can attain the optimum, and trains it with `TwoPhaseTrainer` (Adam, then an L-BFGS polish with a
/// monotone line search) from seeded restarts.
///
/// * Standard, regularised: `DeepLinearObjective`, hidden widths min(d, k) (≥ rank W*).
/// * Parallel, regularised (R2 by default): `ParallelLinearObjective`, min(d, k) branches, inner widths 1.
/// * Min-norm (both architectures): `MinimumNormFirstLayerObjective` — the problem reduced to
///   range(Xᵀ) × rowspace(Y), hidden widths / branches r = rank X⁺Y, first layer W̃_1 = M̃C⁻¹ solved
///   exactly, so every iterate interpolates Y and the optimum is interior (also when rank X⁺Y < rank X).
///
/// Scales (σ₁ = max(σ₁(X⁺Y), 1e-3)): Adam learning rate `0.01·σ₁^{1/L}`; initial layers that scale
/// their input by about `σ₁^{1/L}` (regularised: entries N(0, σ₁^{2/L}/width)), so the end-to-end
/// map starts at the scale of the solution rather than near the order-L saddle at 0.
public struct DeepLinearTraining: Sendable {
  public let data: DeepLinearData
  public let depth: Int
  public let architecture: NetworkArchitecture
  /// β, or nil for min-norm interpolation.
  public let beta: Double?
  public var parallelRegularizer: ParallelRegularizer = .r2
  public var restarts: Int
  public var adamIterations: Int
  /// Iteration budget of the L-BFGS polish of each restart.
  public var polishIterations: Int
  /// Relative gradient tolerance of the polish: a restart converged when ‖∇f‖₂ ≤ tol·max(1, |f|).
  public var gradientTolerance: Double

  public init(data: DeepLinearData, depth: Int, architecture: NetworkArchitecture, beta: Double?, restarts: Int = 4,
              adamIterations: Int = 1000, polishIterations: Int = 5000, gradientTolerance: Double = 1e-9) throws(DeepLinearError) {
    guard depth >= (architecture == .parallel ? 2 : 1) else {
      throw .invalidDepth(depth, minimum: architecture == .parallel ? 2 : 1)
    }
    if let beta { guard beta >= 0, beta.isFinite else { throw .invalidBeta(beta) } } else { try data.requireRealizable() }
    guard restarts >= 1 else { throw .invalidParameter("restarts must be ≥ 1 (got \(restarts))") }
    guard adamIterations >= 0, polishIterations >= 0 else {
      throw .invalidParameter("iteration budgets must be ≥ 0 (got Adam \(adamIterations), polish \(polishIterations))")
    }
    guard gradientTolerance > 0, gradientTolerance.isFinite else {
      throw .invalidParameter("the gradient tolerance must be a finite number > 0 (got \(gradientTolerance))")
    }
    self.data = data
    self.depth = depth
    self.architecture = architecture
    self.beta = beta
    self.restarts = restarts
    self.adamIterations = adamIterations
    self.polishIterations = polishIterations
    self.gradientTolerance = gradientTolerance
  }

  /// The outcome: the best objective over restarts (nil if every restart failed) and every run's value.
  public struct Outcome: Sendable {
    public var best: Double?
    public var runValues: [Double]
    /// ‖F − Y‖_F of the best min-norm network (nil in regularised mode).
    public var interpolationResidual: Double?
    /// Whether the best restart met the polish's gradient tolerance (true for closed-form rows such as
    /// L = 1 min-norm or Y = 0). If false, `best` is still an attained value (an upper bound on the
    /// minimum) but may be above it.
    public var converged: Bool = false
  }

  private var scale: Double { Swift.max(data.singularValues.first ?? 0, 1e-3) }

  private func trainer() -> TwoPhaseTrainer {
    var t = TwoPhaseTrainer(adamLearningRate: 0.01 * Double.pow(scale, 1 / Double(depth)), adamIterations: adamIterations,
                            restarts: restarts)
    t.lbfgsPolish = LBFGS(iterations: polishIterations, gradientTolerance: gradientTolerance)
    return t
  }

  private static func outcome(_ r: (runs: [NonconvexTrainer<GradientDescent>.Run], best: NonconvexTrainer<GradientDescent>.Run?),
                              residual: Double?) -> Outcome {
    Outcome(best: r.best?.objective, runValues: r.runs.map(\.objective), interpolationResidual: residual,
            converged: r.best?.stopReason == .converged)
  }

  /// Trains the parallel network under the t-form regulariser R3 (§2, `ParallelLinearTFormObjective`; depth ≥ 3):
  /// t trained with the weights; inner widths min(d, k) (regularised) or r.
  ///
  /// Min-norm: the value depends on σ(X⁺Y) only, and (as in `MinimumNormReduction`) every interpolating network
  /// maps, with the same layer norms, to one of the reduced problem X̂ = I_r, Ŷ = diag(σ₁, …, σ_r), r = rank X⁺Y
  /// (W_1 → U_Mᵀ-rotated, w_L → V_M-rotated) and back. It is trained there with r branches, so the branch features
  /// form a square invertible matrix and the solved output rows interpolate exactly (with rank X > r branches
  /// the extra ones would have to vanish, where that solve degenerates). Regularised: min(d, k) branches on X, Y.
  public func trainTForm(using generator: inout SeededGenerator) throws(DeepLinearError) -> Outcome {
    let d = data.x.columns, k = data.y.columns, L = depth
    var x = data.x, y = data.y
    var branches = Swift.min(d, k), width = Swift.min(d, k)
    if beta == nil {
      let sigma = data.singularValues.filter { $0 > 0 }
      guard !sigma.isEmpty else { return Outcome(best: 0, runValues: [0], interpolationResidual: data.y.frobeniusNorm, converged: true) }
      (x, y) = (Matrix.identity(sigma.count), Matrix.diagonal(sigma))
      (branches, width) = (sigma.count, sigma.count)
    }
    let obj = try ParallelLinearTFormObjective(
      x: x, y: y, depth: L, hiddenWidths: Array(repeating: width, count: L - 2), branches: branches, beta: beta,
      initScale: Double.pow(scale, 1 / Double(L)))
    let r = trainer().train(obj, using: &generator)
    let residual = beta == nil ? r.best.flatMap { obj.network($0.parameters) }.map { ($0.predict(x) - y).frobeniusNorm } : nil
    return Self.outcome(r, residual: residual)
  }

  /// Trains from seeded restarts.
  public func train(using generator: inout SeededGenerator) throws(DeepLinearError) -> Outcome {
    let d = data.x.columns, k = data.y.columns, L = depth
    let t = trainer()
    let layerScale = Double.pow(scale, 1 / Double(L))
    switch (architecture, beta) {
    case (.standard, .some(let b)):
      let w = Swift.min(d, k)
      var obj = try DeepLinearObjective(x: data.x, y: data.y, hiddenWidths: Array(repeating: w, count: L - 1), beta: b)
      obj.initScale = layerScale / Double(w).squareRoot()
      return Self.outcome(t.train(obj, using: &generator), residual: nil)
    case (.parallel, .some(let b)):
      let m = Swift.min(d, k)
      var obj = try ParallelLinearObjective(x: data.x, y: data.y, depth: L, hiddenWidths: Array(repeating: 1, count: L - 2),
                                            branches: m, regularizer: parallelRegularizer, beta: b)
      obj.initScale = layerScale * Double.pow(Double(d * k), -0.5 / Double(L))
      return Self.outcome(t.train(obj, using: &generator), residual: nil)
    case (_, .none):
      let residualM = (Matrix.product(data.x, data.m) - data.y).frobeniusNorm
      if architecture == .standard && L == 1 {
        let p = 0.5 * data.m.dot(data.m)
        return Outcome(best: p, runValues: [p], interpolationResidual: residualM, converged: true)
      }
      let reduction = try MinimumNormReduction(data: data)
      if reduction.rank == 0 {
        // Y = 0: the zero network interpolates with zero norm.
        return Outcome(best: 0, runValues: [0], interpolationResidual: data.y.frobeniusNorm, converged: true)
      }
      let obj = try MinimumNormFirstLayerObjective(
        reduction: reduction, architecture: architecture, depth: L,
        regularizer: architecture == .standard ? .weightDecay : parallelRegularizer, initScale: layerScale)
      let r = t.train(obj, using: &generator)
      return Self.outcome(r, residual: r.best.map { obj.residual($0.parameters, data: data) })
    }
  }
}
