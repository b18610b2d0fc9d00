/// Vector outputs for the estimator (MATH.md §3.9): a target matrix Y (n×k, squared loss).
///
/// The fitted network is the per-column upper-bound network (one scalar program per column, its neurons each
/// feeding one output); the report's objective is the sum of the per-column objectives (attained by that network)
/// and its lower bound is the certified bound of the nuclear-norm gated program over the same patterns.
extension ConvexReLUEstimator {
  /// Fits on X (n×d) and Y (n×k). k = 1 is `fit(data:targets:)`.
  /// - Throws: `ConvexReLUError` for shapes, a non-squared loss or an unpenalised bias with k > 1, β, patterns.
  public mutating func fit(data x: Matrix, targetMatrix y: Matrix) throws {
    if y.columns == 1 { return try fit(data: x, targets: y.column(0)) }
    let c = configuration
    guard x.rows == y.rows else { throw ConvexReLUError.shapeMismatch("X has \(x.rows) rows but Y has \(y.rows) rows") }
    guard x.rows >= 1, x.columns >= 1, y.columns >= 1 else {
      throw ConvexReLUError.shapeMismatch("X is \(x.rows)×\(x.columns) and Y is \(y.rows)×\(y.columns); need samples, features and outputs")
    }
    guard c.loss == .squared else {
      throw ConvexReLUError.invalidParameter("vector outputs (k = \(y.columns) target columns) are implemented for the squared loss (MATH.md §3.9); fit one column at a time for \(c.loss.rawValue)")
    }
    guard !c.unregularizedBias else {
      throw ConvexReLUError.invalidParameter("the unpenalised output bias is implemented for one output; drop it or fit one column at a time")
    }
    guard y.isFinite else { throw ConvexReLUError.nonFinite("the targets Y contain NaN or infinite values") }
    let (means, scales, z, patterns) = try prepare(x)
    let r = try VectorOutputReLU.solve(data: z, targets: y, patterns: patterns, beta: c.beta, model: c.model, options: c.solver)
    let parts = r.perOutput.map(\.report) + [r.nuclearReport]
    let converged = parts.allSatisfy { $0.stopReason == .converged }
    var report = ConvexSolverReport(
      iterations: parts.reduce(0) { $0 + $1.iterations }, outerIterations: parts.reduce(0) { $0 + $1.outerIterations },
      seconds: parts.reduce(0) { $0 + $1.seconds }, stopReason: converged ? .converged : .maxIterations,
      objective: r.upperBound, lowerBound: r.lowerBound,
      constraintViolation: parts.reduce(0) { Swift.max($0, $1.constraintViolation) })
    // Converged only when the reported bounds (per-output networks against the nuclear-norm bound) are within tol.
    report.enforceCertificate(tolerance: c.solver.tolerance)
    fitted = Fitted(
      means: means, scales: scales, gates: patterns.gates, patternOrigin: patterns.origin, network: r.network,
      report: report, boundScope: r.scope, globalCertificate: nil)
  }

  /// R² over all outputs: `1 − Σ‖Y − Ŷ‖² / Σ_c ‖Y_c − mean(Y_c)‖²`.
  public func score(_ x: Matrix, targetMatrix y: Matrix) throws -> Double {
    let yhat = try predictOutputs(x)
    guard yhat.rows == y.rows, yhat.columns == y.columns else {
      throw ConvexReLUError.shapeMismatch("predictions are \(yhat.rows)×\(yhat.columns) but Y is \(y.rows)×\(y.columns)")
    }
    var ssRes = 0.0, ssTot = 0.0
    for c in 0..<y.columns {
      let col = y.column(c)
      let mean = col.reduce(0, +) / Double(Swift.max(1, col.count))
      for j in 0..<y.rows {
        ssRes += (y[j, c] - yhat[j, c]) * (y[j, c] - yhat[j, c])
        ssTot += (y[j, c] - mean) * (y[j, c] - mean)
      }
    }
    return ssTot > 0 ? 1 - ssRes / ssTot : (ssRes == 0 ? 1 : 0)
  }
}
