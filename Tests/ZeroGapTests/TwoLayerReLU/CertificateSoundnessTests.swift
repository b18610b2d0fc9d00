import Foundation
import Testing
@testable import ZeroGap

/// The certificate's promise, checked on the reliability issue's reproduction and on a seeded sweep of random
/// problems: every lower bound is at most the value of every network a fit returns (evaluated independently of the
/// solver, by `TwoLayerReLUNetwork.objective`), every returned network reproduces its reported objective, exact
/// (C-ReLU) networks activate only on their program's patterns, and `converged` means the certified gap is within
/// the tolerance. Bounds are also crossed between independent algorithms (column generation and ADMM) and between
/// the gated relaxation and the exact program (C-GReLU's optimum ≤ C-ReLU's on the same patterns, MATH.md §3.6).
@Suite struct CertificateSoundnessTests {
  /// Independent checks of one solution; returns the network's own objective.
  @discardableResult
  static func checkInvariants(
    _ sol: ConvexReLUSolution, program prog: ConvexReLUProgram, tolerance: Double, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) -> Double {
    let r = sol.report
    #expect(r.objective.isFinite && r.lowerBound.isFinite, "\(label): non-finite bounds \(r.objective), \(r.lowerBound)", sourceLocation: sourceLocation)
    let net = sol.network(gates: prog.patterns.gates)
    let value = net.objective(data: prog.data, targets: prog.targets, beta: prog.beta, loss: prog.loss)
    // The saved network reproduces the reported objective; the lower bound is below it (rounding allowed: 1e-12).
    #expect(abs(value - r.objective) <= 1e-9 * max(1, abs(value)), "\(label): network value \(value) vs reported \(r.objective)", sourceLocation: sourceLocation)
    #expect(r.lowerBound <= value + 1e-12 * abs(value), "\(label): lower bound \(r.lowerBound) above the network's value \(value)", sourceLocation: sourceLocation)
    if r.stopReason == .converged {
      #expect(r.relativeGap <= tolerance, "\(label): converged at relative gap \(r.relativeGap)", sourceLocation: sourceLocation)
    }
    if prog.model == .relu {
      #expect(Self.activatesOnSampledPatterns(net, data: prog.data, patterns: prog.patterns), "\(label): a neuron leaves the program's patterns", sourceLocation: sourceLocation)
    }
    return value
  }

  /// Whether every neuron's activation pattern 1[X u > 0] is one of the program's patterns, ignoring rows where
  /// |Xu| is rounding (≤ 1e-10·max|Xu|). Independent of the solvers' block bookkeeping.
  static func activatesOnSampledPatterns(_ net: TwoLayerReLUNetwork, data x: Matrix, patterns: ActivationPatterns) -> Bool {
    let xu = naiveProduct(x, net.firstLayer)
    for k in 0..<net.width {
      let col = xu.column(k)
      let scale = col.map(abs).max() ?? 0
      guard scale > 0 else { continue }
      let found = (0..<patterns.count).contains { i in
        (0..<x.rows).allSatisfy { j in abs(col[j]) <= 1e-10 * scale || (col[j] > 0) == (patterns.masks[j, i] == 1) }
      }
      if !found { return false }
    }
    return true
  }

  // MARK: - The reproduction of the reliability issue

  @Test func reproductionCaseIsFeasibleCertifiedAndMatchesTheReference() throws {
    func url(_ file: String, _ ext: String) throws -> URL {
      try #require(Bundle.module.url(forResource: file, withExtension: ext, subdirectory: "Fixtures/cases/infeasible-relu"))
    }
    let x = try NPY.read(path: try url("X", "npy").path).matrix
    let y = try NPY.read(path: try url("y", "npy").path).matrix.storage
    let g = try NPY.read(path: try url("G", "npy").path).matrix
    let expected = try JSON.parse(try String(contentsOf: try url("expected", "json"), encoding: .utf8))
    let patterns = try ActivationPatterns.fromGates(g, data: x)
    for r in try #require(expected["results"]?.arrayValue) {
      let beta = try #require(r["beta"]?.doubleValue)
      let reference = try #require(r["objective"]?.doubleValue)
      let referenceTolerance = try #require(r["tolerance"]?.doubleValue)
      let prog = try ConvexReLUProgram(data: x, targets: y, patterns: patterns, beta: beta, model: .relu)
      for algorithm in [ExactReLUAlgorithm.columnGeneration, .admm] {
        var options = ConvexSolverOptions(tolerance: 1e-8)
        options.exactAlgorithm = algorithm
        let sol = try prog.solve(options: options)
        let label = "β = \(beta), \(algorithm.rawValue)"
        #expect(sol.report.stopReason == .converged, "\(label)")
        let value = Self.checkInvariants(sol, program: prog, tolerance: 1e-8, label)
        #expect(sol.report.constraintViolation <= 1e-12 * max(1, sol.report.objective), "\(label): violation \(sol.report.constraintViolation)")
        // Clarabel's point is feasible to its tolerance: our bound is below its value, our network within both
        // tolerances of it (the issue's failure was a value 7.4e-5 below the optimum with a bound above it).
        #expect(sol.report.lowerBound <= reference * (1 + referenceTolerance), "\(label)")
        expectClose(value, reference, relative: 1e-8 + referenceTolerance, "\(label)")
      }
    }
  }

  // MARK: - Seeded random sweep

  /// One random instance: n×d data (a ones column for odd seeds), targets from a planted ReLU teacher (realisable:
  /// no noise) or noisy, ±1 labels for the logistic loss, β = factor·β_max with β_max = max_i ‖XᵀD_i v₀‖ (v₀ = −∇ℓ(0),
  /// above which the gated solution is zero).
  static func instance(seed: UInt64) throws -> (x: Matrix, y: [Double], patterns: ActivationPatterns, beta: Double, loss: ConvexLoss, label: String) {
    var gen = SeededGenerator(seed: 1000 + seed)
    let n = 12 + Int(seed % 29), d = 2 + Int(seed % 4)
    var x = gen.normalMatrix(rows: n, columns: d)
    if seed % 2 == 1 { x = x.appendingColumns(Matrix(rows: n, columns: 1, repeating: 1)) }
    let loss: ConvexLoss = seed % 3 == 0 ? .logistic : .squared
    let realisable = seed % 4 < 2
    let teacher = TwoLayerReLUNetwork(firstLayer: gen.normalMatrix(rows: x.columns, columns: 3), outputWeights: gen.normalMatrix(rows: 3, columns: 1))
    var y = teacher.predict(x).column(0)
    if !realisable { y = y.map { $0 + 0.5 * gen.nextNormal() } }
    if loss == .logistic { y = y.map { $0 >= (y.sorted()[n / 2]) ? 1 : -1 } }
    let patterns = try ActivationPatterns.sample(data: x, count: 6 + Int(seed % 11), using: &gen)
    let v0 = loss == .squared ? y : y.map { $0 / 2 }
    let betaMax = ReLUCertificate.dualNormBound(v0, data: x, patterns: patterns)
    let factor = [1e-4, 1e-3, 1e-2, 0.1, 1][Int(seed % 5)]
    let label = "seed \(seed): n=\(n) d=\(x.columns) P=\(patterns.count) \(loss.rawValue) β=\(factor)·β_max \(realisable ? "realisable" : "noisy")"
    return (x, y, patterns, factor * betaMax, loss, label)
  }

  /// 8 batches × 30 instances; each instance solves gated and exact (column generation), and every third also the
  /// exact program by ADMM with a small budget (bounds must hold whether or not it converges).
  @Test(arguments: 0..<8)
  func randomInstancesKeepTheCertificate(batch: Int) throws {
    var converged = 0, solves = 0
    for k in 0..<30 {
      let seed = UInt64(batch * 30 + k)
      let (x, y, patterns, beta, loss, label) = try Self.instance(seed: seed)
      let tol = 1e-6
      let gated = try ConvexReLUProgram(data: x, targets: y, patterns: patterns, beta: beta, loss: loss, model: .gatedReLU)
      let exact = try ConvexReLUProgram(data: x, targets: y, patterns: patterns, beta: beta, loss: loss, model: .relu)
      let gs = try gated.solve(options: ConvexSolverOptions(tolerance: tol))
      let es = try exact.solve(options: ConvexSolverOptions(tolerance: tol))
      Self.checkInvariants(gs, program: gated, tolerance: tol, "\(label) gated")
      let exactValue = Self.checkInvariants(es, program: exact, tolerance: tol, "\(label) exact")
      // C-GReLU relaxes C-ReLU on the same patterns: its bound is below every exact network's value.
      #expect(gs.report.lowerBound <= exactValue + 1e-12 * abs(exactValue), "\(label): gated bound above the exact network")
      solves += 2
      converged += (gs.report.stopReason == .converged ? 1 : 0) + (es.report.stopReason == .converged ? 1 : 0)
      if seed % 3 == 0 {
        var options = ConvexSolverOptions(tolerance: tol, maxIterations: 3000)
        options.exactAlgorithm = .admm
        let admm = try exact.solve(options: options)
        let admmValue = Self.checkInvariants(admm, program: exact, tolerance: tol, "\(label) admm")
        #expect(admm.report.lowerBound <= exactValue + 1e-12 * abs(exactValue), "\(label): ADMM bound above the column-generation network")
        #expect(es.report.lowerBound <= admmValue + 1e-12 * abs(admmValue), "\(label): column-generation bound above the ADMM network")
      }
    }
    // The default solvers certify nearly every instance (what they do not certify they must say, checked above).
    #expect(converged >= solves - 2, "batch \(batch): \(solves - converged) of \(solves) solves not certified")
  }
}
