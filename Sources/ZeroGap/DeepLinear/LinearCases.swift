/// Named deep-linear cases for `zerogap linear --case NAME` and the demo: MATH.md's worked examples
/// and seeded synthetic low-rank data.
public enum LinearCase: String, Sendable, CaseIterable {
  /// X = I₂, Y = diag(3, 1) (MATH.md §1.4).
  case diag31 = "diag31"
  /// X = [[1,0],[0,1],[1,1]], Y = X·[[2,0,1],[1,1,0]] (MATH.md §1.4 "General X").
  case generalX = "general-x"
  /// X = [[1,2,0],[0,1,1]], Y = [[1,0],[0,2]] (MATH.md §1.4 "Wide X").
  case wideX = "wide-x"
  /// X = I₃, Y = diag(5, 2.2, 0.8) (MATH.md §1.5; use with --beta 1).
  case threshold = "threshold"
  /// Seeded synthetic: X 30×8 Gaussian, Y = X·M₀ with M₀ 8×5 of rank 3 (realizable, low rank).
  case lowRank = "low-rank"
  /// The low-rank case plus Gaussian noise of scale 0.1 on Y (not realizable: needs --beta).
  case noisy = "noisy"

  public var summary: String {
    switch self {
    case .diag31: return "X = I₂, Y = diag(3, 1) (MATH.md §1.4)"
    case .generalX: return "X = [[1,0],[0,1],[1,1]], Y = X·[[2,0,1],[1,1,0]] (MATH.md §1.4)"
    case .wideX: return "X = [[1,2,0],[0,1,1]], Y = [[1,0],[0,2]] (MATH.md §1.4)"
    case .threshold: return "X = I₃, Y = diag(5, 2.2, 0.8) (MATH.md §1.5)"
    case .lowRank: return "synthetic, X 30×8, Y = X·M₀ with rank(M₀) = 3 (seed 7)"
    case .noisy: return "synthetic low-rank plus noise 0.1 (not realizable; seed 7)"
    }
  }

  /// (X, Y).
  public var matrices: (x: Matrix, y: Matrix) {
    switch self {
    case .diag31: return (.identity(2), Matrix([[3, 0], [0, 1]]))
    case .generalX:
      let x = Matrix([[1, 0], [0, 1], [1, 1]])
      return (x, Matrix.product(x, Matrix([[2, 0, 1], [1, 1, 0]])))
    case .wideX: return (Matrix([[1, 2, 0], [0, 1, 1]]), Matrix([[1, 0], [0, 2]]))
    case .threshold: return (.identity(3), Matrix.diagonal([5, 2.2, 0.8]))
    case .lowRank, .noisy:
      var g = SeededGenerator(seed: 7)
      let x = g.normalMatrix(rows: 30, columns: 8)
      let m0 = Matrix.product(g.normalMatrix(rows: 8, columns: 3), g.normalMatrix(rows: 3, columns: 5))
      var y = Matrix.product(x, m0)
      if self == .noisy { y.add(g.normalMatrix(rows: 30, columns: 5, scale: 0.1)) }
      return (x, y)
    }
  }
}
