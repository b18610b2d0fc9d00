import RealModule

// Matrix norms by their definitions on the singular values (MATH.md §0).

extension Matrix {
  /// Spectral norm `‖A‖₂ = σ₁` (0 for an empty matrix).
  /// - Throws: `.nonFiniteInput` for NaN/∞ entries.
  public func spectralNorm() throws(LinearAlgebraError) -> Double { try singularValues().first ?? 0 }

  /// Nuclear norm `‖A‖_* = Σ σ_i` (0 for an empty matrix).
  /// - Throws: `.nonFiniteInput` for NaN/∞ entries.
  public func nuclearNorm() throws(LinearAlgebraError) -> Double { try singularValues().reduce(0, +) }

  /// Schatten-p norm (p ≥ 1) or quasi-norm (0 < p < 1), `‖A‖_{S_p} = (Σ σ_i^p)^{1/p}`; p = ∞ gives σ₁.
  ///
  /// p = 1 is the nuclear norm, p = 2 the Frobenius norm (MATH.md §0). For p < 1, singular values
  /// at or below `max(m,n)·ε·σ₁` are zeroed first (MATH.md §1.5 "Numerics": t^p is steep near 0,
  /// so round-off singular values of a rank-deficient matrix would otherwise count).
  /// - Throws: `.invalidArgument` unless p > 0 (p = +∞ allowed), `.nonFiniteInput` for NaN/∞ entries.
  public func schattenNorm(_ p: Double) throws(LinearAlgebraError) -> Double {
    guard p > 0 else {
      throw .invalidArgument(operation: "schattenNorm", details: "p must be > 0 (got \(p)); use p = .infinity for the spectral norm")
    }
    let s = try singularValues()
    return Matrix.schattenNorm(of: s, p, rows: rows, columns: columns)
  }

  /// `S_p^p(A) = Σ σ_i^p` (the p-th power of the Schatten-p norm, MATH.md §0), with the same rank
  /// tolerance as `schattenNorm` for p < 1, so `schattenPower(p) == schattenNorm(p)^p`.
  /// - Throws: `.invalidArgument` unless 0 < p < ∞, `.nonFiniteInput` for NaN/∞ entries.
  public func schattenPower(_ p: Double) throws(LinearAlgebraError) -> Double {
    guard p > 0 && p.isFinite else {
      throw .invalidArgument(operation: "schattenPower", details: "p must be finite and > 0 (got \(p))")
    }
    let s = try singularValues()
    let t = p < 1 ? Matrix.truncated(s, rows: rows, columns: columns) : s
    return t.reduce(0) { $0 + Double.pow($1, p) }
  }

  /// `s` with the entries at or below `max(rows, columns)·ε·s₁` set to 0 (MATH.md §1.5 "Numerics").
  static func truncated(_ s: [Double], rows: Int, columns: Int) -> [Double] {
    let tol = Double(Swift.max(rows, columns)) * Double.ulpOfOne * (s.first ?? 0)
    return s.map { $0 > tol ? $0 : 0 }
  }

  /// `(Σ s_i^p)^{1/p}` for descending s ≥ 0 (p = ∞: s₁), truncating as `truncated` when p < 1.
  static func schattenNorm(of s: [Double], _ p: Double, rows: Int, columns: Int) -> Double {
    if p == .infinity { return s.first ?? 0 }
    let t = p < 1 ? truncated(s, rows: rows, columns: columns) : s
    if p == 1 { return t.reduce(0, +) }
    // Scale by s₁ so that large or tiny singular values neither overflow nor underflow in s^p.
    guard let s1 = t.first, s1 > 0 else { return 0 }
    let sum = t.reduce(0) { $0 + Double.pow($1 / s1, p) }
    return s1 * Double.pow(sum, 1 / p)
  }

  /// Singular-value soft thresholding `U·diag((σ_i − τ)_+)·Vᵀ`, the proximal operator of `τ‖·‖_*`:
  ///
  ///     SVT_τ(A) = argmin_Z (1/2)‖Z − A‖_F² + τ‖Z‖_*     (MATH.md §2, W* = Ũ diag((a_i − β)_+) Ṽᵀ)
  ///
  /// Shapes: A and the result are m×n. τ = 0 returns A (up to round-off); τ ≥ σ₁ (or +∞) returns 0.
  /// - Throws: `.invalidArgument` unless τ ≥ 0 (NaN rejected), `.nonFiniteInput` for NaN/∞ entries.
  public func singularValueThreshold(_ tau: Double) throws(LinearAlgebraError) -> Matrix {
    guard tau >= 0 else {
      throw .invalidArgument(operation: "singularValueThreshold", details: "τ must be ≥ 0 (got \(tau))")
    }
    let svd = try SVD(self)
    let r = svd.singularValues.filter { $0 > tau }.count
    return svd.reconstruct(rank: r) { $0 - tau }
  }
}
