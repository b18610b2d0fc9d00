import Foundation
import Testing
@testable import ZeroGap

/// The parallel ReLU program beyond three layers (MATH.md §4.4, the recursion of §4.3 with a pattern level per
/// hidden layer, path-norm regulariser): soundness on tiny instances, the recovered network reproducing the convex
/// objective from its weights, the ordering of depths (a depth-3 branch is a depth-4 branch), and sampled levels.
@Suite struct DeepParallelReLUProgramTests {
  static func instance(seed: UInt64, n: Int) -> (Matrix, [Double]) {
    var gen = SeededGenerator(seed: seed)
    let a = gen.normalVector(n)
    return (Matrix(rows: n, columns: 2, columnMajor: a + [Double](repeating: 1, count: n)), gen.normalVector(n))
  }

  /// At depth 3 the tree network (path norm) and §4.3's branch network (‖W₁‖_F‖w₂‖|z|) are the same function with the
  /// same penalty.
  @Test func treeNetworkEqualsTheThreeLayerRecovery() throws {
    let (x, y) = Self.instance(seed: 21, n: 4)
    let program = try ParallelReLUProgram(
      data: x, targets: y, firstLayer: try ActivationPatterns.enumerate(data: x), secondLayer: try HiddenPatterns.all(sampleCount: 4), beta: 0.1)
    let sol = try program.solve(options: ConvexSolverOptions(tolerance: 1e-6))
    let tree = sol.deepNetwork, branches = sol.network
    #expect(tree.depth == 3)
    for (a, b) in zip(tree.predict(x), branches.predict(x)) { #expect(abs(a - b) <= 1e-12 * Swift.max(1, abs(a))) }
    #expect(abs(tree.penalty - branches.penalty) <= 1e-12 * Swift.max(1, tree.penalty))
    #expect(abs(tree.objective(data: x, targets: y, beta: 0.1) - sol.report.objective) <= 1e-9 * sol.report.objective)
  }

  /// Depth 4 with every level enumerated (n = 3): a valid certificate, the recovered tree network's objective from its
  /// weights equal to the reported one, cones satisfied, and p₄ ≤ p₃ (LB₄ ≤ UB₃) on the same data.
  @Test(arguments: [UInt64(31), 32])
  func depthFourIsSoundAndBelowDepthThree(seed: UInt64) throws {
    let (x, y) = Self.instance(seed: seed, n: 3)
    let p1 = try ActivationPatterns.enumerate(data: x), all = try HiddenPatterns.all(sampleCount: 3)
    let four = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, hiddenLayers: [all, all], beta: 0.05)
    #expect(four.depth == 4 && four.boundScope == .global)
    #expect(four.blockCount == 2 * p1.count * 16 * 16)
    let sol = try four.solve(options: ConvexSolverOptions(tolerance: 1e-6))
    let r = sol.report
    #expect(r.lowerBound <= r.objective)
    #expect(r.constraintViolation <= 1e-12 * Swift.max(1, y.map(abs).max() ?? 1))
    let net = sol.deepNetwork
    #expect(net.depth == 4)
    #expect(abs(net.objective(data: x, targets: y, beta: 0.05) - r.objective) <= 1e-9 * Swift.max(1, r.objective))
    let three = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, secondLayer: all, beta: 0.05).solve(options: ConvexSolverOptions(tolerance: 1e-8))
    #expect(r.lowerBound <= three.report.objective)
  }

  /// Sampled hidden levels (n = 6, every second- and third-layer pattern drawn from random chains): the program is an
  /// upper-bound program (`sampled` scope); its network reproduces the objective, and its value is at least the
  /// certified bound of the program with more patterns (a superset) — checked through LB(superset) ≤ UB(subset).
  @Test func sampledLevelsGiveAnUpperBoundProgram() throws {
    let (x, y) = Self.instance(seed: 41, n: 6)
    let p1 = try ActivationPatterns.enumerate(data: x)
    var gen = SeededGenerator(seed: 5)
    let level2 = try HiddenPatterns.sample(count: 4, data: x, level: 2, generator: &gen)
    let level3 = try HiddenPatterns.sample(count: 4, data: x, level: 3, generator: &gen)
    #expect(!level3.isComplete && level3.masks.column(0).allSatisfy { $0 == 1 })
    let small = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, hiddenLayers: [level2, level3], beta: 0.1)
    #expect(small.boundScope == .sampled)
    let sol = try small.solve(options: ConvexSolverOptions(tolerance: 1e-6))
    #expect(sol.report.lowerBound <= sol.report.objective)
    #expect(abs(sol.deepNetwork.objective(data: x, targets: y, beta: 0.1) - sol.report.objective) <= 1e-9 * sol.report.objective)
    var gen2 = SeededGenerator(seed: 6)
    let more3 = try HiddenPatterns.sample(count: 6, data: x, level: 3, generator: &gen2)
    let merged = HiddenPatterns(masks: level3.masks.appendingColumns(more3.masks), isComplete: false)
    let large = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, hiddenLayers: [level2, merged], beta: 0.1)
    #expect(try large.solve(options: ConvexSolverOptions(tolerance: 1e-6)).report.lowerBound <= sol.report.objective)
  }

  /// The independent cvxpy + Clarabel reference of the depth-4 program (`bench/reference_deep_parallel.py`, fixture
  /// random4: n = 4, P₁ = 8, P₂ = P₃ = 16, 16 384 blocks): the certified bracket contains the reference optimum and
  /// is 1e-6 wide, and the recovered network's prediction is the reference's (the optimum is unique in ŷ: the loss is
  /// strictly convex in it).
  @Test func depthFourMatchesTheClarabelReference() throws {
    let fixture = try ReferenceFixture("parallel-relu-depth4/random4")
    let (x, y, expected, beta) = (fixture.x, fixture.y, fixture.expected, fixture.beta)
    let (reference, referenceTolerance) = (fixture.objective, fixture.tolerance)
    let p1 = try ActivationPatterns.enumerate(data: x), all = try HiddenPatterns.all(sampleCount: x.rows)
    #expect(Double(p1.count) == expected["p1"]?.doubleValue)
    let program = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, hiddenLayers: [all, all], beta: beta)
    let sol = try program.solve(options: ConvexSolverOptions(tolerance: 1e-6))
    #expect(sol.report.stopReason == .converged)
    #expect(sol.report.lowerBound <= reference + referenceTolerance)
    #expect(sol.report.objective >= reference - referenceTolerance)
    #expect(abs(sol.report.objective - reference) <= 1e-6 * reference)
    let prediction = (expected["prediction"]?.arrayValue ?? []).compactMap { $0.doubleValue }
    #expect(prediction.count == x.rows)
    for (a, b) in zip(sol.deepNetwork.predict(x), prediction) { #expect(abs(a - b) <= 1e-3) }
  }
}
