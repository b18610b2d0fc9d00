/// A user-causable failure of the two-layer ReLU convex engine (patterns, programs, certificates).
///
/// Every case says what went wrong, where, and what to do instead.
public enum ConvexReLUError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Inputs whose shapes do not fit together.
  case shapeMismatch(String)
  /// NaN or ±∞ in an input.
  case nonFinite(String)
  /// A hyper-parameter outside its domain (β ≤ 0, tolerance ≤ 0, …).
  case invalidParameter(String)
  /// Exact pattern enumeration would be too large; sample instead.
  case enumerationTooLarge(String)
  /// Labels incompatible with the loss (logistic/hinge need ±1).
  case invalidLabels(String)
  /// A linear-algebra routine failed.
  case linearAlgebra(String)
  /// The work would need more memory than the budget (`MemoryBudget`).
  case memoryLimit(String)

  public var description: String {
    switch self {
    case .shapeMismatch(let s): return "shape mismatch: \(s)"
    case .nonFinite(let s): return "non-finite values: \(s)"
    case .invalidParameter(let s): return "invalid parameter: \(s)"
    case .enumerationTooLarge(let s): return "exact pattern enumeration refused: \(s)"
    case .invalidLabels(let s): return "invalid labels: \(s)"
    case .linearAlgebra(let s): return "linear algebra failure: \(s)"
    case .memoryLimit(let s): return "memory budget exceeded: \(s)"
    }
  }
}

extension ConvexReLUError {
  static func wrap(_ e: LinearAlgebraError) -> ConvexReLUError { .linearAlgebra(e.description) }
}
