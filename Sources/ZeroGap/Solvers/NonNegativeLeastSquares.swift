/// Non-negative least squares by the Lawson–Hanson active-set method:
///
///     λ* = argmin_{λ ≥ 0} ‖E λ − f‖₂,   E is m×k, f has length m.
///
/// Used for exact cone maxima in the C-ReLU certificate (MATH.md §3.5 way 1): for a block with pattern D and
/// S = 2D − I, `max{σ vᵀDXu : u ∈ K, ‖u‖ ≤ 1} = min_{λ≥0} ‖Xᵀ(σDv + Sλ)‖` (conic duality), i.e. E = XᵀS,
/// f = −σXᵀDv. Each inner step is a minimum-norm least-squares solve (`LeastSquares`, LAPACK gelsd) on the
/// passive columns, so the cost is O(iterations · m·k + m·|passive|²).
struct NonNegativeLeastSquares {
  /// The minimiser λ* (length k).
  var solution: [Double]
  /// ‖E λ* − f‖₂.
  var residualNorm: Double
  /// Whether the KKT test `max_j (Eᵀ(f − Eλ))_j ≤ tol` held at exit (false: iteration budget hit).
  var converged: Bool

  init(_ e: Matrix, _ f: [Double], maxIterations: Int? = nil) {
    let m = e.rows, k = e.columns
    var lam = [Double](repeating: 0, count: k)
    var passive = [Bool](repeating: false, count: k)
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
        guard let ls = try? LeastSquares(e.columns(idx), Matrix(column: f)) else { break outer }
        var s = [Double](repeating: 0, count: k)
        for (q, j) in idx.enumerated() { s[j] = ls.solution[q, 0] }
        if idx.allSatisfy({ s[$0] > 0 }) {
          lam = s
          break
        }
        var alpha = 1.0
        for j in idx where s[j] <= 0 {
          let den = lam[j] - s[j]
          if den > 0 { alpha = Swift.min(alpha, lam[j] / den) }
        }
        for j in 0..<k { lam[j] += alpha * (s[j] - lam[j]) }
        var removed = false
        for j in idx where lam[j] <= 1e-15 * Swift.max(1, abs(s[j])) {
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
}
