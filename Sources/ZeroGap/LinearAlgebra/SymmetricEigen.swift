/// Eigendecomposition `A = V·diag(λ)·Vᵀ` of a symmetric n×n matrix (LAPACK `dsyevd`).
///
/// Only the lower triangle of the input is read. Eigenvalues are ascending.
/// - Complexity: O(n³); one LAPACK call.
public struct SymmetricEigen: Sendable {
  /// Eigenvalues λ₁ ≤ … ≤ λ_n.
  public let eigenvalues: [Double]
  /// Orthonormal eigenvectors as the columns of an n×n matrix (empty 0×0 when not requested).
  public let eigenvectors: Matrix

  /// Decomposes the symmetric matrix `a`.
  /// - Throws: `.shapeMismatch` if `a` is not square, `.nonFiniteInput`, `.didNotConverge`.
  public init(_ a: Matrix, vectors: Bool = true) throws(LinearAlgebraError) {
    guard a.rows == a.columns else {
      throw .shapeMismatch(operation: "SymmetricEigen", details: "matrix is \(a.rows)×\(a.columns), must be square")
    }
    let (w, v) = try LAPACK.syevd(a, vectors: vectors)
    eigenvalues = w
    eigenvectors = vectors ? v : Matrix(rows: 0, columns: 0)
  }

  /// Smallest eigenvalue λ_min (NaN for a 0×0 matrix).
  public var minimum: Double { eigenvalues.first ?? .nan }
  /// Largest eigenvalue λ_max (NaN for a 0×0 matrix).
  public var maximum: Double { eigenvalues.last ?? .nan }
}
