import RealModule

/// The convex equivalent of the parallel deep linear network with R1/R2 regularisation (MATH.md §2),
/// the same for every depth L ≥ 2 (with m ≥ rank(W*) branches):
///
///     min-norm:     P_prl = min ‖W‖_* s.t. XW = Y = ‖X⁺Y‖_*;   D_prl = max tr(ΛᵀY) s.t. ‖XᵀΛ‖₂ ≤ 1,
///                   Λ* = (X⁺)ᵀUVᵀ, so P_prl = D_prl;
///     regularised:  P = min (1/2)‖XW − Y‖² + β‖W‖_* (`NuclearNormRegression`, closed form when XᵀX = I),
///                   D = max −(1/2)‖Λ − Y‖² + (1/2)‖Y‖² s.t. ‖XᵀΛ‖₂ ≤ β, Λ* = Y − XW*.
///
/// The t-form (R3) value `min_t[(L−2)t²/2 + t^{−(L−2)}‖M‖_*] = (L/2)‖M‖_*^{2/L}` equals D_lin of the
/// standard network (`tFormValue`): the parallel net is the bidual of the standard one.
public struct ParallelDeepLinearProgram: Sendable {
  public let data: DeepLinearData
  public let depth: Int
  /// β, or nil for min-norm interpolation.
  public let beta: Double?

  /// - Throws: `.invalidDepth` (L < 2), `.invalidBeta`, `.notRealizable` (min-norm mode).
  public init(data: DeepLinearData, depth: Int, beta: Double?,
              realizabilityTolerance: Double = DeepLinearData.defaultRealizabilityTolerance) throws(DeepLinearError) {
    guard depth >= 2 else { throw .invalidDepth(depth, minimum: 2) }
    if let beta { guard beta >= 0, beta.isFinite else { throw .invalidBeta(beta) } }
    else { try data.requireRealizable(tolerance: realizabilityTolerance) }
    self.data = data
    self.depth = depth
    self.beta = beta
  }

  public struct Solution: Sendable {
    /// End-to-end W* (d×k).
    public var w: Matrix
    public var primal: Double
    public var dual: Double
    /// The dual point Λ (n×k) whose value is `dual`.
    public var certificate: Matrix
    public var closedForm: Bool
    public var iterations: Int
    public var stopReason: StopReason
    public var gap: Double { primal - dual }
  }

  /// Solves the convex program (closed form for min-norm and for XᵀX = I; FISTA otherwise).
  public func solve(tolerance: Double = 1e-12) throws(DeepLinearError) -> Solution {
    if let beta {
      let s = try NuclearNormRegression(x: data.x, y: data.y, lambda: beta, tolerance: tolerance)
      return Solution(w: s.w, primal: s.primal, dual: s.dual, certificate: s.certificate, closedForm: s.closedForm,
                      iterations: s.iterations, stopReason: s.stopReason)
    }
    let r = data.rank
    let uvt = Matrix.product(data.svd.u.columns(0..<r), data.svd.vt.rows(0..<r))
    let pinv: Matrix
    do { pinv = try data.x.pseudoInverse(relativeTolerance: data.pseudoInverseTolerance) } catch { throw .linearAlgebra(error) }
    let lambda = Matrix.product(pinv, uvt, transA: .transpose)
    return Solution(w: data.m, primal: data.nuclearNorm, dual: lambda.dot(data.y), certificate: lambda,
                    closedForm: true, iterations: 0, stopReason: .converged)
  }

  /// The R3 t-form value optimised over t, `(L/2)‖M‖_*^{2/L}` (= D_lin; min-norm mode).
  public var tFormValue: Double { StandardDeepLinearMinimumNorm.dual(singularValues: data.singularValues, depth: depth) }

  /// Branches needed: rank(W*) at the default SVD tolerance.
  public static func branchesNeeded(_ w: Matrix, rankTolerance: Double? = nil) throws(DeepLinearError) -> Int {
    do { return try SVD(w).rank(tolerance: rankTolerance) } catch { throw .linearAlgebra(error) }
  }

  /// Branch weights realising W* (MATH.md §2 "Weight recovery"): branch i ≤ r carries
  /// `s_i^{1/L} u_i e_1ᵀ, s_i^{1/L} e_1e_1ᵀ, …, s_i^{1/L} e_1, s_i^{1/L} v_iᵀ`; the remaining branches are 0.
  /// Each branch's R1 and R2 (β = 1) equal s_i, so the total is ‖W*‖_*.
  /// - Parameters:
  ///   - branches: m ≥ rank(W*) (default: exactly rank(W*)).
  ///   - hiddenWidths: m_1…m_{L−2} (default all 1).
  ///   - rankTolerance: σ_i(W*) at or below it are dropped (default `max(d,k)·ε·σ₁`; pass
  ///     `DeepLinearData.rankTolerance` for W* = X⁺Y).
  public static func recoverNetwork(from w: Matrix, depth L: Int, branches: Int? = nil, hiddenWidths: [Int]? = nil,
                                    rankTolerance: Double? = nil)
    throws(DeepLinearError) -> ParallelLinearNetwork
  {
    guard L >= 2 else { throw .invalidDepth(L, minimum: 2) }
    let svd: SVD
    do { svd = try SVD(w) } catch { throw .linearAlgebra(error) }
    let r = svd.rank(tolerance: rankTolerance)
    let m = branches ?? Swift.max(r, 1)
    guard m >= r else {
      throw .invalidParameter("W* has rank \(r): the parallel network needs at least \(r) branches (got \(m))")
    }
    let hidden = hiddenWidths ?? Array(repeating: 1, count: L - 2)
    guard hidden.count == L - 2, hidden.allSatisfy({ $0 >= 1 }) else {
      throw .invalidParameter("depth \(L) needs \(L - 2) hidden widths ≥ 1 (got \(hidden))")
    }
    let widths = [w.rows] + hidden + [1, w.columns]
    var out: [[Matrix]] = []
    for i in 0..<m {
      let s = i < r ? Double.pow(svd.singularValues[i], 1 / Double(L)) : 0
      var branch: [Matrix] = []
      for l in 0..<L {
        var layer = Matrix(rows: widths[l], columns: widths[l + 1])
        if i < r {
          if l == 0 {
            for p in 0..<w.rows { layer[p, 0] = s * svd.u[p, i] }
          } else if l == L - 1 {
            for q in 0..<w.columns { layer[0, q] = s * svd.vt[i, q] }
          } else {
            layer[0, 0] = s
          }
        }
        branch.append(layer)
      }
      out.append(branch)
    }
    return ParallelLinearNetwork(branches: out)
  }
}
