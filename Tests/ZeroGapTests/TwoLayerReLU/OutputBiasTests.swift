import Foundation
import Testing
@testable import ZeroGap

/// The unpenalised output bias (squared loss): `min_{W,b} (1/2)‖Σ D_i X w_i + b1 − y‖² + β Σ‖w_i‖`, solved with the
/// bias minimised exactly (centred loss) and certified with the dual constraint 1ᵀv = 0.
@Suite struct OutputBiasTests {
  static func problem(seed: UInt64, n: Int) -> (Matrix, [Double]) {
    var gen = SeededGenerator(seed: seed)
    var x = gen.normalMatrix(rows: n, columns: 2)
    for i in 0..<n { x[i, 1] = 1 }  // feature + (regularised) ones column
    let y = (0..<n).map { i in 3 + sin(2 * x[i, 0]) + 0.1 * gen.nextNormal() }  // a large offset: the bias matters
    return (x, y)
  }

  /// Independent check: minimise over b by golden-section search, each b solving the ordinary program on y − b1
  /// (a different algorithm: outer 1-D search, no centring). Both models.
  @Test(arguments: ConvexReLUModel.allCases)
  func biasMatchesAnOuterSearchOverB(model: ConvexReLUModel) throws {
    let (x, y) = Self.problem(seed: 5, n: 8)
    let patterns = try ActivationPatterns.enumerate(data: x)
    let beta = 0.7
    let tol = model == .gatedReLU ? 1e-10 : 1e-8
    let prog = try ConvexReLUProgram(data: x, targets: y, patterns: patterns, beta: beta, model: model, unregularizedBias: true)
    let sol = try prog.solve(options: ConvexSolverOptions(tolerance: tol))
    #expect(sol.report.stopReason == .converged)
    func value(_ b: Double) throws -> Double {
      let p = try ConvexReLUProgram(data: x, targets: y.map { $0 - b }, patterns: patterns, beta: beta, model: model)
      return try p.solve(options: ConvexSolverOptions(tolerance: tol)).report.objective
    }
    var lo = -2.0, hi = 6.0
    let phi = (5.0.squareRoot() - 1) / 2
    for _ in 0..<40 {
      let c = hi - phi * (hi - lo), d = lo + phi * (hi - lo)
      if try value(c) < value(d) { hi = d } else { lo = c }
    }
    let outer = try value((lo + hi) / 2)
    expectClose(sol.report.objective, outer, relative: 1e-6)
    expectClose(sol.bias, (lo + hi) / 2, relative: 1e-3)
    #expect(sol.report.lowerBound <= outer * (1 + 1e-9))
    // Without the bias the offset costs much more (the bias is really unpenalised).
    let plain = try ConvexReLUProgram(data: x, targets: y, patterns: patterns, beta: beta, model: model).solve()
    #expect(plain.report.objective > sol.report.objective + 0.1)
    // The recovered network carries b and reproduces the objective.
    let net = sol.network(gates: patterns.gates)
    #expect(net.outputBias == [sol.bias])
    expectClose(net.objective(data: x, targets: y, beta: beta), sol.report.objective, relative: 1e-7)
    if model == .relu {
      // The exact (d = 2) certificate of the bias problem bounds the outer-search optimum from below.
      let cert = try ReLUCertificate.certify(network: net, data: x, targets: y, beta: beta)
      #expect(cert.scope == .global)
      #expect(cert.lowerBound <= outer * (1 + 1e-9))
      #expect(cert.relativeGap <= 1e-6)
    }
  }

  /// Weak duality on random problems: the dual at the centred residual ≤ the primal, and the gap closes.
  @Test func lowerBoundBelowUpperBoundOnRandomProblems() throws {
    for seed in UInt64(20)..<UInt64(24) {
      let (x, y) = Self.problem(seed: seed, n: 12)
      var gen = SeededGenerator(seed: seed)
      let patterns = try ActivationPatterns.sample(data: x, count: 6, using: &gen)
      let prog = try ConvexReLUProgram(data: x, targets: y, patterns: patterns, beta: 0.3, model: .gatedReLU, unregularizedBias: true)
      let sol = try prog.solve(options: ConvexSolverOptions(tolerance: 1e-8))
      #expect(sol.report.lowerBound <= sol.report.objective)
      #expect(sol.report.relativeGap <= 1e-8)
    }
  }
}
