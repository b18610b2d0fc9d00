import Foundation
import Testing
@testable import ZeroGap

/// Vector outputs (MATH.md §3.9): per-column upper bound, nuclear-norm gated lower bound.
@Suite struct VectorOutputReLUTests {
  /// k = 1: the nuclear program is the scalar gated program; compared with the independent reference (1e-6).
  @Test(arguments: ["regression-n20-d3", "classification-n30-d4"])
  func singleOutputReducesToTheGatedReference(name: String) throws {
    let (x, y, g, expected) = try ReferenceSolverTests.load(name)
    let beta = try #require(expected["beta"]?.doubleValue)
    let reference = try #require(expected["results"]?["gated-relu/squared"]?["objective"]?.doubleValue)
    let patterns = try ActivationPatterns.fromGates(g, data: x)
    let prog = try NuclearGatedReLUProgram(data: x, targets: Matrix(column: y), patterns: patterns, beta: beta)
    let (v, report) = try prog.solve(options: ConvexSolverOptions(tolerance: 1e-8))
    #expect(report.stopReason == .converged)
    expectClose(report.objective, reference, relative: 1e-6)
    expectClose(try prog.objective(v), report.objective, relative: 1e-12)
    #expect(report.lowerBound <= reference * (1 + 1e-7))
  }

  /// Y = [y, −y]: both columns have the reference optimum (C-ReLU and C-GReLU are symmetric under v ↔ w, w ↦ −w),
  /// so the per-column upper bound is twice the reference; the stacked network attains it; LB ≤ UB.
  @Test(arguments: ConvexReLUModel.allCases)
  func perColumnSumMatchesTheReference(model: ConvexReLUModel) throws {
    let (x, y, g, expected) = try ReferenceSolverTests.load("classification-n30-d4")
    let beta = try #require(expected["beta"]?.doubleValue)
    let reference = try #require(expected["results"]?["\(model.rawValue)/squared"]?["objective"]?.doubleValue)
    let patterns = try ActivationPatterns.fromGates(g, data: x)
    let yy = Matrix(column: y).appendingColumns(Matrix(column: y.map { -$0 }))
    let r = try VectorOutputReLU.solve(data: x, targets: yy, patterns: patterns, beta: beta, model: model, options: ConvexSolverOptions(tolerance: 1e-8))
    expectClose(r.upperBound, 2 * reference, relative: 1e-6)
    #expect(r.lowerBound <= r.upperBound)
    #expect(r.nuclearReport.relativeGap <= 1e-8)
    #expect(r.scope == .sampled)
    // The stacked network's vector-output objective equals the sum (each neuron feeds one output).
    let res = r.network.predict(x) - yy
    expectClose(0.5 * res.dot(res) + beta * r.network.weightDecay, r.upperBound, relative: 1e-9)
    for j in 0..<r.network.width { #expect((0..<2).filter { r.network.outputWeights[j, $0] != 0 }.count == 1) }
  }

  /// Closed form: X = I₃ and the single all-ones pattern give `min (1/2)‖V − Y‖² + β‖V‖_*`, solved by
  /// singular-value thresholding: value Σ_σ [min(σ, β)²/2 + β(σ − β)_+] (σ from a tiny naive 2×2 eigen-solve).
  @Test func identityDataMatchesSingularValueThresholding() throws {
    let x = Matrix.identity(3)
    let yRows: [[Double]] = [[2.0, 1.0], [0.5, -1.5], [1.0, 0.3]]
    let y = Matrix(yRows)
    let patterns = try ActivationPatterns.fromGates(Matrix([[1.0], [1.0], [1.0]]), data: x)
    #expect(patterns.count == 1)
    let beta = 0.8
    // Singular values of Y (3×2) from the eigenvalues of the 2×2 Gram matrix, by hand.
    var gram = [[0.0, 0.0], [0.0, 0.0]]
    for r in yRows { for a in 0..<2 { for b in 0..<2 { gram[a][b] += r[a] * r[b] } } }
    let tr = gram[0][0] + gram[1][1], det = gram[0][0] * gram[1][1] - gram[0][1] * gram[1][0]
    let disc = (tr * tr / 4 - det).squareRoot()
    let sigmas = [(tr / 2 + disc).squareRoot(), (tr / 2 - disc).squareRoot()]
    let closed = sigmas.reduce(0.0) { $0 + 0.5 * min($1, beta) * min($1, beta) + beta * max($1 - beta, 0) }
    let prog = try NuclearGatedReLUProgram(data: x, targets: y, patterns: patterns, beta: beta)
    let (_, report) = try prog.solve(options: ConvexSolverOptions(tolerance: 1e-10))
    expectClose(report.objective, closed, relative: 1e-9)
    #expect(report.lowerBound <= closed * (1 + 1e-12))
  }

  /// Random small problems with all patterns (d = 2 sweep): nuclear LB ≤ nuclear value ≤ per-column UB.
  @Test func lowerBoundBelowUpperBoundOnRandomProblems() throws {
    for seed in UInt64(1)...UInt64(3) {
      var gen = SeededGenerator(seed: seed)
      var x = gen.normalMatrix(rows: 7, columns: 2)
      for i in 0..<7 { x[i, 1] = 1 }
      let y = gen.normalMatrix(rows: 7, columns: 3)
      let patterns = try ActivationPatterns.enumerate(data: x)
      let r = try VectorOutputReLU.solve(data: x, targets: y, patterns: patterns, beta: 0.4, options: ConvexSolverOptions(tolerance: 1e-8))
      #expect(r.scope == .global)
      #expect(r.lowerBound <= r.upperBound)
      #expect(r.nuclearReport.objective <= r.upperBound * (1 + 1e-8))
    }
  }

  @Test func badInputThrows() throws {
    let x = Matrix.identity(3)
    let patterns = try ActivationPatterns.fromGates(Matrix([[1.0], [1.0], [1.0]]), data: x)
    #expect(throws: ConvexReLUError.self) { try NuclearGatedReLUProgram(data: x, targets: Matrix(rows: 2, columns: 2), patterns: patterns, beta: 1) }
    #expect(throws: ConvexReLUError.self) { try NuclearGatedReLUProgram(data: x, targets: Matrix(rows: 3, columns: 2), patterns: patterns, beta: 0) }
    #expect(throws: ConvexReLUError.self) { try NuclearGatedReLUProgram(data: x, targets: Matrix(rows: 3, columns: 2, repeating: .nan), patterns: patterns, beta: 1) }
  }

  /// Independent reference (cvxpy + Clarabel, bench/make_vector_reference.py) on a real two-column Y: per-column
  /// sums for both models and the nuclear-norm program itself (its normNuc/SDP formulation), all at 1e-6.
  @Test func vectorReferenceFixture() throws {
    let (x, _, g, _) = try ReferenceSolverTests.load("regression-n20-d3")
    let yURL = try #require(Bundle.module.url(forResource: "Y", withExtension: "npy", subdirectory: "Fixtures/reference/vector-n20-d3"))
    let eURL = try #require(Bundle.module.url(forResource: "expected", withExtension: "json", subdirectory: "Fixtures/reference/vector-n20-d3"))
    let y = try NPY.read(path: yURL.path).matrix
    let expected = try JSON.parse(try String(contentsOf: eURL, encoding: .utf8))
    let beta = try #require(expected["beta"]?.doubleValue)
    #expect(y.rows == 20 && y.columns == 2)
    let patterns = try ActivationPatterns.fromGates(g, data: x)
    let options = ConvexSolverOptions(tolerance: 1e-8)
    for model in ConvexReLUModel.allCases {
      let reference = try #require(expected["results"]?["\(model.rawValue)/squared"]?["objective"]?.doubleValue)
      let r = try VectorOutputReLU.solve(data: x, targets: y, patterns: patterns, beta: beta, model: model, options: options)
      expectClose(r.upperBound, reference, relative: 1e-6, "\(model.rawValue)")
      let nuclearReference = try #require(expected["results"]?["nuclear"]?["objective"]?.doubleValue)
      expectClose(r.nuclearReport.objective, nuclearReference, relative: 1e-6)
      #expect(r.lowerBound <= nuclearReference * (1 + 1e-7))
      #expect(r.lowerBound <= r.upperBound)
    }
  }
}
