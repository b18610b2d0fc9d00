import RealModule

/// Minimum-norm interpolation with a standard deep linear network `f(X) = X W_1 ⋯ W_L` and weight
/// decay (MATH.md §1.2–§1.3):
///
///     P_lin = min (1/2) Σ_l ‖W_l‖_F²  s.t.  X W_1⋯W_L = Y  = (L/2) Σ_i σ_i^{2/L}
///     D_lin = (L/2) (Σ_i σ_i)^{2/L} = (L/2) ‖M‖_*^{2/L}
///     gap   = P_lin − D_lin ≥ 0,  zero iff L ≤ 2 or rank(M) ≤ 1,
///
/// with σ = σ(M), M = X⁺Y. The t-form: `P_lin(t) = t^{-(L−2)} ‖M‖_{S_{2/L}}`,
/// `D_lin(t) = t^{-(L−2)} ‖M‖_*`, and `P_lin = min_t [(L−2)t²/2 + P_lin(t)]` (same for D).
///
/// L = 1 is the convex problem `min (1/2)‖W‖² s.t. XW = Y`; its Lagrangian dual
/// `max tr(ΛᵀY) − (1/2)‖XᵀΛ‖²` equals P = (1/2)‖M‖_F² (strong duality), so the gap is 0.
public struct StandardDeepLinearMinimumNorm: Sendable {
  /// The data (must be realizable).
  public let data: DeepLinearData
  /// Depth L ≥ 1.
  public let depth: Int

  /// - Throws: `.invalidDepth` for L < 1; `.notRealizable` (suggesting `--beta`) when `XX⁺Y ≠ Y`.
  public init(data: DeepLinearData, depth: Int, realizabilityTolerance: Double = DeepLinearData.defaultRealizabilityTolerance)
    throws(DeepLinearError)
  {
    guard depth >= 1 else { throw .invalidDepth(depth, minimum: 1) }
    try data.requireRealizable(tolerance: realizabilityTolerance)
    self.data = data
    self.depth = depth
  }

  /// P_lin = (L/2) Σσ_i^{2/L} (MATH.md §1.2).
  public var primal: Double { Self.primal(singularValues: data.singularValues, depth: depth) }
  /// D_lin = (L/2)(Σσ_i)^{2/L} for L ≥ 2; P for L = 1 (MATH.md §1.3).
  public var dual: Double { Self.dual(singularValues: data.singularValues, depth: depth) }
  /// P_lin − D_lin ≥ 0.
  public var gap: Double { primal - dual }

  /// `(L/2) Σ σ_i^{2/L}`.
  public static func primal(singularValues s: [Double], depth L: Int) -> Double {
    precondition(L >= 1, "depth must be ≥ 1")
    let p = 2 / Double(L)
    return Double(L) / 2 * s.reduce(0) { $0 + ($1 > 0 ? Double.pow($1, p) : 0) }
  }

  /// `(L/2)(Σ σ_i)^{2/L}` for L ≥ 2; for L = 1 the convex dual equals the primal `(1/2)Σσ_i²`.
  public static func dual(singularValues s: [Double], depth L: Int) -> Double {
    precondition(L >= 1, "depth must be ≥ 1")
    if L == 1 { return primal(singularValues: s, depth: 1) }
    let nuclear = s.reduce(0, +)
    return nuclear > 0 ? Double(L) / 2 * Double.pow(nuclear, 2 / Double(L)) : 0
  }

  /// `‖M‖_{S_{2/L}} = (Σσ_i^{2/L})^{L/2}`.
  public var schattenQuasiNorm: Double {
    let p = 2 / Double(depth)
    let sum = data.singularValues.reduce(0) { $0 + ($1 > 0 ? Double.pow($1, p) : 0) }
    return sum > 0 ? Double.pow(sum, 1 / p) : 0
  }

  /// t-form primal `P_lin(t) = t^{-(L−2)} ‖M‖_{S_{2/L}}` (MATH.md §1.3); needs L ≥ 2, t > 0.
  public func primal(t: Double) -> Double {
    precondition(depth >= 2 && t > 0, "the t-form needs L ≥ 2 and t > 0")
    return Double.pow(t, -Double(depth - 2)) * schattenQuasiNorm
  }

  /// t-form dual `D_lin(t) = t^{-(L−2)} ‖M‖_*` (MATH.md §1.3); needs L ≥ 2, t > 0.
  public func dual(t: Double) -> Double {
    precondition(depth >= 2 && t > 0, "the t-form needs L ≥ 2 and t > 0")
    return Double.pow(t, -Double(depth - 2)) * data.nuclearNorm
  }

  /// `(L−2)t²/2 + P_lin(t)`: minimised over t it gives P_lin.
  public func primalTObjective(t: Double) -> Double { Double(depth - 2) * t * t / 2 + primal(t: t) }
  /// `(L−2)t²/2 + D_lin(t)`: minimised over t it gives D_lin.
  public func dualTObjective(t: Double) -> Double { Double(depth - 2) * t * t / 2 + dual(t: t) }

  /// Minimiser of the primal t-objective, `t* = ‖M‖_{S_{2/L}}^{1/L}` (L ≥ 3).
  public var optimalPrimalT: Double { Double.pow(schattenQuasiNorm, 1 / Double(depth)) }
  /// Minimiser of the dual t-objective, `t* = ‖M‖_*^{1/L}` (L ≥ 3).
  public var optimalDualT: Double { Double.pow(data.nuclearNorm, 1 / Double(depth)) }

  /// The dual maximiser of the t-form, `Λ* = t^{-(L−2)} (X⁺)ᵀ U Vᵀ` (n×k), over the rank-r part of M.
  /// It satisfies `‖XᵀΛ*‖₂ = t^{-(L−2)}` and `tr(Λ*ᵀY) = D_lin(t)`. For L = 2 (any t) it is the
  /// min-norm dual certificate `(X⁺)ᵀUVᵀ`.
  public func dualCertificate(t: Double = 1) throws(DeepLinearError) -> Matrix {
    precondition(depth >= 2 && t > 0, "the dual certificate needs L ≥ 2 and t > 0")
    let r = data.rank
    let uvt = Matrix.product(data.svd.u.columns(0..<r), data.svd.vt.rows(0..<r))
    let pinv: Matrix
    do { pinv = try data.x.pseudoInverse(relativeTolerance: data.pseudoInverseTolerance) } catch { throw .linearAlgebra(error) }
    return Matrix.product(pinv, uvt, transA: .transpose, alpha: Double.pow(t, -Double(depth - 2)))
  }

  /// Optimal layer weights: the balanced factorisation of M (MATH.md §1.1).
  /// - Parameter widths: inner widths m_1…m_{L−1}, each ≥ r (default r).
  /// - Parameter embeddings: optional `R_l` (m_l × r, orthonormal columns), default `[I_r; 0]`.
  public func optimalWeights(widths: [Int]? = nil, embeddings: [Matrix]? = nil) throws(DeepLinearError) -> [Matrix] {
    try BalancedFactorization.factors(of: data.svd, rank: data.rank, depth: depth, widths: widths, embeddings: embeddings)
  }
}

/// The balanced factorisation of MATH.md §1.1: for `A = U Σ Vᵀ` of rank r and depth L,
///
///     W_1 = U Σ^{1/L} R_1ᵀ,  W_l = R_{l−1} Σ^{1/L} R_lᵀ (1<l<L),  W_L = R_{L−1} Σ^{1/L} Vᵀ,
///
/// with `R_l` (m_l × r) orthonormal columns. Then `W_1⋯W_L = A` and `Σ_l ‖W_l‖_F² = L Σσ_i^{2/L}`,
/// the minimum over all factorisations.
public enum BalancedFactorization {
  /// The L factors (d×m_1, m_1×m_2, …, m_{L−1}×k) of the rank-`rank` part of `svd`.
  public static func factors(of svd: SVD, rank r: Int, depth L: Int, widths: [Int]? = nil, embeddings: [Matrix]? = nil)
    throws(DeepLinearError) -> [Matrix]
  {
    guard L >= 1 else { throw .invalidDepth(L, minimum: 1) }
    let w = widths ?? Array(repeating: r, count: L - 1)
    guard w.count == L - 1 else {
      throw .invalidParameter("depth \(L) needs \(L - 1) inner widths, got \(w.count)")
    }
    guard w.allSatisfy({ $0 >= r }) else {
      throw .invalidParameter("every inner width must be ≥ rank \(r) for the optimum to be attained (got \(w))")
    }
    var rs: [Matrix] = []
    for (l, ml) in w.enumerated() {
      if let e = embeddings {
        guard e.count == L - 1, e[l].rows == ml, e[l].columns == r else {
          throw .invalidParameter("embedding \(l + 1) must be \(ml)×\(r)")
        }
        rs.append(e[l])
      } else {
        rs.append(Matrix.diagonal(Array(repeating: 1, count: r), rows: ml, columns: r))
      }
    }
    let root = svd.singularValues.prefix(r).map { $0 > 0 ? Double.pow($0, 1 / Double(L)) : 0 }
    var us = svd.u.columns(0..<r)  // U Σ^{1/L}
    for j in 0..<r { for i in 0..<us.rows { us[i, j] *= root[j] } }
    var svt = svd.vt.rows(0..<r)  // Σ^{1/L} Vᵀ
    for j in 0..<svt.columns { for i in 0..<r { svt[i, j] *= root[i] } }
    if L == 1 { return [Matrix.product(us, svd.vt.rows(0..<r))] }
    var out: [Matrix] = [Matrix.product(us, rs[0], transB: .transpose)]
    for l in 1..<(L - 1) {
      var rsig = rs[l - 1]
      for j in 0..<r { for i in 0..<rsig.rows { rsig[i, j] *= root[j] } }
      out.append(Matrix.product(rsig, rs[l], transB: .transpose))
    }
    out.append(Matrix.product(rs[L - 2], svt))
    return out
  }
}
