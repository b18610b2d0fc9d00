/// Cholesky factorisation `A = L·Lᵀ` of a symmetric positive-definite n×n matrix (LAPACK `dpotrf`),
/// and solves with it (`dpotrs`).
public struct Cholesky: Sendable {
  /// Lower-triangular factor L (n×n), zeros above the diagonal.
  public let lower: Matrix

  /// Factorises `a` (only its lower triangle is read).
  /// - Throws: `.notPositiveDefinite(order:)` naming the first leading minor that is not,
  ///   `.shapeMismatch` if not square, `.nonFiniteInput`.
  public init(_ a: Matrix) throws(LinearAlgebraError) {
    guard a.rows == a.columns else {
      throw .shapeMismatch(operation: "Cholesky", details: "matrix is \(a.rows)×\(a.columns), must be square")
    }
    lower = try LAPACK.potrf(a)
  }

  /// Solves `A·X = B` for X (B is n×k).
  public func solve(_ b: Matrix) throws(LinearAlgebraError) -> Matrix {
    guard b.rows == lower.rows else {
      throw .shapeMismatch(operation: "Cholesky.solve", details: "A is \(lower.rows)×\(lower.rows), B has \(b.rows) rows")
    }
    return try LAPACK.potrs(lower, b)
  }

  /// log det A = 2 Σ log L_ii.
  public var logDeterminant: Double { 2 * lower.diagonal.reduce(0) { $0 + Double.log($1) } }
}
