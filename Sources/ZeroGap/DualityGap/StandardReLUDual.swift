import RealModule

/// A certified lower bound on the training problem of a **standard** three-layer ReLU network with weight decay,
///
///     P_std = min ½‖((X W₁)_+ W₂)_+ w₃ − y‖² + (β/2)(‖W₁‖_F² + ‖W₂‖_F² + ‖w₃‖²),
///
/// by the t-device of MATH.md §1.3 carried to ReLU networks (§4.2 "bidual", §4.5): with ‖W₁‖_F = t, every hidden
/// unit k of the second layer is a parallel branch `((X W₁)_+ W₂[:,k])_+ w₃[k]` whose branch penalty (§4.3) is
/// `t‖W₂[:,k]‖|w₃[k]| ≤ t(‖W₂‖² + ‖w₃‖²)/2`, so
///
///     P_std ≥ D_std = min_{t>0} φ(t),   φ(t) = β t²/2 + p₃(β/t),
///
/// with p₃(β') the optimum of the parallel three-layer convex program at regularisation β' over all patterns (each
/// unit may have its own W₁ there: a relaxation). A lower bound on the minimum over all t > 0, not only at sampled t,
/// comes from monotonicity: on [a, b], `φ(t) ≥ β a²/2 + LB₃(β/b)` (p₃ grows with β'); for t ≤ β/(‖y‖‖X‖₂),
/// p₃(β/t) = ½‖y‖² (the zero network is optimal); for t ≥ ‖y‖/√β, φ ≥ ½‖y‖² ≥ φ(0⁺); and p₃ is concave in β' (a
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
    x: Matrix, y: [Double], beta: Double, tolerance: Double = 1e-4, maxSolves: Int = 60, options: ConvexSolverOptions,
    progress: ((Int, Double, Double) -> Void)? = nil
  ) throws(ConvexReLUError) -> StandardReLUDual {
    let half = 0.5 * y.reduce(0) { $0 + $1 * $1 }
    guard half > 0 else { return StandardReLUDual(bound: 0, estimate: 0, t: 0, solves: 0) }
    let xNorm: Double
    do { xNorm = try x.spectralNorm() } catch { throw .invalidParameter("the SVD of X failed: \(error)") }
    guard xNorm > 0 else { return StandardReLUDual(bound: half, estimate: half, t: 0, solves: 0) }
    let p1 = try ActivationPatterns.enumerate(data: x)
    let p2 = try HiddenPatterns.all(sampleCount: x.rows)
    var solves = 0
    /// (LB₃, p₃) at β/t.
    func evaluate(_ t: Double) throws(ConvexReLUError) -> (lower: Double, upper: Double) {
      solves += 1
      let r = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, secondLayer: p2, beta: beta / t).solve(options: options).report
      return (Swift.min(r.lowerBound, half), Swift.min(r.objective, half))
    }
    let tLow = beta / (y.norm2 * xNorm), tHigh = (2 * half / beta).squareRoot()
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
      for (k, v) in values.enumerated() where beta * ts[k] * ts[k] / 2 + v.upper < estimate {
        estimate = beta * ts[k] * ts[k] / 2 + v.upper
        bestT = ts[k]
      }
    }
    func intervalBound(_ k: Int) -> Double {
      let a = ts[k], b = ts[k + 1]
      let monotone = beta * a * a / 2 + values[k + 1].lower
      // Concavity: on s = β/t ∈ [β/b, β/a], p₃(s) is above the chord through the two certified lower bounds, so
      // φ(t) ≥ ψ(t) = βt²/2 + L_b + B(β/t − β/b), minimised over [a, b] in closed form (t³ = B when B > 0).
      let s1 = beta / b, s2 = beta / a
      let slope = (values[k].lower - values[k + 1].lower) / (s2 - s1)
      let tStar = slope > 0 ? Swift.min(b, Swift.max(a, Double.pow(slope, 1.0 / 3))) : a
      let chord = beta * tStar * tStar / 2 + values[k + 1].lower + slope * (beta / tStar - s1)
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
