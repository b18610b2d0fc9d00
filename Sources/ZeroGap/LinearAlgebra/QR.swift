/// Thin Householder QR factorisation `A = Q·R` of an m×n matrix (LAPACK `dgeqrf` + `dorgqr`).
///
/// Q is m×k with orthonormal columns and R is k×n upper triangular (trapezoidal), k = min(m, n).
/// - Complexity: O(mn·min(m, n)) flops.
public struct QR: Sendable {
  /// m×k, orthonormal columns.
  public let q: Matrix
  /// k×n, upper triangular.
  public let r: Matrix

  /// Factorises `a`.
  /// - Throws: `.nonFiniteInput` for NaN/∞ entries.
  public init(_ a: Matrix) throws(LinearAlgebraError) {
    (q, r) = try LAPACK.qr(a)
  }
}
