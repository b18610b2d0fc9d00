/// A failure of a dense linear-algebra routine, with the LAPACK routine's name and the reason.
///
/// Every LAPACK `info ≠ 0` and every non-finite input to a factorisation becomes one of these,
/// never a crash. `description` says which routine failed, why, and what to do about it.
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
  /// A scalar parameter is outside its valid range (e.g. Schatten p ≤ 0, a negative or NaN
  /// threshold or tolerance).
  case invalidArgument(operation: String, details: String)
  /// LAPACKE could not allocate its workspace (`info` = −1010 or −1011).
  case outOfMemory(routine: String)

  public var description: String {
    switch self {
    case .nonFiniteInput(let r):
      return "\(r): the input matrix contains NaN or infinite values; LAPACK needs finite entries — "
        + "check the data (missing values?) or the computation that produced the matrix (divergence?)"
    case .didNotConverge(let r, let info):
      return "\(r): the algorithm did not converge (info = \(info)); the matrix may be badly scaled — "
        + "try rescaling it, or report the input if it is well scaled"
    case .notPositiveDefinite(let r, let order):
      return "\(r): the matrix is not positive definite (its leading minor of order \(order) is not); "
        + "add a ridge term (A + λI) or use a least-squares solve instead"
    case .illegalArgument(let r, let index):
      return "\(r): LAPACK rejected argument \(index) (internal error in ZeroGap, please report)"
    case .shapeMismatch(let op, let details):
      return "\(op): shape mismatch: \(details)"
    case .invalidArgument(let op, let details):
      return "\(op): invalid argument: \(details)"
    case .outOfMemory(let r):
      return "\(r): LAPACKE could not allocate its workspace (out of memory); use a smaller problem"
    }
  }
}
