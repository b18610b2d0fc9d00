/// Minimum-norm least-squares solution of `A·X ≈ B` (LAPACK `dgelsd`).
///
///     X = argmin { ‖X‖_F : X minimises ‖A·X − B‖_F } = A⁺·B
///
/// Singular values of A at or below `rcond·σ₁` are treated as zero, so rank-deficient A is
/// handled through the pseudo-inverse (MATH.md §0: `X^†`). A is m×n, B is m×k, X is n×k.
public struct LeastSquares: Sendable {
  /// The minimum-norm solution X (n×k).
  public let solution: Matrix
  /// Effective rank of A at the tolerance used.
  public let rank: Int
  /// σ(A), descending.
  public let singularValues: [Double]
  /// The relative tolerance `rcond` used: σ_i ≤ rcond·σ₁ counts as zero.
  public let relativeTolerance: Double

  /// Solves `A·X ≈ B`. The default `rcond` is `max(m, n)·ε`.
  /// - Throws: `.shapeMismatch` if row counts differ, `.invalidArgument` for a negative or NaN
  ///   `rcond`, `.nonFiniteInput`, `.didNotConverge`.
  public init(_ a: Matrix, _ b: Matrix, relativeTolerance rcond: Double? = nil) throws(LinearAlgebraError) {
    guard a.rows == b.rows else {
      throw .shapeMismatch(
        operation: "LeastSquares", details: "A is \(a.rows)×\(a.columns) but B is \(b.rows)×\(b.columns); they need the same number of rows")
    }
    if let r = rcond, !(r >= 0) {
      throw .invalidArgument(operation: "LeastSquares", details: "relativeTolerance must be ≥ 0 (got \(r))")
    }
    let tol = rcond ?? Double(max(a.rows, a.columns)) * Double.ulpOfOne
    relativeTolerance = tol
    (solution, rank, singularValues) = try LAPACK.gelsd(a, b, rcond: tol)
  }

  /// Residual `‖A·X − B‖_F` for the given system.
  public static func residual(_ a: Matrix, _ x: Matrix, _ b: Matrix) -> Double {
    (Matrix.product(a, x) - b).frobeniusNorm
  }
}

extension Matrix {
  /// Moore–Penrose pseudo-inverse A⁺ (n×m) through the thin SVD: `V·diag(1/σ_i)·Uᵀ` over the
  /// σ_i > `relativeTolerance·σ₁` (default `max(m, n)·ε`), MATH.md §0 `X^†`.
  /// - Throws: `.invalidArgument` for a negative or NaN tolerance, `.nonFiniteInput`, `.didNotConverge`.
  public func pseudoInverse(relativeTolerance rcond: Double? = nil) throws(LinearAlgebraError) -> Matrix {
    if let r = rcond, !(r >= 0) {
      throw .invalidArgument(operation: "pseudoInverse", details: "relativeTolerance must be ≥ 0 (got \(r))")
    }
    let svd = try SVD(self)
    let tol = (rcond ?? Double(Swift.max(rows, columns)) * Double.ulpOfOne) * (svd.singularValues.first ?? 0)
    let r = svd.singularValues.filter { $0 > tol }.count
    // V_r diag(1/σ) U_rᵀ
    var vs = svd.vt.rows(0..<r).transposed
    for j in 0..<r {
      let inv = 1 / svd.singularValues[j]
      for i in 0..<vs.rows { vs[i, j] *= inv }
    }
    return Matrix.product(vs, svd.u.columns(0..<r), transB: .transpose)
  }
}
