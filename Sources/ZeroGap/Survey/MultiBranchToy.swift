/// The multi-branch duality-gap bound of Zhang et al. 2019 on MATH.md §8's toy, computed exactly.
///
/// Branch `f(θ; x) = ReLU(x − θ)`, θ ∈ W = [−1, 1], budget h(θ) = θ²; data (x_j, y_j), τ-hinge loss, budget K. With
/// τ ≥ sup |y f| the hinge never clips, so for I identical branches (mean over the n samples):
///
///     P(I) = min { 1 + (1/I) Σ_i f̂(θ_i) : (1/I) Σ_i θ_i² ≤ K, θ_i ∈ W },   f̂(θ) = −(1/n) Σ_j y_j ReLU(x_j − θ)/τ,
///     sup D = max_{λ≥0} 1 + min_{θ∈W} [f̂(θ) + λ(θ² − K)],
///     Δ = max_W (f̂ − f̃),  f̃ the convex envelope of f̂ on W;   theorem: 0 ≤ P(I) − sup D ≤ 2Δ/I.
///
/// f̂ is piecewise linear with breakpoints at the x_j inside W, so every quantity is computed exactly: Δ from the
/// lower convex hull of the breakpoint values; the dual's inner minimum piece by piece (a quadratic on an interval)
/// and its outer maximum by ternary search on the concave function of λ; P(I) by enumerating which linear piece each
/// branch sits on (multisets of pieces) and solving each piece assignment — a linear objective under one convex
/// quadratic budget and boxes — by its KKT conditions, θ_i(μ) = clip(−α_i/(2μ)) with the multiplier μ found by
/// bisection (exact to rounding).
public struct MultiBranchToy: Sendable {
  public let x: [Double]
  public let y: [Double]
  public let tau: Double
  public let budget: Double
  /// The pieces [p, q] of W on which f̂ is linear, with slope α and value at p.
  let pieces: [(p: Double, q: Double, slope: Double, start: Double)]

  /// MATH.md §8's toy: x = (−1, −0.5, 0, 0.5, 1), y = (1, 1, −1, 1, −1), τ = 3, K = 0.3.
  public static let paper = try! MultiBranchToy(x: [-1, -0.5, 0, 0.5, 1], y: [1, 1, -1, 1, -1], tau: 3, budget: 0.3)

  /// - Throws: `DualityGapError` for lists of different lengths, non-finite values, τ ≤ 0, K < 0 or τ below
  ///   sup |y f| (the hinge would clip and P(I) would not be this program).
  public init(x: [Double], y: [Double], tau: Double, budget: Double) throws(DualityGapError) {
    guard x.count == y.count, !x.isEmpty else { throw DualityGapError("--x and --y need the same number of values, at least one (got \(x.count) and \(y.count))") }
    guard (x + y + [tau, budget]).allSatisfy(\.isFinite) else { throw DualityGapError("every value must be a finite number") }
    guard tau > 0 else { throw DualityGapError("τ must be > 0 (got \(tau))") }
    guard budget >= 0 else { throw DualityGapError("the budget K must be ≥ 0 (got \(budget))") }
    let supYF = zip(x, y).map { abs($1) * Swift.max(0, $0 + 1) }.max() ?? 0
    guard tau >= supYF else {
      throw DualityGapError("τ = \(tau) is below sup|y·f| = \(supYF): the hinge would clip; choose τ ≥ \(supYF) (MATH.md §8)")
    }
    self.x = x
    self.y = y
    self.tau = tau
    self.budget = budget
    let breaks = Array(Set([-1.0, 1.0] + x.filter { $0 > -1 && $0 < 1 })).sorted()
    var pieces: [(Double, Double, Double, Double)] = []
    let n = Double(x.count)
    for k in 0..<(breaks.count - 1) {
      let p = breaks[k], q = breaks[k + 1]
      // d f̂/dθ = (1/(nτ)) Σ_{x_j > θ} y_j on (p, q).
      let slope = zip(x, y).filter { $0.0 >= q }.reduce(0) { $0 + $1.1 } / (n * tau)
      pieces.append((p, q, slope, Self.value(p, x: x, y: y, tau: tau)))
    }
    self.pieces = pieces
  }

  static func value(_ theta: Double, x: [Double], y: [Double], tau: Double) -> Double {
    -zip(x, y).reduce(0) { $0 + $1.1 * Swift.max(0, $1.0 - theta) } / (Double(x.count) * tau)
  }

  /// f̂(θ).
  public func fhat(_ theta: Double) -> Double { Self.value(theta, x: x, y: y, tau: tau) }

  /// Δ = max_W (f̂ − f̃): f̂ at each breakpoint minus the lower convex hull of the breakpoint values.
  public var delta: Double {
    let points = pieces.map { ($0.p, $0.start) } + [(1.0, fhat(1))]
    var hull: [(Double, Double)] = []
    for pt in points {
      while hull.count >= 2 {
        let a = hull[hull.count - 2], b = hull[hull.count - 1]
        // Keep b only if it lies strictly below the segment a–pt (a lower hull turns left).
        if (b.0 - a.0) * (pt.1 - a.1) - (b.1 - a.1) * (pt.0 - a.0) <= 0 { hull.removeLast() } else { break }
      }
      hull.append(pt)
    }
    var worst = 0.0
    for pt in points {
      guard let k = hull.indices.dropLast().first(where: { hull[$0].0 <= pt.0 && pt.0 <= hull[$0 + 1].0 }) else { continue }
      let (a, b) = (hull[k], hull[k + 1])
      let envelope = b.0 == a.0 ? Swift.min(a.1, b.1) : a.1 + (b.1 - a.1) * (pt.0 - a.0) / (b.0 - a.0)
      worst = Swift.max(worst, pt.1 - envelope)
    }
    return worst
  }

  /// `min_{θ∈W} f̂(θ) + λθ²`, exactly (per piece: a quadratic on an interval).
  public func innerMinimum(_ lambda: Double) -> Double {
    var best = Double.infinity
    for piece in pieces {
      var candidates = [piece.p, piece.q]
      if lambda > 0 { candidates.append(Swift.min(piece.q, Swift.max(piece.p, -piece.slope / (2 * lambda)))) }
      for t in candidates { best = Swift.min(best, piece.start + piece.slope * (t - piece.p) + lambda * t * t) }
    }
    return best
  }

  /// The dual function `1 + min_θ [f̂ + λ(θ² − K)]`.
  public func dual(_ lambda: Double) -> Double { 1 + innerMinimum(lambda) - lambda * budget }

  /// (λ*, sup D): ternary search on the concave dual over [0, Λ], Λ doubled until the dual decreases.
  public var dualOptimum: (lambda: Double, value: Double) {
    var hi = 1.0
    while dual(2 * hi) >= dual(hi) && hi < 1e12 { hi *= 2 }
    var lo = 0.0
    hi *= 2
    for _ in 0..<300 {
      let m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3
      if dual(m1) < dual(m2) { lo = m1 } else { hi = m2 }
    }
    let lambda = (lo + hi) / 2
    return dual(0) >= dual(lambda) ? (0, dual(0)) : (lambda, dual(lambda))
  }

  /// P(I) and its minimiser (θ_1 … θ_I), exactly (see the type's doc comment).
  /// - Throws: `DualityGapError` when the piece assignments to enumerate exceed `maxAssignments`.
  public func primal(branches count: Int, maxAssignments: Double = 2e6) throws(DualityGapError) -> (value: Double, thetas: [Double]) {
    guard count >= 1 else { throw DualityGapError("the number of branches must be ≥ 1 (got \(count))") }
    let m = pieces.count
    let assignments = ActivationPatterns.binomial(count + m - 1, m - 1)
    guard assignments <= maxAssignments else {
      throw DualityGapError("\(count) branches over \(m) linear pieces is \(Int(assignments)) piece assignments to enumerate (limit \(Int(maxAssignments))); use fewer branches or data points")
    }
    var best = (value: Double.infinity, thetas: [Double]())
    var assignment = [Int](repeating: 0, count: count)
    let cap = Double(count) * budget
    while true {
      if let (value, thetas) = solveAssignment(assignment, cap: cap), value < best.value { best = (value, thetas) }
      // Next non-decreasing sequence over 0..<m.
      var k = count - 1
      while k >= 0 && assignment[k] == m - 1 { k -= 1 }
      if k < 0 { break }
      assignment[k] += 1
      for j in (k + 1)..<count { assignment[j] = assignment[k] }
    }
    guard best.value.isFinite else { throw DualityGapError("no branch parameters meet the budget K = \(budget)") }
    return (1 + best.value / Double(count), best.thetas)
  }

  /// min Σ_i (start_i + α_i(θ_i − p_i)) s.t. Σθ_i² ≤ cap, θ_i ∈ piece_i; nil when infeasible.
  func solveAssignment(_ assignment: [Int], cap: Double) -> (Double, [Double])? {
    let ps = assignment.map { pieces[$0] }
    func clip(_ t: Double, _ k: Int) -> Double { Swift.min(ps[k].q, Swift.max(ps[k].p, t)) }
    // Smallest budget use: each θ_i nearest to 0 in its piece.
    guard ps.indices.reduce(0.0, { $0 + clip(0, $1) * clip(0, $1) }) <= cap * (1 + 1e-12) + 1e-300 else { return nil }
    func thetas(_ mu: Double) -> [Double] {
      ps.indices.map { k in
        if mu == 0 { return ps[k].slope > 0 ? ps[k].p : ps[k].slope < 0 ? ps[k].q : clip(0, k) }
        return clip(-ps[k].slope / (2 * mu), k)
      }
    }
    func used(_ t: [Double]) -> Double { t.reduce(0) { $0 + $1 * $1 } }
    var theta = thetas(0)
    if used(theta) > cap {
      var lo = 0.0, hi = 1.0
      while used(thetas(hi)) > cap && hi < 1e15 { hi *= 2 }
      for _ in 0..<200 {
        let mid = (lo + hi) / 2
        if used(thetas(mid)) > cap { lo = mid } else { hi = mid }
      }
      theta = thetas(hi)
    }
    let value = ps.indices.reduce(0.0) { $0 + ps[$1].start + ps[$1].slope * (theta[$1] - ps[$1].p) }
    return (value, theta)
  }

  /// One row per branch count: P(I), gap(I) = P(I) − sup D and the bound 2Δ/I.
  public func rows(branches: [Int]) throws(DualityGapError) -> [(branches: Int, primal: Double, gap: Double, bound: Double)] {
    let d = dualOptimum.value, delta = self.delta
    var out: [(Int, Double, Double, Double)] = []
    for i in branches {
      let p = try primal(branches: i).value
      out.append((i, p, p - d, 2 * delta / Double(i)))
    }
    return out
  }
}
