/// Non-negative least squares by the Lawson–Hanson active-set method:
///
///     λ* = argmin_{λ ≥ 0} ‖E λ − f‖₂,   E is m×k, f has length m.
///
/// Used for exact cone maxima in the C-ReLU certificate (MATH.md §3.5 way 1): for a block with pattern D and
/// S = 2D − I, `max{σ vᵀDXu : u ∈ K, ‖u‖ ≤ 1} = min_{λ≥0} ‖Xᵀ(σDv + Sλ)‖` (conic duality), i.e. E = XᵀS,
/// f = −σXᵀDv. The steps after each entering column run on a `PassiveSet`, whose least-squares factor is updated as
/// columns enter and leave (`PassiveSetFactor`; the minimum-norm LAPACK gelsd when it is ill conditioned), so the
/// cost is O(iterations · (m·k + m·|passive| + |passive|²)).
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
    var work = Workspace(rows: m)
    work.set.restart(f: f)
    if !start.isEmpty {
      var isPassive = [Bool](repeating: false, count: k)
      for j in start where j >= 0 && j < k { isPassive[j] = true }
      let initial = (0..<k).filter { isPassive[$0] }
      if !initial.isEmpty {
        work.set.load(initial, columns: e.columns(initial).storage)
        work.set.warmStart()
      }
    }
    converged = e.withUnsafeBufferPointer { work.run($0, columns: k, scale: e.frobeniusNorm * f.norm2, maxIterations: maxIterations) }
    var lam = [Double](repeating: 0, count: k)
    let set = work.set
    if set.lambda.count == set.passive.count { for (p, j) in set.passive.enumerated() { lam[j] = set.lambda[p] } }
    solution = lam
    residualNorm = set.residual.norm2
  }

  /// Lawson–Hanson's state and buffers, kept between solves with the same number of rows: once they have grown to a
  /// solve's size, a solve allocates nothing (the cone repair of every certificate check solves one per block).
  struct Workspace {
    /// The passive set of the last solve: λ* is `set.lambda` on `set.passive`.
    var set: PassiveSet
    /// f − Eλ, the scores Eᵀ(f − Eλ), and which columns are passive.
    private var r: [Double]
    private var w: [Double] = []
    private var isPassive: [Bool] = []

    init(rows m: Int) {
      set = PassiveSet(d: m)
      r = [Double](repeating: 0, count: m)
    }

    /// Solves from an empty passive set: E is m×k (column-major), f has m entries. Returns whether the KKT test held.
    mutating func solve(_ e: UnsafeBufferPointer<Double>, columns k: Int, f: UnsafeBufferPointer<Double>, maxIterations: Int? = nil) -> Bool {
      set.clear(f: f)
      var ff = 0.0, ee = 0.0
      for v in f { ff += v * v }
      for v in e { ee += v * v }
      return run(e, columns: k, scale: (ee * ff).squareRoot(), maxIterations: maxIterations)
    }

    /// ‖Eλ* − f‖₂ of the last solve.
    mutating func residualNorm() -> Double {
      var sum = 0.0
      r.withUnsafeMutableBufferPointer { rp in
        set.writeResidual(into: rp.baseAddress!)
        for v in rp { sum += v * v }
      }
      return sum.squareRoot()
    }

    /// Lawson–Hanson's outer loop from the current passive set; `scale` = ‖E‖_F‖f‖ sets the KKT tolerance.
    fileprivate mutating func run(_ e: UnsafeBufferPointer<Double>, columns k: Int, scale: Double, maxIterations: Int?) -> Bool {
      let m = set.d
      if w.count < k {
        w = [Double](repeating: 0, count: k)
        isPassive = [Bool](repeating: false, count: k)
      }
      let budget = maxIterations ?? 3 * Swift.max(k, 1) + 10
      let threshold = 1e-12 * Swift.max(scale, 1e-300)
      while set.iterations < budget {
        set.iterations += 1
        // w = Eᵀ(f − Eλ), the entering scores.
        if m > 0 && k > 0 {
          r.withUnsafeMutableBufferPointer { rp in
            set.writeResidual(into: rp.baseAddress!)
            w.withUnsafeMutableBufferPointer { wp in
              RawBLAS.gemv(.transpose, m: m, n: k, alpha: 1, e.baseAddress!, lda: m, rp.baseAddress!, beta: 0, wp.baseAddress!)
            }
          }
        }
        for j in 0..<k { isPassive[j] = false }
        for j in set.passive { isPassive[j] = true }
        var best = -1
        var bestW = threshold
        for j in 0..<k where !isPassive[j] && w[j] > bestW {
          bestW = w[j]
          best = j
        }
        if best < 0 { return true }
        guard set.enter(best, column: e[(best * m)..<((best + 1) * m)], budget: budget) else { return false }
      }
      return false
    }
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
