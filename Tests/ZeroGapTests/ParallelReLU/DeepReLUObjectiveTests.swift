import Testing
@testable import ZeroGap

/// Back-propagated gradients of the deep ReLU training objectives against central finite differences, and the
/// degree-1 branch penalty against its smooth equivalent R2 (AM–GM: R2 ≥ R1, equal after rebalancing).
@Suite struct DeepReLUObjectiveTests {
  @Test(arguments: [DeepReLUObjective.Architecture.standard, .parallel], [2, 3, 4])
  func gradientsMatchFiniteDifferences(architecture: DeepReLUObjective.Architecture, depth: Int) {
    var gen = SeededGenerator(seed: UInt64(depth))
    let x = gen.normalMatrix(rows: 7, columns: 3)
    let y = gen.normalVector(7)
    let f = DeepReLUObjective(data: x, targets: y, beta: 0.3, architecture: architecture, depth: depth, width: 4, branches: 3)
    expectGradientMatches(f, seed: 11, "\(architecture) L = \(depth)")
  }

  /// A parallel network's R2 value at balanced weights equals β·Σ_j Π‖W‖|z| + loss (the §4.3 penalty of the same
  /// network written as a `ParallelReLUNetwork`).
  @Test func balancedR2EqualsTheBranchPenalty() {
    var gen = SeededGenerator(seed: 5)
    let x = gen.normalMatrix(rows: 6, columns: 2)
    let y = gen.normalVector(6)
    let f = DeepReLUObjective(data: x, targets: y, beta: 0.7, architecture: .parallel, depth: 3, width: 3, branches: 2)
    var theta: [Double] = []
    var branches: [ParallelReLUNetwork.Branch] = []
    for _ in 0..<2 {
      // Equal norms c in every layer and |z| = c: R2 = 3·(β/3)c³ = β c³ = β Π norms.
      var w1 = gen.normalMatrix(rows: 2, columns: 3)
      var w2 = gen.normalVector(3)
      let c = 0.8
      w1.scale(by: c / w1.frobeniusNorm)
      w2 = w2.map { $0 * c / w2.norm2 }
      theta += w1.storage + w2 + [c]
      branches.append(.init(firstLayer: w1, secondLayer: w2, output: c))
    }
    let net = ParallelReLUNetwork(inputDimension: 2, branches: branches)
    #expect(abs(f.value(theta) - net.objective(data: x, targets: y, beta: 0.7)) <= 1e-12)
  }
}
