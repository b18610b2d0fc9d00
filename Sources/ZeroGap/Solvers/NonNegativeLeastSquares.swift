/// Non-negative least squares by the Lawson–Hanson active-set method:
///
///     λ* = argmin_{λ ≥ 0} ‖E λ − f‖₂,   E is m×k, f has length m.
///
/// Used for exact cone maxima in the C-ReLU certificate (MATH.md §3.5 way 1): for a block with pattern D and
/// S = 2D − I, `max{σ vᵀDXu : u ∈ K, ‖u‖ ≤ 1} = min_{λ≥0} ‖Xᵀ(σDv + Sλ)‖` (conic duality), i.e. E = XᵀS,
/// f = −σXᵀDv. Each inner step is a least-squares solve on the passive columns (`passiveSolve`: Cholesky of the small
/// Gram matrix when it is well conditioned, the minimum-norm LAPACK gelsd otherwise), so the cost is
/// O(iterations · m·k + m·|passive|²).
struct NonNegativeLeastSquares {
  /// The minimiser λ* (length k).
  var solution: [Double]
  /// ‖E λ* − f‖₂.
  var residualNorm: Double
  /// Whether the KKT test `max_j (Eᵀ(f − Eλ))_j ≤ tol` held at exit (false: iteration budget hit).
  var converged: Bool

  /// - Parameter start: indices taken as passive before the first step (a warm start, e.g. the support of a
  ///   neighbouring problem's solution); the method drops those that do not belong, so any list is valid.
  init(_ e: Matrix, _ f: [Double], maxIterations: Int? = nil, start: [Int] = []) {
    let m = e.rows, k = e.columns
    var lam = [Double](repeating: 0, count: k)
    var passive = [Bool](repeating: false, count: k)
    for j in start where j >= 0 && j < k { passive[j] = true }
    // Warm start: shrink the given passive set until its least-squares solution is positive (a valid Lawson–Hanson
    // state), then continue from it.
    while passive.contains(true) {
      let idx = (0..<k).filter { passive[$0] }
      guard let ls = Self.passiveSolve(e.columns(idx), f) else {
        for j in idx { passive[j] = false }
        break
      }
      var allPositive = true
      for (q, j) in idx.enumerated() where ls[q] <= 0 {
        passive[j] = false
        allPositive = false
      }
      if allPositive {
        for (q, j) in idx.enumerated() { lam[j] = ls[q] }
        break
      }
    }
    var ok = false
    let budget = maxIterations ?? 3 * Swift.max(k, 1) + 10
    let scale = Swift.max(e.frobeniusNorm * f.norm2, 1e-300)
    func residual(_ l: [Double]) -> [Double] {
      var r = e.multiply(l)
      for i in 0..<m { r[i] = f[i] - r[i] }
      return r
    }
    var iterations = 0
    outer: while iterations < budget {
      iterations += 1
      let w = e.multiply(residual(lam), trans: .transpose)
      var best = -1
      var bestW = 1e-12 * scale
      for j in 0..<k where !passive[j] && w[j] > bestW {
        bestW = w[j]
        best = j
      }
      if best < 0 {
        ok = true
        break
      }
      passive[best] = true
      while true {
        let idx = (0..<k).filter { passive[$0] }
        guard let ls = Self.passiveSolve(e.columns(idx), f) else { break outer }
        var s = [Double](repeating: 0, count: k)
        for (q, j) in idx.enumerated() { s[j] = ls[q] }
        if idx.allSatisfy({ s[$0] > 0 }) {
          lam = s
          break
        }
        // Step towards s until the first passive coordinate reaches 0 (it leaves the passive set, exactly, even
        // when rounding leaves it a hair above 0), with any other that rounding brought to 0.
        var alpha = 1.0, blocking = -1
        for j in idx where s[j] <= 0 {
          let den = lam[j] - s[j]
          if den > 0 && lam[j] / den < alpha {
            alpha = lam[j] / den
            blocking = j
          }
        }
        for j in 0..<k { lam[j] += alpha * (s[j] - lam[j]) }
        var removed = false
        for j in idx where j == blocking || lam[j] <= 1e-15 * Swift.max(1, abs(s[j])) {
          passive[j] = false
          lam[j] = 0
          removed = true
        }
        if !removed { break outer }
        iterations += 1
        if iterations >= budget { break outer }
      }
    }
    solution = lam
    residualNorm = residual(lam).norm2
    converged = ok
  }

  /// argmin_s ‖E_P s − f‖ for the passive columns E_P (m×p): normal equations by Cholesky when the factor's diagonal
  /// spread is below 10⁴ (so κ(E_P)² ≲ 10⁸ and the solve keeps ≥ 8 digits), otherwise LAPACK gelsd (minimum norm).
  static func passiveSolve(_ ep: Matrix, _ f: [Double]) -> [Double]? {
    if ep.columns <= ep.rows, let chol = try? Cholesky(ep.gram()) {
      let diag = chol.lower.diagonal
      if let lo = diag.min(), let hi = diag.max(), lo > 1e-4 * hi,
        let s = try? chol.solve(Matrix(column: ep.multiply(f, trans: .transpose)))
      {
        return s.storage
      }
    }
    return (try? LeastSquares(ep, Matrix(column: f)))?.solution.storage
  }
}
