/// The hinge-loss programs (MATH.md §3.8, `ℓ = Σ (1 − y_j ŷ_j)_+`) through Huber smoothing under continuation.
///
/// Stage k minimises the program with the Huber-smoothed hinge `ℓ_μ` (`SolverLoss`, ∇ℓ_μ (1/μ)-Lipschitz) with
/// FISTA / the augmented Lagrangian, warm-started from stage k − 1, then μ ← μ/10. After every stage the TRUE hinge
/// problem is certified:
///
/// * upper bound: the true hinge objective of the recovered network, `Σ(1 − y_j f(x_j))_+ + β Σ_b ‖u_b‖`;
/// * lower bound (gated, §3.6 dual): v = −∇ℓ_μ(ŷ) has `0 ≤ y_j v_j ≤ 1`; with `c̄ = max_i ‖XᵀD_i v‖`,
///   `LB = max_{0 ≤ s ≤ min(β/c̄, 1/max_j y_j v_j)} s Σ_j y_j v_j` — the hinge dual `max Σ y_j v_j` s.t.
///   `0 ≤ y_j v_j ≤ 1`, c(v) ≤ β, at a feasible point;
/// * lower bound (ReLU): the smoothed program's certified bound (≤ its optimum ≤ the hinge optimum since ℓ_μ ≤ ℓ).
///
/// The solve stops when the true certified relative gap is at most the tolerance.
extension ConvexReLUProgram {
  func solveHinge(options: ConvexSolverOptions, warmStart: ConvexReLUSolution?) -> ConvexReLUSolution {
    var loop = CertifiedLoop(options: options)
    let hinge = ConvexLoss.hinge
    var mu = 1.0
    var current = warmStart
    var best: ConvexReLUSolution? = nil
    var iterations = 0, outer = 0
    var violation = 0.0
    var passes: Double? = nil
    var newtonSteps: Int? = nil
    while true {
      var stage = options
      stage.tolerance = Swift.max(options.tolerance * 0.25, 0.05 * mu, 1e-14)
      stage.maxIterations = Swift.max(1, options.maxIterations - iterations)
      stage.maxOuterIterations = Swift.max(1, options.maxOuterIterations - outer)
      let smooth = SolverLoss(.hinge, smoothing: mu, rows: rows)
      let sol = solveStage(loss: smooth, options: stage, warmStart: current)
      iterations += sol.report.iterations
      outer += sol.report.outerIterations
      if let p = sol.report.dataPasses { passes = (passes ?? 0) + p }
      if let k = sol.report.newtonSteps { newtonSteps = (newtonSteps ?? 0) + k }
      current = sol
      // True hinge certificate of this stage's network.
      let convexPrediction = prediction(positive: sol.positive, negative: sol.negative)
      let networkPrediction: [Double]
      if model == .relu {
        networkPrediction = sol.network(gates: patterns.gates).predict(data).column(0)
      } else {
        networkPrediction = convexPrediction
      }
      let penalty = blockNormSum(sol.positive) + (sol.negative.map(blockNormSum) ?? 0)
      let ub = hinge.value(networkPrediction, targets) + beta * penalty
      var lb = sol.report.lowerBound
      if model == .gatedReLU {
        let v = smooth.dualPoint(convexPrediction, targets)
        let cbar = ReLUCertificate.dualNormBound(v, data: data, patterns: patterns)
        lb = Swift.max(lb, CertifiedLoop.dualBound(v: v, y: targets, loss: hinge, dualNormBound: cbar, beta: beta))
      }
      // A point of the program (the same test as every exact solver's, `ConeRepair.isFeasible`).
      let feasible = model == .gatedReLU || ConeRepair.isFeasible(
        xu: Matrix.product(data, layout.join(positive: sol.positive, negative: sol.negative)), masks: layout.perBlock(patterns.masks))
      if feasible && loop.offerUpper(ub) {
        best = sol
        violation = sol.report.constraintViolation
      }
      loop.offerLower(lb)
      if loop.checkpoint(iteration: iterations) { break }
      if sol.report.stopReason == .diverged {
        loop.stopReason = .diverged
        break
      }
      if iterations >= options.maxIterations || (model == .relu && outer >= options.maxOuterIterations) || mu < 1e-13 { break }
      mu *= 0.1
    }
    var out = best ?? current ?? solveStage(loss: SolverLoss(.hinge, smoothing: mu, rows: rows), options: options, warmStart: nil)
    out.report = loop.report(iterations: iterations, outerIterations: outer, constraintViolation: violation)
    out.report.dataPasses = passes
    out.report.newtonSteps = newtonSteps
    return out
  }

  /// Σ_b ‖u_b‖₂ over the columns of a d×B block matrix.
  func blockNormSum(_ u: Matrix) -> Double {
    var s = 0.0
    for b in 0..<u.columns { s += u.column(b).norm2 }
    return s
  }
}
