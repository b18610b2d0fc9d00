/// A problem a user can cause when setting up a deep-linear-network computation (MATH.md §1, §2, §5).
///
/// Every case says what is wrong, where, and what to do about it.
public enum DeepLinearError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The depth L must be ≥ 1 (≥ 2 for the parallel architecture).
  case invalidDepth(Int, minimum: Int)
  /// The regularisation strength β must be ≥ 0 (and finite).
  case invalidBeta(Double)
  /// X and Y must have the same number of rows (samples).
  case rowMismatch(xRows: Int, yRows: Int)
  /// Min-norm interpolation needs `X X⁺ Y = Y`; the relative residual was above the tolerance.
  case notRealizable(relativeResidual: Double, tolerance: Double)
  /// An input contains NaN or ±∞.
  case nonFinite(what: String)
  /// An input is empty.
  case empty(what: String)
  /// A width, branch count or other hyper-parameter is out of range.
  case invalidParameter(String)
  /// A dense linear-algebra routine failed.
  case linearAlgebra(LinearAlgebraError)

  public var description: String {
    switch self {
    case .invalidDepth(let l, let minimum):
      return "depth \(l) is not allowed: the depth L must be an integer ≥ \(minimum)"
    case .invalidBeta(let b):
      return "β = \(b) is not allowed: the regularisation strength must be a finite number ≥ 0"
    case .rowMismatch(let n1, let n2):
      return "X has \(n1) rows but Y has \(n2): rows are samples, so both files must have the same number of rows"
    case .notRealizable(let res, let tol):
      return "Y is not realizable: ‖X X⁺ Y − Y‖/‖Y‖ = \(res) > \(tol), so no network interpolates the data exactly "
        + "and min-norm interpolation has no solution; pass --beta B to fit the regularised squared loss instead"
    case .nonFinite(let what):
      return "\(what) contains NaN or infinite values; clean the data first"
    case .empty(let what):
      return "\(what) is empty: it needs at least one row and one column"
    case .invalidParameter(let s):
      return s
    case .linearAlgebra(let e):
      return "linear algebra failed: \(e)"
    }
  }
}

extension DeepLinearError {
  /// Any error of a computation inside the deep-linear code: itself, a linear-algebra failure, or described.
  static func from(_ error: any Error) -> DeepLinearError {
    switch error {
    case let e as DeepLinearError: return e
    case let e as LinearAlgebraError: return .linearAlgebra(e)
    default: return .invalidParameter("\(error)")
    }
  }
}
