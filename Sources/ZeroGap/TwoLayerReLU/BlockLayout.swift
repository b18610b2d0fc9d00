/// How the blocks of a two-layer convex program sit over its activation patterns (MATH.md §3.3, §3.6).
///
/// C-GReLU has one block per pattern: block i is w_i, sign σ = +1. C-ReLU has 2P *signed* blocks, U = [V W]:
/// block i < P is v_i (σ = +1) and block P + i is w_i (σ = −1), both on pattern i — its mask D_i, its gate g_i and
/// its cone K_i = {u : (2D_i − I)Xu ≥ 0}. The solvers see only per-block arrays (masks n×B, signs, gates d×B);
/// this type is the one place that maps blocks to patterns and splits or joins the two halves.
struct BlockLayout: Sendable, Equatable {
  /// P.
  let patternCount: Int
  /// Whether each pattern carries two signed blocks (C-ReLU) or one (C-GReLU).
  let signed: Bool

  init(patternCount: Int, model: ConvexReLUModel) {
    self.patternCount = patternCount
    self.signed = model == .relu
  }

  /// B: 2P (signed) or P.
  var blockCount: Int { signed ? 2 * patternCount : patternCount }

  /// The pattern of block b.
  func pattern(ofBlock b: Int) -> Int { b % patternCount }

  /// The block of pattern i with sign σ (σ = −1 only for a signed layout).
  func block(pattern i: Int, sign: Double) -> Int { sign < 0 && signed ? patternCount + i : i }

  /// σ_b for every block: +1 (C-GReLU), or P × (+1) then P × (−1).
  var signs: [Double] {
    signed ? [Double](repeating: 1, count: patternCount) + [Double](repeating: -1, count: patternCount)
      : [Double](repeating: 1, count: patternCount)
  }

  /// Per-pattern columns (masks n×P, gates d×P) as per-block columns (n×B, d×B).
  func perBlock(_ perPattern: Matrix) -> Matrix {
    precondition(perPattern.columns == patternCount, "one column per pattern")
    return signed ? perPattern.appendingColumns(perPattern) : perPattern
  }

  /// Blocks U (d×B) as (V, W) (C-ReLU) or (U, nil) (C-GReLU).
  func split(_ u: Matrix) -> (positive: Matrix, negative: Matrix?) {
    guard signed else { return (u, nil) }
    return (u.columns(0..<patternCount), u.columns(patternCount..<(2 * patternCount)))
  }

  /// (V, W) or (U, nil) as the blocks U (d×B).
  func join(positive: Matrix, negative: Matrix?) -> Matrix {
    guard signed, let negative else { return positive }
    return positive.appendingColumns(negative)
  }
}
