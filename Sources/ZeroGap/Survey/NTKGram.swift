import RealModule

/// The limit Gram matrices of wide ReLU networks and the gradient-descent rate they predict (MATH.md §7; Du et al.
/// 2019, ICLR and ICML). Inputs are normalised to the unit sphere (rows of X divided by their norms; a zero row is an
/// error), as the theorems assume.
///
/// * Two layers: `H^∞_ij = x_iᵀx_j (π − arccos x_iᵀx_j)/(2π)`, λ₀ = λ_min(H^∞); GD on ½‖u − y‖² with step η has
///   `‖u(k) − y‖² ≤ (1 − ηλ₀/2)^k ‖u(0) − y‖²` for a wide enough network (probability 1 − δ).
/// * Depth H (c_σ = 2): `K^(0) = XXᵀ`, `K^(h) = κ₁(K^(h−1))` for h = 1 … H−1 with the arc-cosine map
///   `κ₁(ρ) = (√(1 − ρ²) + (π − arccos ρ)ρ)/π` (diagonals stay 1), and the last layer
///   `K^(H)_ij = 2 K^(H−1)_ij (π − θ_ij)/(2π)` with cos θ = the covariance of `variant`: `.consistent` (default) takes
///   K^(H−1) (the A^(H) of the derivation), `.literal` K^(H−2) (the seed's A^(H−1), undefined at H = 1). At H = 1 the
///   consistent K^(1) is 2H^∞.
public enum NTKGram {
  public enum Variant: String, Sendable, CaseIterable {
    case consistent
    case literal
  }

  /// X with unit rows.
  /// - Throws: `DualityGapError` for a zero or non-finite row.
  public static func normalized(_ x: Matrix) throws(DualityGapError) -> Matrix {
    guard x.rows >= 1, x.columns >= 1, x.isFinite else { throw DualityGapError("X must be a finite n×d matrix with n, d ≥ 1") }
    var out = x
    for i in 0..<x.rows {
      let norm = x.row(i).norm2
      guard norm > 0 else { throw DualityGapError("row \(i) of X is zero: it has no direction on the unit sphere") }
      for c in 0..<x.columns { out[i, c] /= norm }
    }
    return out
  }

  static func clip(_ rho: Double) -> Double { Swift.min(1, Swift.max(-1, rho)) }

  /// κ₁(ρ) = E[σ(u)σ(v)]·2 for unit variances and correlation ρ.
  static func kappa1(_ rho: Double) -> Double {
    let r = clip(rho)
    return ((1 - r * r).squareRoot() + (Double.pi - Double.acos(r)) * r) / Double.pi
  }

  /// (π − arccos ρ)/(2π) = E[σ'(u)σ'(v)].
  static func kappa0(_ rho: Double) -> Double { (Double.pi - Double.acos(clip(rho))) / (2 * Double.pi) }

  /// H^∞ of the two-layer network on unit-row X.
  public static func twoLayer(_ unit: Matrix) -> Matrix {
    let k = Matrix.product(unit, unit, transB: .transpose)
    return k.mapIndexed { i, j, v in v * kappa0(i == j ? 1 : v) }
  }

  /// K^(H) for depth H ≥ 1 on unit-row X.
  /// - Throws: `DualityGapError` for H < 1, or H = 1 with the literal variant.
  public static func deep(_ unit: Matrix, depth: Int, variant: Variant = .consistent) throws(DualityGapError) -> Matrix {
    guard depth >= 1 else { throw DualityGapError("the depth H must be ≥ 1 (got \(depth))") }
    if variant == .literal && depth == 1 { throw DualityGapError("the literal variant needs A^(H−1) = A^(0): it is undefined at H = 1 (MATH.md §7); use --variant consistent") }
    var layers = [Matrix.product(unit, unit, transB: .transpose)]
    for _ in 1..<depth { layers.append(layers[layers.count - 1].mapIndexed { i, j, v in i == j ? 1 : kappa1(v) }) }
    let last = layers[depth - 1]
    let cov = variant == .consistent ? last : layers[depth - 2]
    return last.mapIndexed { i, j, v in 2 * v * kappa0(i == j ? 1 : cov[i, j]) }
  }

  /// Eigenvalues of a symmetric matrix, ascending (LAPACK).
  public static func eigenvalues(_ k: Matrix) throws(DualityGapError) -> [Double] {
    do { return try SymmetricEigen(k, vectors: false).eigenvalues } catch { throw DualityGapError("the eigenvalues of the Gram matrix failed: \(error)") }
  }

  /// The predicted linear rate `1 − ηλ/2` per step.
  public static func rate(lambda: Double, learningRate eta: Double) -> Double { 1 - eta * lambda / 2 }
}

extension Matrix {
  /// Entry-wise map with the indices.
  func mapIndexed(_ f: (Int, Int, Double) -> Double) -> Matrix {
    var out = self
    for j in 0..<columns { for i in 0..<rows { out[i, j] = f(i, j, self[i, j]) } }
    return out
  }
}
