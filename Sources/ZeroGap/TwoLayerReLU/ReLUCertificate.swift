import RealModule

/// Which problem a lower bound covers (MATH.md §3.5).
public enum BoundScope: String, Sendable, Codable {
  /// The convex program over the sampled patterns (or the given gates): LB ≤ that program's optimum, which a
  /// network attains.
  case sampled
  /// The full nonconvex two-layer problem p* (all patterns enumerated, or the exact d = 2 arc sweep).
  case global
  /// The full nonconvex problem through the crude bound `c̄ = ‖X‖₂‖v‖₂` (§3.5.3): valid but loose.
  case crude
}

/// A duality certificate for a scalar-output two-layer ReLU network (MATH.md §3.5):
/// the network's objective (an upper bound), a dual lower bound, the gap and what the bound covers.
///
/// Lower bound: v = −∇ℓ(ŷ) (v = y − ŷ for the squared loss), c̄ ≥ c(v) = max_{‖u‖≤1} |vᵀ(Xu)_+|, and
/// `LB = −ℓ*(−s v)` with the best `s ∈ [0, β/c̄]` (at least as good as §3.5's s = min(1, β/c̄)).
public struct ReLUCertificate: Sendable, Equatable {
  /// Upper bound: the objective `ℓ(ŷ, y) + (β/2)(‖U‖² + ‖α‖²)` of the certified network.
  public let objective: Double
  /// A valid lower bound on the optimum of the problem named by `scope`.
  public let lowerBound: Double
  public let scope: BoundScope
  /// The bound c̄ ≥ c(v) that was used.
  public let dualNormBound: Double
  /// The dual scaling s.
  public let dualScale: Double

  /// `objective − lowerBound`.
  public var gap: Double { objective - lowerBound }
  /// `gap / |objective|`.
  public var relativeGap: Double { ConvexSolverReport.relative(objective, lowerBound) }

  public init(objective: Double, lowerBound: Double, scope: BoundScope, dualNormBound: Double, dualScale: Double) {
    self.objective = objective
    self.lowerBound = lowerBound
    self.scope = scope
    self.dualNormBound = dualNormBound
    self.dualScale = dualScale
  }

  /// Certifies any scalar-output ReLU network (ours or loaded from files).
  ///
  /// The bound is exact (`global`) for d = 2 through the arc sweep of §3.5.1, `global` through
  /// `c̄ = max_i ‖XᵀD_i v‖` (§3.5.2) when `patterns` is complete, and `crude` (§3.5.3) otherwise.
  /// - Throws: `.shapeMismatch`, `.nonFinite`, `.invalidParameter` (β, gated or vector-output networks),
  ///   `.invalidLabels`.
  public static func certify(
    network: TwoLayerReLUNetwork, data x: Matrix, targets y: [Double], beta: Double, loss: ConvexLoss = .squared,
    patterns: ActivationPatterns? = nil
  ) throws(ConvexReLUError) -> ReLUCertificate {
    guard network.gates == nil else { throw .invalidParameter("certify covers ReLU networks; a gated network's problem is certified by its convex program (fit --model gated-relu)") }
    guard network.outputDimension == 1 else {
      throw .invalidParameter("certificates are implemented for scalar outputs (k = 1); this network has k = \(network.outputDimension) outputs — certify one output column at a time")
    }
    guard network.inputDimension == x.columns else {
      throw .shapeMismatch("the network's first layer expects d = \(network.inputDimension) features but X has \(x.columns) columns")
    }
    guard x.rows == y.count else { throw .shapeMismatch("X has \(x.rows) rows but y has \(y.count) entries") }
    guard x.isFinite else { throw .nonFinite("the data matrix X contains NaN or infinite values") }
    guard beta > 0, beta.isFinite else { throw .invalidParameter("β must be a finite number > 0 (got \(beta))") }
    try loss.validate(targets: y)
    let yhat = network.predict(x).column(0)
    let objective = loss.value(yhat, y) + beta * network.weightDecay
    var v = loss.dualPoint(yhat, y)
    if network.outputBias != nil {
      // Unpenalised output bias (squared loss): the dual gains 1ᵀv = 0, so centre the residual (SolverLoss).
      guard loss == .squared else {
        throw .invalidParameter("networks with an unpenalised output bias are certified for the squared loss only (got \(loss.rawValue))")
      }
      let mean = v.reduce(0, +) / Double(max(1, v.count))
      v = v.map { $0 - mean }
    }
    let cbar: Double
    let scope: BoundScope
    if x.columns == 2 {
      cbar = dualNorm2D(v, data: x)
      scope = .global
    } else if let p = patterns, p.isComplete {
      cbar = dualNormBound(v, data: x, patterns: p)
      scope = .global
    } else {
      cbar = try crudeDualNorm(v, data: x)
      scope = .crude
    }
    let (s, lb) = CertifiedLoop.scaledDualBound(v: v, y: y, loss: loss, dualNormBound: cbar, beta: beta)
    return ReLUCertificate(objective: objective, lowerBound: lb, scope: scope, dualNormBound: cbar, dualScale: s)
  }

  /// A dual value computed in floating point, lowered by a bound on its rounding error so that it stays a valid
  /// lower bound: `ε·(n + 8)·max(|LB|, Σ_i |y_i s v_i| + ½(s v_i)²)` (the error of an n-term sum).
  static func roundedDown(_ lb: Double, v: [Double], y: [Double], scale s: Double) -> Double {
    guard lb.isFinite else { return lb }
    var mag = 0.0
    for i in 0..<v.count { mag += abs(y[i] * s * v[i]) + 0.5 * (s * v[i]) * (s * v[i]) }
    return lb - Double.ulpOfOne * Double(v.count + 8) * Swift.max(abs(lb), mag)
  }

  /// `max_i ‖Xᵀ D_i v‖₂` over the given patterns (§3.5.2; §3.6's finite dual constraint). One GEMM `Xᵀ(M ⊙ v1ᵀ)`.
  /// It bounds c(v) from above only when the patterns are complete; for the sampled C-GReLU program it is its
  /// exact dual norm.
  public static func dualNormBound(_ v: [Double], data x: Matrix, patterns: ActivationPatterns) -> Double {
    var t = patterns.masks
    let n = x.rows
    t.withUnsafeMutableBufferPointer { p in
      for i in 0..<patterns.count { for j in 0..<n { p[j + i * n] *= v[j] } }
    }
    let g = Matrix.product(x, t, transA: .transpose)
    var c = 0.0
    for i in 0..<g.columns { c = max(c, g.column(i).norm2) }
    return c
  }

  /// The crude bound `‖X‖₂ ‖v‖₂ ≥ c(v)` (§3.5.3), valid without any pattern.
  public static func crudeDualNorm(_ v: [Double], data x: Matrix) throws(ConvexReLUError) -> Double {
    do { return try x.spectralNorm() * v.norm2 } catch { throw .wrap(error) }
  }

  /// The exact `c(v) = max_{‖u‖≤1} |vᵀ(Xu)_+|` for d = 2 by the arc sweep (§3.5.1): on each arc of the pattern
  /// sweep, g = XᵀD v; the arc maximum of gᵀu is ‖g‖ if the angle of g lies inside the arc, else the larger
  /// endpoint value (and 0); the same for −v.
  public static func dualNorm2D(_ v: [Double], data x: Matrix) -> Double {
    precondition(x.columns == 2, "the arc sweep needs d = 2")
    let n = x.rows
    let rows = (0..<n).map { x.row($0) }
    let twoPi = 2 * Double.pi
    var best = 0.0
    for arc in ActivationPatterns.arcs(rows) {
      let gm = [Double.cos(arc.mid), Double.sin(arc.mid)]
      var g = [0.0, 0.0]
      for j in 0..<n where rows[j][0] * gm[0] + rows[j][1] * gm[1] >= 0 {
        g[0] += rows[j][0] * v[j]
        g[1] += rows[j][1] * v[j]
      }
      for sgn in [1.0, -1.0] {
        let h = [sgn * g[0], sgn * g[1]]
        var phi = Double.atan2(y: h[1], x: h[0])
        while phi < arc.start { phi += twoPi }
        if phi <= arc.end {
          best = max(best, h.norm2)
        } else {
          let e1 = h[0] * Double.cos(arc.start) + h[1] * Double.sin(arc.start)
          let e2 = h[0] * Double.cos(arc.end) + h[1] * Double.sin(arc.end)
          best = max(best, e1, e2)
        }
      }
    }
    return best
  }
}
