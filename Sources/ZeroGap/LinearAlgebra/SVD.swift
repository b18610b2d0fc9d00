/// Singular value decomposition `A = U·diag(σ)·Vᵀ` of an m×n matrix.
///
/// Computed by LAPACK `dgesdd` (divide and conquer), falling back to `dgesvd` (QR iteration) if
/// `dgesdd` does not converge. With `full: false` (thin), U is m×k and Vᵀ is k×n with k = min(m, n); with
/// `full: true`, U is m×m and Vᵀ is n×n.
/// - Complexity: O(mn·min(m, n)) flops; one LAPACK call.
public struct SVD: Sendable {
  /// Left singular vectors, m×k (thin) or m×m (full); orthonormal columns.
  public let u: Matrix
  /// Singular values σ₁ ≥ σ₂ ≥ … ≥ 0, length k = min(m, n).
  public let singularValues: [Double]
  /// Right singular vectors transposed, k×n (thin) or n×n (full); orthonormal rows.
  public let vt: Matrix

  /// The LAPACK driver.
  public enum Driver: Sendable {
    /// `dgesdd` (divide and conquer, the fastest), falling back to `dgesvd` if it does not converge.
    case divideAndConquer
    /// `dgesvd` (bidiagonal QR iteration) only: slower (about 2× on a 1000×200 thin SVD), kept for
    /// comparison and as the fallback.
    case qrIteration
  }

  /// Factorises `a` (m×n, any shape including empty).
  ///
  /// For min(m, n) = 0 there are no singular values; the thin factors are m×0 and 0×n, the full
  /// ones are identities.
  /// - Throws: `LinearAlgebraError.nonFiniteInput` for NaN/∞; `.didNotConverge` if both drivers fail.
  public init(_ a: Matrix, full: Bool = false, driver: Driver = .divideAndConquer) throws(LinearAlgebraError) {
    switch driver {
    case .divideAndConquer: (u, singularValues, vt) = try LAPACK.svd(a, vectors: full ? .full : .thin)
    case .qrIteration: (u, singularValues, vt) = try LAPACK.gesvd(a, vectors: full ? .full : .thin)
    }
  }

  /// Right singular vectors V (n×k or n×n).
  public var v: Matrix { vt.transposed }

  /// The default rank tolerance `max(m, n)·ε·σ₁` (MATH.md §1.5 "Numerics").
  public var defaultTolerance: Double {
    Double(max(u.rows, vt.columns)) * Double.ulpOfOne * (singularValues.first ?? 0)
  }

  /// Number of singular values above `tolerance` (default `max(m, n)·ε·σ₁`).
  /// - Precondition: `tolerance` is ≥ 0 and not NaN (a programmer error otherwise).
  public func rank(tolerance: Double? = nil) -> Int {
    let tol = tolerance ?? defaultTolerance
    precondition(tol >= 0, "SVD.rank: tolerance must be ≥ 0 (got \(tol))")
    return singularValues.filter { $0 > tol }.count
  }

  /// `U·diag(f(σ))·Vᵀ` restricted to the first `k` triplets (all by default): the matrix with
  /// the same singular vectors and transformed singular values.
  public func reconstruct(rank k: Int? = nil, _ f: (Double) -> Double = { $0 }) -> Matrix {
    let r = min(k ?? singularValues.count, singularValues.count)
    var us = u.columns(0..<r)
    for j in 0..<r {
      let sj = f(singularValues[j])
      for i in 0..<us.rows { us[i, j] *= sj }
    }
    return Matrix.product(us, vt.rows(0..<r))
  }
}

extension Matrix {
  /// Singular values σ₁ ≥ … ≥ σ_k ≥ 0 (k = min(m, n)), without vectors (`dgesdd`, jobz = N).
  public func singularValues() throws(LinearAlgebraError) -> [Double] { try LAPACK.singularValues(self) }

  /// Numerical rank: the number of σ_i > tolerance (default `max(m, n)·ε·σ₁`, numpy's
  /// `matrix_rank` rule).
  /// - Throws: `.invalidArgument` for a negative or NaN tolerance, `.nonFiniteInput` for NaN/∞ entries.
  public func rank(tolerance: Double? = nil) throws(LinearAlgebraError) -> Int {
    if let t = tolerance, !(t >= 0) {
      throw .invalidArgument(operation: "rank", details: "tolerance must be ≥ 0 (got \(t))")
    }
    let s = try singularValues()
    let tol = tolerance ?? Double(max(rows, columns)) * Double.ulpOfOne * (s.first ?? 0)
    return s.filter { $0 > tol }.count
  }
}
