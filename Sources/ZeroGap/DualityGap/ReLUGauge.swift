/// Minimum-norm interpolation by two-layer (MATH.md §3) and parallel deep (§4.3, §4.4) ReLU networks: the gauge
///
///     γ(y) = min { Σ_j |c_j| : y = Σ_j c_j g_j ,  g_j ∈ G }
///
/// of y for the network's unit dictionary G (two layers: g = (Xu)_+, ‖u‖ ≤ 1, the weight-decay value by rebalancing;
/// depth L ≥ 3: parallel branches of unit path norm, §4.4 — at depth 3 the branch penalty R1 ‖W₁‖_F‖w₂‖|z| of §4.3),
/// bounded from both sides through
/// the regularised convex program over **all** activation patterns as β → 0:
///
/// * **lower**: for every β, `p(β) = max_v yᵀv − ½‖v‖²` over `c(v) ≤ β` is at most `βγ`, so `LB(β)/β ≤ γ` for the
///   program's certified lower bound LB(β); the shortfall is at most `β‖u*‖²/2` (u* the min-norm dual point), so
///   β is chosen from a first solve to make it below 1e-8·γ;
/// * **upper**: the solution's network, made to interpolate by moving its output weights by the least-squares
///   correction `c ← c + A⁺(y − Ac)` over its own unit-penalty atoms A (an attained interpolating network).
struct ReLUGauge: Sendable {
  var lower: Double
  var upper: Double
  /// The smallest β solved.
  var beta: Double

  /// A solve of the regularised program: its certified lower bound and its network as unit-penalty atoms (n×m) with
  /// coefficients (the network's penalty is Σ|c_j|, its prediction A c).
  struct Solve {
    var lowerBound: Double
    var atoms: Matrix
    var coefficients: [Double]
  }

  /// - Parameters:
  ///   - depth: 2 (two-layer program) or ≥ 3 (the parallel program of that depth, every level enumerated).
  /// - Throws: `ConvexReLUError` from the programs; `.invalidParameter` when no interpolating network was found
  ///   (y is not realisable by the network class, e.g. a negative target with no way to produce it).
  static func compute(x: Matrix, y: [Double], depth: Int, options: ConvexSolverOptions) throws(ConvexReLUError) -> ReLUGauge {
    precondition(depth >= 2, "depth ≥ 2")
    let yNorm = y.norm2
    guard yNorm > 0 else { return ReLUGauge(lower: 0, upper: 0, beta: 0) }
    let xNorm: Double
    do { xNorm = try x.spectralNorm() } catch { throw .invalidParameter("the SVD of X failed: \(error)") }
    guard xNorm > 0 else { throw .invalidParameter("X is zero: no network can interpolate a nonzero y") }
    // β_ref = ‖y‖‖X‖₂ bounds c(y) for both dictionaries (‖g‖ ≤ ‖X‖₂ for every unit g).
    let betaRef = yNorm * xNorm
    var solveOptions = options
    solveOptions.tolerance = Swift.min(options.tolerance, 1e-9)
    let p1 = try ActivationPatterns.enumerate(data: x)
    let hidden = depth >= 3 ? [HiddenPatterns](repeating: try HiddenPatterns.all(sampleCount: x.rows), count: depth - 2) : []
    func solve(_ beta: Double) throws(ConvexReLUError) -> Solve {
      if !hidden.isEmpty {
        let sol = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, hiddenLayers: hidden, beta: beta).solve(options: solveOptions)
        var cols: [Double] = [], coefficients: [Double] = []
        // Branch j contributes z_j g_j(X) at path norm P_j: the unit atom z_j g_j / (±P_j) with coefficient ±P_j.
        for b in sol.deepNetwork.branches {
          let norm = b.pathNorm
          guard norm > 0 else { continue }
          let c = b.output >= 0 ? norm : -norm
          cols += b.value(x).map { b.output * $0 / c }
          coefficients.append(c)
        }
        return Solve(lowerBound: sol.report.lowerBound, atoms: Matrix(rows: x.rows, columns: coefficients.count, columnMajor: cols), coefficients: coefficients)
      }
      let sol = try ConvexReLUProgram(data: x, targets: y, patterns: p1, beta: beta).solve(options: solveOptions)
      let net = sol.network(gates: p1.gates)
      var cols: [Double] = [], coefficients: [Double] = []
      for j in 0..<net.firstLayer.columns {
        let u = net.firstLayer.column(j), norm = u.norm2
        guard norm > 0 else { continue }
        cols += x.multiply(u).map { Swift.max(0, $0) / norm }
        coefficients.append(net.outputWeights[j, 0] * norm)
      }
      return Solve(lowerBound: sol.report.lowerBound, atoms: Matrix(rows: x.rows, columns: coefficients.count, columnMajor: cols), coefficients: coefficients)
    }
    let beta1 = 1e-3 * betaRef
    let s1 = try solve(beta1)
    var lower = Swift.max(0, s1.lowerBound / beta1)
    var upper = interpolatingPenalty(s1, targets: y) ?? .infinity
    var residual = y
    let prediction = s1.atoms.multiply(s1.coefficients)
    for j in residual.indices { residual[j] -= prediction[j] }
    let dualNorm = residual.norm2 / beta1
    var beta = beta1
    if dualNorm > 0, lower > 0 {
      beta = Swift.min(beta1, Swift.max(1e-10 * betaRef, 2e-8 * lower / (dualNorm * dualNorm)))
    }
    if beta < beta1 {
      let s2 = try solve(beta)
      lower = Swift.max(lower, s2.lowerBound / beta)
      if let u = interpolatingPenalty(s2, targets: y) { upper = Swift.min(upper, u) }
    }
    guard upper.isFinite else {
      throw .invalidParameter("no interpolating network was found from the convex solution: y may not be realisable by this network class (MATH.md §4.5); pass --beta for the regularised problem")
    }
    return ReLUGauge(lower: Swift.min(lower, upper), upper: upper, beta: beta)
  }

  /// Σ|c + A⁺(y − Ac)| when that corrected network interpolates y (to 1e-9 relative), else nil.
  static func interpolatingPenalty(_ s: Solve, targets y: [Double]) -> Double? {
    guard s.atoms.columns > 0 else { return nil }
    var r = y
    let p = s.atoms.multiply(s.coefficients)
    for j in r.indices { r[j] -= p[j] }
    guard let ls = try? LeastSquares(s.atoms, Matrix(rows: r.count, columns: 1, columnMajor: r)) else { return nil }
    let c = zip(s.coefficients, ls.solution.storage).map { $0 + $1 }
    let fit = s.atoms.multiply(c)
    let miss = zip(fit, y).map { $0 - $1 }.norm2
    guard miss <= 1e-9 * Swift.max(1, y.norm2) else { return nil }
    return c.reduce(0) { $0 + Swift.abs($1) }
  }
}
