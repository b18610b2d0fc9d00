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
    guard k > 0 else {
      (solution, converged) = ([], true)
      return
    }
    var c = [Double](repeating: 0, count: k)
    var passive = [Bool](repeating: false, count: k)
    var trace = 0.0
    for i in 0..<k { trace += g[i, i] }
    let ridge = 1e-13 * Swift.max(trace / Double(Swift.max(k, 1)), 1e-300)
    let tol = 1e-12 * Swift.max(h.map { abs($0) }.max() ?? 0, 1e-300)
    // Buffers of every step: the passive indices, G_PP (factored in place), h_P (solved in place), the passive
    // solution by index (zero off the passive set) and Gc.
    var idx: [Int] = []
    idx.reserveCapacity(k)
    var gp = [Double](repeating: 0, count: k * k), hp = [Double](repeating: 0, count: k)
    var sol = [Double](repeating: 0, count: k), gc = sol
    /// The passive solution into `sol`: G_PP s = h_P by Cholesky, with a ridge from `ridge` growing ×100 while G_PP
    /// is numerically singular; false when none factors below 10⁻³·tr G.
    func solvePassive() -> Bool {
      idx.removeAll(keepingCapacity: true)
      for j in 0..<k where passive[j] { idx.append(j) }
      for j in 0..<k { sol[j] = 0 }
      let p = idx.count
      guard p > 0 else { return true }
      var bump = 0.0
      while true {
        for (q, j) in idx.enumerated() {
          hp[q] = h[j]
          for (r, i) in idx.enumerated() { gp[q * p + r] = g[i, j] }
          gp[q * p + q] += bump
        }
        let solved = gp.withUnsafeMutableBufferPointer { a in
          hp.withUnsafeMutableBufferPointer { b in
            guard LAPACK.potrfInPlace(a.baseAddress!, order: p) else { return false }
            LAPACK.potrsInPlace(a.baseAddress!, order: p, b.baseAddress!, rightHandSides: 1)
            return true
          }
        }
        if solved { break }
        bump = bump == 0 ? ridge : 100 * bump
        guard bump < 1e-3 * Swift.max(trace, 1e-300) else { return false }
      }
      for (q, j) in idx.enumerated() {
        guard hp[q].isFinite else { return false }
        sol[j] = hp[q]
      }
      return true
    }
    // Warm start: shrink the given set until its solution is positive.
    for j in start where j >= 0 && j < k { passive[j] = true }
    while passive.contains(true) {
      guard solvePassive() else {
        for j in 0..<k { passive[j] = false }
        break
      }
      var bad = false
      for j in 0..<k where passive[j] && sol[j] <= 0 {
        passive[j] = false
        bad = true
      }
      if !bad {
        for j in 0..<k where passive[j] { c[j] = sol[j] }
        break
      }
    }
    var ok = false
    let budget = maxIterations ?? 3 * Swift.max(k, 1) + 10
    var iterations = 0
    outer: while iterations < budget {
      iterations += 1
      g.multiply(c, into: &gc)
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
        guard solvePassive() else { break outer }
        if (0..<k).allSatisfy({ !passive[$0] || sol[$0] > 0 }) {
          for j in 0..<k { c[j] = sol[j] }
          break
        }
        var alpha = 1.0
        for j in 0..<k where passive[j] && sol[j] <= 0 {
          let den = c[j] - sol[j]
          if den > 0 { alpha = Swift.min(alpha, c[j] / den) }
        }
        var removed = false
        for j in 0..<k where passive[j] {
          let v = sol[j]
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
