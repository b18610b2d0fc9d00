import Testing
@testable import ZeroGap

/// MATH.md §6 and §10.12: the planted example (the relaxation is exact; nonconvex GD from 0 does not move), the
/// counterexample X = (1, −1)ᵀ, y = (1, 1) (argmin L_r = 0 with L(0) = 2 > min L = 1), and the exact global minimum
/// against brute force.
@Suite struct SingleNeuronTests {
  static let planted = try! SingleNeuron(data: Matrix([[1, 0], [0, 1], [1, 1], [1, -1]]), targets: [1, 0, 0.5, 1.5])

  @Test func plantedRelaxationIsExact() throws {
    let r = Self.planted.minimizeRelaxation()
    #expect(abs(r.w[0] - 1) <= 1e-9 && abs(r.w[1] + 0.5) <= 1e-9)
    #expect(r.loss < 1e-12 && r.relaxedLoss < 1e-12)
    // The dual point is feasible at the optimum: a certified lower bound on min L_r, here 0.
    let lb = try #require(r.lowerBound)
    #expect(lb <= r.relaxedLoss && lb >= -1e-12)
    let d = Self.planted.gradientDescent(starts: 0, steps: 3000)
    #expect(abs(d.fromZero - 3.5) <= 1e-12)
    let report = try Self.planted.report(starts: 10)
    #expect(report.relaxationExact(scale: Self.planted.lossScale) == true)
    #expect(abs(try #require(report.global).loss) <= 1e-12)
  }

  @Test func counterexampleRelaxationIsNotExact() throws {
    let neuron = try SingleNeuron(data: Matrix(rows: 2, columns: 1, columnMajor: [1, -1]), targets: [1, 1])
    let r = neuron.minimizeRelaxation()
    #expect(abs(r.w[0]) <= 1e-9)
    #expect(abs(r.loss - 2) <= 1e-12)
    let g = try #require(try neuron.globalMinimum())
    #expect(abs(g.loss - 1) <= 1e-12)
    #expect(abs(abs(g.w[0]) - 1) <= 1e-9)
    let report = try neuron.report(starts: 10)
    #expect(report.relaxationExact(scale: neuron.lossScale) == false)
  }

  /// The exact global minimum never exceeds L at any point of a fine grid (d = 2, brute force), and equals the grid's
  /// minimum to the grid's resolution.
  @Test(arguments: [UInt64(1), 2, 3])
  func globalMinimumBeatsAGrid(seed: UInt64) throws {
    var gen = SeededGenerator(seed: seed)
    let x = gen.normalMatrix(rows: 7, columns: 2)
    let y = gen.normalVector(7)
    let neuron = try SingleNeuron(data: x, targets: y)
    let g = try #require(try neuron.globalMinimum())
    #expect(abs(neuron.loss(g.w) - g.loss) <= 1e-12)
    var gridBest = Double.infinity
    for i in -300...300 {
      for j in -300...300 {
        let v = neuron.loss([Double(i) / 60, Double(j) / 60])
        #expect(v >= g.loss - 1e-9)
        gridBest = Swift.min(gridBest, v)
      }
    }
    #expect(gridBest - g.loss <= 0.05 * Swift.max(1, g.loss))
  }

  /// The relaxed minimiser against a generic convex solve (plain gradient descent on L_r, 50 000 steps of 1/(2‖X‖²)) on
  /// random instances, and its dual bound below the value.
  @Test(arguments: [UInt64(4), 5, 6])
  func relaxationAgainstGradientDescent(seed: UInt64) throws {
    var gen = SeededGenerator(seed: seed)
    let x = gen.normalMatrix(rows: 9, columns: 3)
    let y = gen.normalVector(9).map { abs($0) }
    let neuron = try SingleNeuron(data: x, targets: y)
    let r = neuron.minimizeRelaxation()
    let norm = try x.spectralNorm()
    var w = [Double](repeating: 0, count: 3)
    for _ in 0..<50_000 {
      let g = neuron.relaxedGradient(w)
      for k in 0..<3 { w[k] -= g[k] / (2 * norm * norm) }
    }
    #expect(abs(neuron.relaxedLoss(w) - r.relaxedLoss) <= 1e-8 * Swift.max(1, r.relaxedLoss))
    #expect(r.relaxedLoss <= neuron.relaxedLoss(w) + 1e-12)
    if let lb = r.lowerBound { #expect(lb <= r.relaxedLoss && lb <= neuron.relaxedLoss(w) + 1e-12) }
    // y ≥ 0: L ≤ L_r everywhere (§6 fact 1).
    #expect(r.loss <= r.relaxedLoss + 1e-12)
  }
}
