/// A failure of a dense linear-algebra routine, with the LAPACK routine's name and the reason.
///
/// Every LAPACK `info ≠ 0` and every non-finite input to a factorisation becomes one of these,
/// never a crash.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The input to `routine` contains NaN or ±∞.
  case nonFiniteInput(routine: String)
  /// `routine` did not converge (e.g. `dgesdd`/`dgesvd` bidiagonal QR, `dsyevd`).
  case didNotConverge(routine: String, info: Int)
  /// The matrix handed to `dpotrf` is not positive definite: its leading minor of this order is not.
  case notPositiveDefinite(routine: String, order: Int)
  /// LAPACK rejected argument number `index` (a bug in ZeroGap, reported rather than crashing).
  case illegalArgument(routine: String, index: Int)
  /// The shapes of the operands do not fit together.
  case shapeMismatch(operation: String, details: String)

  public var description: String {
    switch self {
    case .nonFiniteInput(let r):
      return "\(r): the input matrix contains NaN or infinite values"
    case .didNotConverge(let r, let info):
      return "\(r): the algorithm did not converge (info = \(info))"
    case .notPositiveDefinite(let r, let order):
      return "\(r): the matrix is not positive definite (leading minor of order \(order) is not)"
    case .illegalArgument(let r, let index):
      return "\(r): LAPACK rejected argument \(index) (internal error, please report)"
    case .shapeMismatch(let op, let details):
      return "\(op): shape mismatch: \(details)"
    }
  }
}
