import RealModule

/// A certified lower bound on the training problem of a **standard** deep ReLU network of depth L ≥ 3 with weight
/// decay (L = 3 shown),
///
///     P_std = min ½‖((X W₁)_+ W₂)_+ w₃ − y‖² + (β/2)(‖W₁‖_F² + ‖W₂‖_F² + ‖w₃‖²),
///
/// by the t-device of MATH.md §1.3 carried to ReLU networks (§4.2 "bidual", §4.5): with t^{L−2} = Π_{l≤L−2}‖W_l‖_F
/// (so the first L − 2 layers' decay is at least β(L−2)t²/2 by AM–GM), every hidden unit k of layer L − 1 is a
/// parallel branch whose path norm (§4.4; ≤ its Frobenius product R1) is at most `t^{L−2}‖W_{L−1}[:,k]‖|w_L[k]|`, and
/// Σ_k of that is at most `t^{L−2}(‖W_{L−1}‖² + ‖w_L‖²)/2`, so
///
///     P_std ≥ D_std = min_{t>0} φ(t),   φ(t) = β(L−2)t²/2 + p_L(β/t^{L−2}),
///
/// with p_L(β') the optimum of the parallel depth-L convex program at regularisation β' over all patterns (each
/// unit may have its own first layers there: a relaxation). A lower bound on the minimum over all t > 0, not only at
/// sampled t, comes from monotonicity: on [a, b], `φ(t) ≥ β(L−2)a²/2 + LB(β/b^{L−2})` (p_L grows with β'); for
/// t^{L−2} ≤ β/(‖y‖‖X‖₂), p_L = ½‖y‖² (the zero network is optimal); for β(L−2)t²/2 ≥ ½‖y‖², φ ≥ ½‖y‖² ≥ φ(0⁺); and
/// p_L is concave in β' (a
/// minimum of affine functions), so on [a, b] it lies above the chord of its two certified lower bounds, which makes the
/// interval bound exact to second order in the interval's width. The interval with the lowest
/// bound is split until that bound is within `tolerance` of the best φ found (an upper estimate) or the solve budget
/// is spent; the bound is valid at any stop.
struct StandardReLUDual: Sendable {
  /// The certified lower bound on P_std.
  var bound: Double
  /// The smallest φ(t) evaluated (an upper estimate of D_std).
  var estimate: Double
  /// The t of that estimate, and how many convex programs were solved.
  var t: Double
  var solves: Int

  static func compute(
    x: Matrix, y: [Double], depth: Int = 3, beta: Double, tolerance: Double = 1e-4, maxSolves: Int = 60, options: ConvexSolverOptions,
    progress: ((Int, Double, Double) -> Void)? = nil
  ) throws(ConvexReLUError) -> StandardReLUDual {
    let half = 0.5 * y.reduce(0) { $0 + $1 * $1 }
    guard half > 0 else { return StandardReLUDual(bound: 0, estimate: 0, t: 0, solves: 0) }
    let xNorm: Double
    do { xNorm = try x.spectralNorm() } catch { throw .invalidParameter("the SVD of X failed: \(error)") }
    guard xNorm > 0 else { return StandardReLUDual(bound: half, estimate: half, t: 0, solves: 0) }
    let p1 = try ActivationPatterns.enumerate(data: x)
    precondition(depth >= 3, "the t-device needs depth ≥ 3")
    let hidden = [HiddenPatterns](repeating: try HiddenPatterns.all(sampleCount: x.rows), count: depth - 2)
    let e = Double(depth - 2), decay = beta * e / 2
    var solves = 0
    /// (LB, p) at β/t^{L−2}.
    func evaluate(_ t: Double) throws(ConvexReLUError) -> (lower: Double, upper: Double) {
      solves += 1
      let program = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, hiddenLayers: hidden, beta: beta / Double.pow(t, e))
      let r = try program.solve(options: options).report
      return (Swift.min(r.lowerBound, half), Swift.min(r.objective, half))
    }
    let tLow = Double.pow(beta / (y.norm2 * xNorm), 1 / e), tHigh = (half / decay).squareRoot()
    // Every t is at most tLow or at least tHigh: φ ≥ ½‖y‖² everywhere, and the zero network attains it.
    guard tLow < tHigh else { return StandardReLUDual(bound: half, estimate: half, t: tLow, solves: 0) }
    // Grid points with their values; interval k is [t_k, t_{k+1}].
    var ts: [Double] = [], values: [(lower: Double, upper: Double)] = []
    var t = tLow
    while t < tHigh {
      ts.append(t)
      values.append(t == tLow ? (half, half) : try evaluate(t))
      t *= 2
    }
    ts.append(tHigh)
    values.append(try evaluate(tHigh))
    var estimate = half, bestT = tLow
    func refreshEstimate() {
      for (k, v) in values.enumerated() where decay * ts[k] * ts[k] + v.upper < estimate {
        estimate = decay * ts[k] * ts[k] + v.upper
        bestT = ts[k]
      }
    }
    func intervalBound(_ k: Int) -> Double {
      let a = ts[k], b = ts[k + 1]
      let monotone = decay * a * a + values[k + 1].lower
      // Concavity: on s = β/t^{L−2} ∈ [β/b^{L−2}, β/a^{L−2}], p_L(s) is above the chord through the two certified lower
      // bounds, so φ(t) ≥ ψ(t) = β(L−2)t²/2 + L_b + B(β/t^{L−2} − s₁), minimised over [a, b] in closed form
      // (ψ'(t) = 0 at t^L = B when B > 0).
      let s1 = beta / Double.pow(b, e), s2 = beta / Double.pow(a, e)
      let slope = (values[k].lower - values[k + 1].lower) / (s2 - s1)
      let tStar = slope > 0 ? Swift.min(b, Swift.max(a, Double.pow(slope, 1 / Double(depth)))) : a
      let chord = decay * tStar * tStar + values[k + 1].lower + slope * (beta / Double.pow(tStar, e) - s1)
      return Swift.max(monotone, chord)
    }
    refreshEstimate()
    while true {
      let k = (0..<(ts.count - 1)).min { intervalBound($0) < intervalBound($1) }!
      let lowest = Swift.min(half, intervalBound(k))
      progress?(solves, lowest, estimate)
      if estimate - lowest <= tolerance * estimate || solves >= maxSolves || ts[k + 1] / ts[k] < 1 + 1e-12 {
        return StandardReLUDual(bound: Swift.max(0, lowest), estimate: estimate, t: bestT, solves: solves)
      }
      let mid = (ts[k] * ts[k + 1]).squareRoot()
      let v = try evaluate(mid)
      ts.insert(mid, at: k + 1)
      values.insert(v, at: k + 1)
      refreshEstimate()
    }
  }
}
