import RealModule

// Matrix norms by their definitions on the singular values (MATH.md §0).

extension Matrix {
  /// Spectral norm `‖A‖₂ = σ₁` (0 for an empty matrix).
  public func spectralNorm() throws(LinearAlgebraError) -> Double { try singularValues().first ?? 0 }

  /// Nuclear norm `‖A‖_* = Σ σ_i`.
  public func nuclearNorm() throws(LinearAlgebraError) -> Double { try singularValues().reduce(0, +) }

  /// Schatten-p norm (p ≥ 1) or quasi-norm (0 < p < 1), `‖A‖_{S_p} = (Σ σ_i^p)^{1/p}`; p = ∞ gives σ₁.
  ///
  /// p = 1 is the nuclear norm, p = 2 the Frobenius norm. For p < 1, singular values at or below
  /// `max(m,n)·ε·σ₁` are zeroed first (MATH.md §1.5 "Numerics": t^p is steep near 0).
  /// - Precondition: p > 0.
  public func schattenNorm(_ p: Double) throws(LinearAlgebraError) -> Double {
    precondition(p > 0, "Schatten-p needs p > 0 (got \(p))")
    let s = try singularValues()
    return Matrix.schattenNorm(of: s, p, rows: rows, columns: columns)
  }

  /// `Σ σ_i^p` (the p-th power of the Schatten-p norm), with the same rank tolerance as `schattenNorm`.
  public func schattenPower(_ p: Double) throws(LinearAlgebraError) -> Double {
    precondition(p > 0 && p.isFinite, "Schatten power needs finite p > 0 (got \(p))")
    let s = Matrix.truncated(try singularValues(), rows: rows, columns: columns)
    return s.reduce(0) { $0 + Double.pow($1, p) }
  }

  static func truncated(_ s: [Double], rows: Int, columns: Int) -> [Double] {
    let tol = Double(Swift.max(rows, columns)) * Double.ulpOfOne * (s.first ?? 0)
    return s.map { $0 > tol ? $0 : 0 }
  }

  static func schattenNorm(of s: [Double], _ p: Double, rows: Int, columns: Int) -> Double {
    if p == .infinity { return s.first ?? 0 }
    let t = p < 1 ? truncated(s, rows: rows, columns: columns) : s
    if p == 1 { return t.reduce(0, +) }
    let sum = t.reduce(0) { $0 + Double.pow($1, p) }
    return Double.pow(sum, 1 / p)
  }

  /// Singular-value soft thresholding, the prox of `τ‖·‖_*`: `U·diag((σ_i − τ)_+)·Vᵀ`.
  /// - Precondition: τ ≥ 0.
  public func singularValueThreshold(_ tau: Double) throws(LinearAlgebraError) -> Matrix {
    precondition(tau >= 0, "threshold must be ≥ 0 (got \(tau))")
    let svd = try SVD(self)
    let r = svd.singularValues.filter { $0 > tau }.count
    return svd.reconstruct(rank: r) { $0 - tau }
  }
}
