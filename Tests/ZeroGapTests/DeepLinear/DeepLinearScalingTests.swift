import Foundation
import Testing
@testable import ZeroGap

/// The regularised deep linear table at the edges of the data's scale (the reliability issue): X = 0, and X
/// multiplied by 1e20. Checked against the closed form for X = 0 and against the exact scaling law
/// P(cX, Y, β) = P(X, Y, β·c^{−2/L}) (W ↦ W/c leaves XW unchanged and scales the penalty Σσ^{2/L} by c^{−2/L}).
@Suite struct DeepLinearScalingTests {
  static func rows(_ x: Matrix, _ y: Matrix, beta: Double, depths: [Int]) throws -> [LinearDualityTable.Row] {
    try LinearDualityTable.compute(data: try DeepLinearData(x: x, y: y), depths: depths, beta: beta).rows
  }

  @Test func zeroDataHasTheZeroNetworkAsOptimum() throws {
    var gen = SeededGenerator(seed: 3)
    let y = gen.normalMatrix(rows: 12, columns: 3)
    let half = 0.5 * y.dot(y)
    for r in try Self.rows(Matrix(rows: 12, columns: 4), y, beta: 1, depths: [1, 2, 3, 4]) {
      expectClose(r.primal, half, relative: 1e-12, "depth \(r.depth) \(r.architecture.rawValue) primal")
      expectClose(r.dual, half, relative: 1e-12, "depth \(r.depth) \(r.architecture.rawValue) dual")
      #expect(abs(r.gap) <= 1e-12 * half)
    }
  }

  @Test func hugeScaleFollowsTheScalingLaw() throws {
    var gen = SeededGenerator(seed: 4)
    let x = gen.normalMatrix(rows: 50, columns: 5), y = gen.normalMatrix(rows: 50, columns: 3)
    var scaled = x
    scaled.scale(by: 1e20)
    for depth in [2, 3] {
      let big = try Self.rows(scaled, y, beta: 1, depths: [depth])
      let reference = try Self.rows(x, y, beta: Foundation.pow(1e20, -2 / Double(depth)), depths: [depth])
      for (b, r) in zip(big, reference) {
        let label = "depth \(depth) \(b.architecture.rawValue)"
        #expect(b.dual <= b.primal, "\(label): dual \(b.dual) above primal \(b.primal)")
        #expect(b.gap <= 1e-9 * b.primal, "\(label): gap \(b.gap) of \(b.primal)")
        if b.architecture == .standard { expectClose(b.primal, r.primal, relative: 1e-9, "\(label)") }
      }
    }
  }

  /// X and Y both 1e10 times larger with β = 1: the objective (≈ 6.87) is far below the loss's rounding at that
  /// scale (≈ 1e7), so the table refuses instead of printing noise (it printed a lower bound above a trained network).
  @Test func objectivesBelowTheLossRoundingAreRefused() throws {
    var gen = SeededGenerator(seed: 6)
    let x = gen.normalMatrix(rows: 10, columns: 4)
    let y = Matrix.product(x, gen.normalMatrix(rows: 4, columns: 3))
    #expect(throws: DeepLinearError.self) { try Self.rows(x * 1e10, y * 1e10, beta: 1, depths: [2]) }
    // At unit scale the same problem is fine, and its depth-2 gap closes.
    for r in try Self.rows(x, y, beta: 1, depths: [2]) { #expect(r.gap <= 1e-9 * r.primal && r.dual <= r.primal) }
  }
}
