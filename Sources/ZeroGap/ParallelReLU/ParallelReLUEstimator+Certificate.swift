/// A duality certificate of a fitted parallel network on data (MATH.md §3.5 carried to the dictionary of §4.2–§4.3):
/// the network's objective (an upper bound) and a dual lower bound `−ℓ*(−s v)` at v = −∇ℓ(ŷ), s = min(1, β/c̄), for
/// any c̄ ≥ c(v) = max over unit branches g of |vᵀg|. Two c̄:
/// * `crude`: ‖Z‖₂‖v‖ (every unit branch has ‖g‖ ≤ ‖Z‖₂), valid for every parallel network of the fitted depth;
/// * `global` (`enumerate`, n ≤ `HiddenPatterns.enumerationLimit`): the Lagrangian bound of the program over all
///   patterns of every layer, max_b ‖(𝒳ᵀ(𝒜ᵀv + 𝒞ᵀΛ))_b‖ with multipliers Λ ≥ 0 polished by projected gradient
///   (`MultiplierPolish`, 20 000 steps from Λ = 0) — valid for any Λ ≥ 0, tight only as far as the polish gets
///   (on Example C: 1.7e-6 relative below the network's objective, in 0.4 s); the smaller of the two is used.
/// Both cover every parallel ReLU network of this depth (any width, any number of branches; at depth ≥ 4 under the
/// path norm).
public struct ParallelCertificate: Sendable {
  public var objective: Double
  public var lowerBound: Double
  public var scope: BoundScope
  public var dualNormBound: Double
  public var gap: Double { objective - lowerBound }
  public var relativeGap: Double { gap / Swift.max(abs(objective), Double.leastNormalMagnitude) }
}

extension ParallelReLUEstimator {
  /// - Throws: `ConvexReLUError` when not fitted, for data that does not match, or patterns too many to enumerate.
  public func certificate(_ x: Matrix, _ y: [Double], enumerate: Bool = false) throws -> ParallelCertificate {
    guard let f = fitted else { throw ConvexReLUError.invalidParameter("the estimator is not fitted; call fit first") }
    let c = configuration
    let z = try ConvexReLUEstimator.preprocess(x, means: f.means, scales: f.scales, bias: c.bias)
    guard z.rows == y.count else { throw ConvexReLUError.shapeMismatch("\(y.count) targets for \(z.rows) samples") }
    try c.loss.validate(targets: y)
    let yhat = f.deepNetwork.predict(z)
    let penalty = f.network?.penalty ?? f.deepNetwork.penalty
    let objective = c.loss.value(yhat, y) + c.beta * penalty
    let loss = SolverLoss(c.loss)
    let v = loss.dualPoint(yhat, y)
    let zNorm = (try? z.spectralNorm()) ?? z.frobeniusNorm
    var cbar = zNorm * v.norm2
    var scope = BoundScope.crude
    if enumerate {
      let first = try ActivationPatterns.enumerate(data: z)
      let all = try HiddenPatterns.all(sampleCount: z.rows)
      try ParallelReLUProgram.requireMemory(
        n: z.rows, d: z.columns, firstLayer: first.count, hiddenLayers: [Int](repeating: all.count, count: c.depth - 2), budget: c.solver.memoryBudget)
      let program = ParallelReLUBlocks(
        x: z, targets: y, beta: c.beta, loss: loss, masks1: first.masks, gates1: first.gates,
        hidden: [Matrix](repeating: all.masks, count: c.depth - 2))
      let gradient = v.map { -$0 }
      var t = Matrix(rows: program.productShape.rows, columns: program.productShape.columns)
      var g = Matrix(rows: program.blockShape.rows, columns: program.blockShape.columns)
      program.adjoint(gradient, scale: -1, multipliers: nil, into: &t)
      program.liftAdjoint(t, into: &g)
      var bounds = [Double](repeating: 0, count: program.blockCount)
      program.blockNorms(g, into: &bounds)
      var polish = MultiplierPolish(program: program, active: true, steps: 20_000)
      polish.improve(&bounds, start: Matrix(rows: program.constraintShape.rows, columns: program.constraintShape.columns), lossGradient: gradient)
      let lagrangian = bounds.max() ?? 0
      if lagrangian < cbar { cbar = lagrangian }
      scope = .global
    }
    let lower = CertifiedLoop.dualBound(v: v, y: y, loss: loss, dualNormBound: cbar, beta: c.beta)
    return ParallelCertificate(objective: objective, lowerBound: Swift.min(lower, objective), scope: scope, dualNormBound: cbar)
  }
}
