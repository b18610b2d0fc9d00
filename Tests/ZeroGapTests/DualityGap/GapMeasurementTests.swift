import Foundation
import RealModule
import Testing
@testable import ZeroGap

/// Duality-gap cells (MATH.md §9) against MATH.md's closed forms and worked numbers: §1.4 (linear), §10.10 (the
/// standard three-layer ReLU net on rank-1 data, min-norm), Example C (§4.3, regularised), and the soundness of every
/// cell (dual ≤ primal; the dual a certified bound below any trained network).
@Suite struct GapMeasurementTests {
  static let rank1 = Matrix(rows: 2, columns: 1, columnMajor: [1, -1])

  /// §10.10 and the §4.5 table: X = (1, −1)ᵀ. Standard three-layer ReLU nets with weight decay, min-norm:
  /// Y = (1, −1) trains to 3.0 while the dual is (3/2)(|r₁| + |r₂|)^{2/3} = 2.3811015780; Y = (1, 1) has both at
  /// 2.3811; Y = (2, 1) both at 1.5·3^{2/3} = 3.12012.
  @Test(arguments: [([1.0, -1], 3.0, 2.3811015780), ([1, 1], 2.3811015780, 2.3811015780), ([2, 1], 1.5 * Double.pow(3, 2.0 / 3), 1.5 * Double.pow(3, 2.0 / 3))])
  func rankOneStandardThreeLayer(y: [Double], primal: Double, dual: Double) throws {
    let cell = try GapMeasurement.measure(
      activation: .relu, architecture: .standard, depth: 3, x: Self.rank1, y: Matrix(column: y), beta: nil)
    #expect(abs(cell.primal - primal) <= 1e-3)
    // The dual is a certified lower bound: never above the exact value, and within 1e-6 of it.
    #expect(cell.dual <= dual + 1e-9)
    #expect(cell.dual >= dual - 1e-6)
    #expect(cell.verdict == (primal - dual > 1e-3 ? .nonZero : .zero))
  }

  /// The parallel (R1) and two-layer min-norm values on rank-1 data are the gauge |r₁| + |r₂| (§4.5: D(t) = P_prl(t)
  /// = (|r₁| + |r₂|)/t), with a zero gap.
  @Test(arguments: [2, 3])
  func rankOneGauge(depth: Int) throws {
    for (y, gauge) in [([1.0, -1], 2.0), ([2, 1], 3.0), ([0.5, -3], 3.5)] {
      let cell = try GapMeasurement.measure(
        activation: .relu, architecture: .parallel, depth: depth, x: Self.rank1, y: Matrix(column: y), beta: nil)
      #expect(cell.dual <= gauge + 1e-12)
      #expect(abs(cell.primal - gauge) <= 1e-7 * gauge)
      #expect(abs(cell.dual - gauge) <= 1e-7 * gauge)
      #expect(cell.verdict == .zero)
    }
  }

  /// Depth 4 on the same rank-1 data. §4.5's reduction (every feature is p c₊ + q c₋ with c₊ ⟂ c₋) makes the
  /// standard net a deep linear net on the two directions, so §1.3's forms apply with σ = (|r₁|, |r₂|): a gap
  /// (L/2)(|r₁|^{2/L} + |r₂|^{2/L}) against (L/2)(|r₁| + |r₂|)^{2/L} when r₁r₂ < 0 (4 against 2√2 for Y = (1, −1)),
  /// none when r₁r₂ ≥ 0; the parallel (path-norm) value is the gauge |r₁| + |r₂| with a zero gap.
  @Test func rankOneDepthFour() throws {
    for (y, primal, dual) in [([1.0, -1], 4.0, 2 * 2.0.squareRoot()), ([1, 1], 2 * 2.0.squareRoot(), 2 * 2.0.squareRoot())] {
      let cell = try GapMeasurement.measure(activation: .relu, architecture: .standard, depth: 4, x: Self.rank1, y: Matrix(column: y), beta: nil)
      #expect(abs(cell.primal - primal) <= 1e-3)
      #expect(cell.dual <= dual + 1e-9 && cell.dual >= dual - 1e-6)
      let parallel = try GapMeasurement.measure(activation: .relu, architecture: .parallel, depth: 4, x: Self.rank1, y: Matrix(column: y), beta: nil)
      #expect(abs(parallel.primal - 2) <= 1e-7 && parallel.dual <= 2 + 1e-12 && parallel.verdict == .zero)
    }
  }

  /// Example C at β = 0.05: the two-layer cell is p₂ = 0.3226886538 and the parallel three-layer cell
  /// p* = 0.2749197692 (MATH.md §4.3, §10.9), both with a zero gap.
  @Test func exampleCConvexCells() throws {
    let (x, y) = ReLUCase.exampleC.matrices
    let two = try GapMeasurement.measure(activation: .relu, architecture: .standard, depth: 2, x: x, y: y, beta: 0.05)
    #expect(abs(two.primal - 0.3226886538) <= 1e-6)
    #expect(two.dual <= two.primal && two.verdict == .zero)
    let three = try GapMeasurement.measure(activation: .relu, architecture: .parallel, depth: 3, x: x, y: y, beta: 0.05)
    #expect(abs(three.primal - 0.2749197692) <= 1e-6)
    #expect(three.dual <= three.primal && three.verdict == .zero)
  }

  /// Linear cells reproduce MATH.md §1.4 (X = I₂, Y = diag(3, 1)).
  @Test func linearCellsMatchClosedForms() throws {
    let (x, y) = LinearCase.diag31.matrices
    let expected: [(Int, Double, Double)] = [(2, 4, 4), (3, 4.6201257346, 3.7797631497), (4, 5.4641016151, 4)]
    for (depth, p, d) in expected {
      let s = try GapMeasurement.measure(activation: .linear, architecture: .standard, depth: depth, x: x, y: y, beta: nil)
      #expect(abs(s.primal - p) <= 1e-8 * p && abs(s.dual - d) <= 1e-8 * d)
      let q = try GapMeasurement.measure(activation: .linear, architecture: .parallel, depth: depth, x: x, y: y, beta: nil)
      #expect(abs(q.primal - 4) <= 1e-8 && q.verdict == .zero)
    }
  }

  /// The t-device bound for the regularised standard three-layer net (`StandardReLUDual`): on rank-1 data with
  /// r₁r₂ ≥ 0 (no gap by §4.5) training reaches it within 1e-4; on r₁r₂ < 0 the trained value stays above it by a
  /// margin, and every trained network is above the bound.
  @Test func regularisedStandardThreeLayerOnRankOneData() throws {
    var options = GapMeasurement.Options(restarts: 6)
    options.width = 3
    let same = try GapMeasurement.measure(
      activation: .relu, architecture: .standard, depth: 3, x: Self.rank1, y: Matrix(column: [1, 1]), beta: 0.1, options: options)
    #expect(same.dual <= same.primal)
    #expect(same.gap <= 1e-4 * same.primal)
    let opposite = try GapMeasurement.measure(
      activation: .relu, architecture: .standard, depth: 3, x: Self.rank1, y: Matrix(column: [1, -1]), beta: 0.1, options: options)
    #expect(opposite.dual <= opposite.primal)
    #expect(opposite.gap >= 0.05 * opposite.primal)
    // Every restart of the standard network lies above the certified bound.
    let f = DeepReLUObjective(data: Self.rank1, targets: [1, -1], beta: 0.1, architecture: .standard, depth: 3, width: 3)
    var gen = SeededGenerator(seed: 11)
    for run in GapMeasurement.trainer(options).train(f, using: &gen).runs where run.objective.isFinite {
      #expect(run.objective >= opposite.dual - 1e-12)
    }
  }

  @Test func badCellsThrowOneLine() {
    let x = Self.rank1
    #expect(throws: DualityGapError.self) {
      // 17 samples: 2^17 hidden patterns per level is above the enumeration limit.
      try GapMeasurement.measure(
        activation: .relu, architecture: .parallel, depth: 3, x: Matrix(rows: 17, columns: 1, repeating: 1), y: Matrix(rows: 17, columns: 1, repeating: 1), beta: 0.1)
    }
    #expect(throws: DualityGapError.self) {
      try GapMeasurement.measure(activation: .relu, architecture: .parallel, depth: 3, x: x, y: Matrix([[1, 0], [0, 1]]), beta: 0.1)
    }
    #expect(throws: DualityGapError.self) {
      try GapMeasurement.measure(activation: .linear, architecture: .standard, depth: 1, x: x, y: Matrix(column: [1, 1]), beta: nil)
    }
    #expect(throws: DualityGapError.self) {
      try GapMeasurement.measure(activation: .relu, architecture: .standard, depth: 2, x: x, y: Matrix(column: [1, .nan]), beta: 0.1)
    }
  }
}
