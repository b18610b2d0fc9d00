import Foundation
import Testing
@testable import ZeroGap

/// The estimator on a target matrix (k = 2 outputs, MATH.md §3.9).
@Suite struct ConvexReLUEstimatorVectorTests {
  static func data() -> (Matrix, Matrix) {
    var gen = SeededGenerator(seed: 31)
    let x = gen.normalMatrix(rows: 30, columns: 3)
    var y = Matrix(rows: 30, columns: 2)
    for i in 0..<30 {
      y[i, 0] = max(0, x[i, 0] + x[i, 1]) + 0.1 * gen.nextNormal()
      y[i, 1] = max(0, x[i, 2] - x[i, 0]) - 0.5 * max(0, x[i, 1]) + 0.1 * gen.nextNormal()
    }
    return (x, y)
  }

  @Test func fitSaveLoadPredict() throws {
    let (x, y) = Self.data()
    var est = ConvexReLUEstimator(configuration: .init(model: .gatedReLU, beta: 0.5, patterns: .sampled(count: 30, seed: 2), solver: ConvexSolverOptions(tolerance: 1e-8)))
    try est.fit(data: x, targetMatrix: y)
    let f = try #require(est.fitted)
    #expect(f.network.outputDimension == 2 && f.boundScope == .sampled)
    // The report's objective is the stacked network's vector objective, recomputed here; LB ≤ UB.
    let z = try est.preprocessed(x)
    let res = f.network.predict(z) - y
    expectClose(0.5 * res.dot(res) + 0.5 * f.network.weightDecay, f.report.objective, relative: 1e-9)
    #expect(f.report.lowerBound <= f.report.objective)
    // Per-column objectives: each equals the scalar fit of that column alone.
    var sum = 0.0
    for c in 0..<2 {
      var one = ConvexReLUEstimator(configuration: est.configuration)
      try one.fit(data: x, targets: y.column(c))
      sum += try #require(one.fitted).report.objective
    }
    expectClose(f.report.objective, sum, relative: 1e-7)
    #expect(try est.score(x, targetMatrix: y) > 0.5)
    let path = try scratchDirectory().appendingPathComponent("m.json").path
    try est.save(to: path)
    let loaded = try ConvexReLUEstimator.load(from: path)
    #expect(try loaded.predictOutputs(x) == est.predictOutputs(x))
  }

  @Test func vectorMisuseThrows() throws {
    let (x, y) = Self.data()
    var est = ConvexReLUEstimator(configuration: .init(loss: .logistic, beta: 0.5))
    #expect(throws: ConvexReLUError.self) { try est.fit(data: x, targetMatrix: y) }
    est.configuration = .init(beta: 0.5, unregularizedBias: true)
    #expect(throws: ConvexReLUError.self) { try est.fit(data: x, targetMatrix: y) }
    est.configuration = .init(beta: 0.5)
    #expect(throws: ConvexReLUError.self) { try est.fit(data: x, targetMatrix: y.rows(0..<10)) }
  }
}
