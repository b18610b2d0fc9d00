/// Convex quadratic program over the non-negative orthant, in Gram form, by the Lawson–Hanson active-set method:
///
///     c* = argmin_{c ≥ 0} ½ cᵀ G c − hᵀ c,   G (k×k) symmetric positive semidefinite.
///
/// With G = AᵀA and h = Aᵀy − β·1 this is the non-negative lasso `min_{c≥0} ½‖Ac − y‖² + β Σ c` — the master
/// problem of `ColumnGeneration` (MATH.md §3.3 in atom form). It is `NonNegativeLeastSquares` written on the
/// normal equations: the same steps, with G_PP s = h_P (Cholesky, a tiny ridge when G_PP is singular) as the
/// passive solve, so each step costs O(k·|P| + |P|³) and never touches the n rows of A.
struct NonNegativeQuadratic {
  /// The minimiser c* (length k).
  var solution: [Double]
  /// Whether the KKT test `max_{j ∉ P} (h − Gc)_j ≤ tol` held at exit (false: iteration budget hit).
  var converged: Bool

  /// - Parameter start: indices taken as passive first (a warm start); those that do not belong are dropped.
  init(gram g: Matrix, linear h: [Double], start: [Int] = [], maxIterations: Int? = nil) {
    precondition(g.rows == g.columns && g.rows == h.count, "NonNegativeQuadratic: G must be k×k and h of length k")
    let k = h.count
    var c = [Double](repeating: 0, count: k)
    var passive = [Bool](repeating: false, count: k)
    var trace = 0.0
    for i in 0..<k { trace += g[i, i] }
    let ridge = 1e-13 * Swift.max(trace / Double(Swift.max(k, 1)), 1e-300)
    let tol = 1e-12 * Swift.max(h.map { abs($0) }.max() ?? 0, 1e-300)
    func solvePassive() -> [Int: Double]? {
      let idx = (0..<k).filter { passive[$0] }
      guard !idx.isEmpty else { return [:] }
      var gp = Matrix(rows: idx.count, columns: idx.count)
      var hp = Matrix(rows: idx.count, columns: 1)
      for (q, j) in idx.enumerated() {
        hp[q, 0] = h[j]
        for (r, i) in idx.enumerated() { gp[r, q] = g[i, j] }
      }
      var s: Matrix? = try? Cholesky(gp).solve(hp)
      var bump = ridge
      while s == nil && bump < 1e-3 * Swift.max(trace, 1e-300) {
        var gr = gp
        for q in 0..<idx.count { gr[q, q] += bump }
        s = try? Cholesky(gr).solve(hp)
        bump *= 100
      }
      guard let sol = s else { return nil }
      var out: [Int: Double] = [:]
      for (q, j) in idx.enumerated() { out[j] = sol[q, 0] }
      return out
    }
    // Warm start: shrink the given set until its solution is positive.
    for j in start where j >= 0 && j < k { passive[j] = true }
    while passive.contains(true) {
      guard let s = solvePassive() else {
        passive = [Bool](repeating: false, count: k)
        break
      }
      let bad = s.filter { $0.value <= 0 }.map { $0.key }
      if bad.isEmpty {
        for (j, v) in s { c[j] = v }
        break
      }
      for j in bad { passive[j] = false }
    }
    var ok = false
    let budget = maxIterations ?? 3 * Swift.max(k, 1) + 10
    var iterations = 0
    outer: while iterations < budget {
      iterations += 1
      let gc = g.multiply(c)
      var best = -1
      var bestW = tol
      for j in 0..<k where !passive[j] && h[j] - gc[j] > bestW {
        bestW = h[j] - gc[j]
        best = j
      }
      if best < 0 {
        ok = true
        break
      }
      passive[best] = true
      while true {
        guard let s = solvePassive() else { break outer }
        if s.allSatisfy({ $0.value > 0 }) {
          for j in 0..<k { c[j] = s[j] ?? 0 }
          break
        }
        var alpha = 1.0
        for (j, v) in s where v <= 0 {
          let den = c[j] - v
          if den > 0 { alpha = Swift.min(alpha, c[j] / den) }
        }
        var removed = false
        for j in 0..<k where passive[j] {
          let v = s[j] ?? 0
          c[j] += alpha * (v - c[j])
          if c[j] <= 1e-15 * Swift.max(1, abs(v)) {
            c[j] = 0
            passive[j] = false
            removed = true
          }
        }
        if !removed { break outer }
        iterations += 1
        if iterations >= budget { break outer }
      }
    }
    solution = c
    converged = ok
  }
}
