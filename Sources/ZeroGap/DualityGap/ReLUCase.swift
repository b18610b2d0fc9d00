/// Named small ReLU instances for `zerogap gap --case NAME`, the table and the tests: MATH.md's worked examples.
public enum ReLUCase: String, Sendable, CaseIterable {
  /// X = (1, −1)ᵀ, Y = (1, −1): rank-1 data where the standard three-layer net has a gap (MATH.md §4.5).
  case rank1Opposite = "rank1-opposite"
  /// X = (1, −1)ᵀ, Y = (1, 1): rank-1 data without a gap (§4.5).
  case rank1Same = "rank1-same"
  /// X = (1, −1)ᵀ, Y = (2, 1) (§4.5).
  case rank1Positive = "rank1-positive"
  /// Example C: a = (−1, 0, 0.5, 1.5), X = [a, 1], y = (1, −1, 0.5, 1) (§4.3; β = 0.05 there).
  case exampleC = "example-c"

  public var summary: String {
    switch self {
    case .rank1Opposite: return "X = (1, −1)ᵀ, Y = (1, −1) (MATH.md §4.5)"
    case .rank1Same: return "X = (1, −1)ᵀ, Y = (1, 1) (MATH.md §4.5)"
    case .rank1Positive: return "X = (1, −1)ᵀ, Y = (2, 1) (MATH.md §4.5)"
    case .exampleC: return "Example C: X = [a, 1], a = (−1, 0, 0.5, 1.5), y = (1, −1, 0.5, 1) (MATH.md §4.3)"
    }
  }

  /// (X, Y).
  public var matrices: (x: Matrix, y: Matrix) {
    let rank1 = Matrix(rows: 2, columns: 1, columnMajor: [1, -1])
    switch self {
    case .rank1Opposite: return (rank1, Matrix(column: [1, -1]))
    case .rank1Same: return (rank1, Matrix(column: [1, 1]))
    case .rank1Positive: return (rank1, Matrix(column: [2, 1]))
    case .exampleC: return (Matrix(rows: 4, columns: 2, columnMajor: [-1, 0, 0.5, 1.5, 1, 1, 1, 1]), Matrix(column: [1, -1, 0.5, 1]))
    }
  }
}
