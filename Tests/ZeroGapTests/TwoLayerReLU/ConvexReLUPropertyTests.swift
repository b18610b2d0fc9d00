import Testing
@testable import ZeroGap

/// Random small problems: recovered networks reproduce the convex objective, and certified lower bounds are
/// never beaten by any trained network (MATH.md §10.15).
@Suite struct ConvexReLUPropertyTests {
  static func problem(seed: UInt64, n: Int = 10, d: Int = 1) -> (Matrix, [Double]) {
    var gen = SeededGenerator(seed: seed)
    let x = gen.normalMatrix(rows: n, columns: d).appendingColumns(Matrix(rows: n, columns: 1, repeating: 1))
    let y = gen.normalVector(n)
    return (x, y)
  }

  @Test(arguments: [UInt64(1), 2, 3])
  func recoveredNetworksReproduceTheConvexObjective(seed: UInt64) throws {
    // Feasible C-ReLU points built from the patterns' interior gates (v_i = a_i g_i, w_i = b_i g_i ∈ K_i), and
    // arbitrary C-GReLU points: the recovered networks (§3.3, §3.6) reproduce the convex objective to 1e-9.
    let (x, y) = Self.problem(seed: seed)
    var gen = SeededGenerator(seed: seed)
    let p = try ActivationPatterns.sample(data: x, count: 12, using: &gen)
    var v = Matrix(rows: x.columns, columns: p.count), w = v
    for i in 0..<p.count {
      let a = i % 3 == 0 ? 0 : gen.nextUniform(), b = i % 4 == 1 ? 0 : gen.nextUniform()
      for k in 0..<x.columns { v[k, i] = a * p.gates[k, i]; w[k, i] = b * p.gates[k, i] }
    }
    let relu = try ConvexReLUProgram(data: x, targets: y, patterns: p, beta: 0.1, model: .relu)
    #expect(relu.coneViolation(v) == 0 && relu.coneViolation(w) == 0)
    let sol = ConvexReLUSolution(model: .relu, positive: v, negative: w, multipliers: nil, penalty: nil, report: ConvexSolverReport(iterations: 0, outerIterations: 0, seconds: 0, stopReason: .converged, objective: 0, lowerBound: 0, constraintViolation: 0))
    let net = sol.network(gates: p.gates)
    expectClose(net.objective(data: x, targets: y, beta: 0.1), relu.objective(positive: v, negative: w), relative: 1e-9)
    expectClose(net.weightDecay, net.pathNorm, relative: 1e-12)

    // C-GReLU solved, then its gated network.
    let gatedProg = try ConvexReLUProgram(data: x, targets: y, patterns: p, beta: 0.1, model: .gatedReLU)
    let gated = try gatedProg.solve(options: ConvexSolverOptions(tolerance: 1e-8))
    #expect(gated.report.stopReason == .converged)
    let gnet = gated.network(gates: p.gates)
    expectClose(gnet.objective(data: x, targets: y, beta: 0.1), gatedProg.objective(positive: gated.positive, negative: nil), relative: 1e-9)
    expectClose(gnet.objective(data: x, targets: y, beta: 0.1), gated.report.objective, relative: 1e-9)

    // The solved C-ReLU: the report's objective is the recovered network's value.
    let solved = try relu.solve(options: ConvexSolverOptions(tolerance: 1e-7))
    #expect(solved.report.stopReason == .converged)
    expectClose(solved.network(gates: p.gates).objective(data: x, targets: y, beta: 0.1), solved.report.objective, relative: 1e-9)
  }

  @Test(arguments: [UInt64(4), 5, 6])
  func lowerBoundsNeverExceedTrainedNetworks(seed: UInt64) throws {
    let (x, y) = Self.problem(seed: seed, n: 8)
    let beta = 0.1
    let all = try ActivationPatterns.enumerate(data: x)
    #expect(all.isComplete)
    let prog = try ConvexReLUProgram(data: x, targets: y, patterns: all, beta: beta, model: .relu)
    let sol = try prog.solve(options: ConvexSolverOptions(tolerance: 1e-6))
    #expect(sol.report.stopReason == .converged && sol.report.relativeGap <= 1e-6)
    let lb = sol.report.lowerBound
    let ub = sol.report.objective
    #expect(lb <= ub)
    // Nonconvex training from random starts, plus one start at the recovered network.
    let net = sol.network(gates: all.gates)
    let width = max(net.width, 6)
    let obj = try TwoLayerReLUObjective(data: x, targets: y, width: width, beta: beta)
    var padded = net
    if net.width < width {
      padded = TwoLayerReLUNetwork(
        firstLayer: net.firstLayer.appendingColumns(Matrix(rows: x.columns, columns: width - net.width)),
        outputWeights: net.outputWeights.appendingRows(Matrix(rows: width - net.width, columns: 1)))
    }
    let trainer = NonconvexTrainer(optimizer: Adam(learningRate: 1e-2), iterations: 1500, restarts: 6)
    var gen = SeededGenerator(seed: seed)
    let result = trainer.train(obj, start: obj.parameters(of: padded), using: &gen)
    let best = try #require(result.best)
    for run in result.runs where run.stopReason != .diverged { #expect(run.objective >= lb - 1e-9) }
    #expect(best.objective <= ub + 1e-12)
    // A certificate of each trained network is below its own value and below p* ≤ ub.
    for run in result.runs.prefix(3) {
      let cert = try ReLUCertificate.certify(network: obj.network(run.parameters), data: x, targets: y, beta: beta, patterns: all)
      #expect(cert.scope == .global)
      #expect(cert.lowerBound <= ub + 1e-12)
      #expect(cert.lowerBound <= cert.objective)
    }
    // Sampled patterns only give an upper bound: value ≥ the full-pattern value (§10.15).
    var g2 = SeededGenerator(seed: seed + 50)
    let few = try ActivationPatterns.sample(data: x, count: 4, using: &g2)
    let sampled = try ConvexReLUProgram(data: x, targets: y, patterns: few, beta: beta, model: .relu).solve(options: ConvexSolverOptions(tolerance: 1e-8))
    #expect(sampled.report.objective >= lb - 1e-12)
    // C-GReLU over all patterns is a lower bound on p* (§3.6).
    let gated = try ConvexReLUProgram(data: x, targets: y, patterns: all, beta: beta, model: .gatedReLU).solve(options: ConvexSolverOptions(tolerance: 1e-8))
    #expect(gated.report.lowerBound <= ub)
  }

  @Test func warmStartedPathMatchesColdSolves() throws {
    // All patterns: every certified value is within tol of p*(β), warm or cold.
    let (x, y) = Self.problem(seed: 9, n: 10)
    let p = try ActivationPatterns.enumerate(data: x)
    let betas = [1.0, 0.3, 0.1]
    for model in ConvexReLUModel.allCases {
      let prog = try ConvexReLUProgram(data: x, targets: y, patterns: p, beta: 1, model: model)
      let tol = 1e-6
      let path = try prog.path(betas: betas, options: ConvexSolverOptions(tolerance: tol))
      for (b, s) in zip(betas, path) {
        let cold = try ConvexReLUProgram(data: x, targets: y, patterns: p, beta: b, model: model).solve(options: ConvexSolverOptions(tolerance: tol))
        #expect(s.report.stopReason == .converged && cold.report.stopReason == .converged)
        #expect(s.report.lowerBound <= cold.report.objective && cold.report.lowerBound <= s.report.objective)
        #expect(abs(s.report.objective - cold.report.objective) <= 2 * tol * cold.report.objective)
      }
    }
  }

  @Test func invalidProgramsThrow() throws {
    let (x, y) = Self.problem(seed: 1, n: 5)
    var gen = SeededGenerator(seed: 1)
    let p = try ActivationPatterns.sample(data: x, count: 3, using: &gen)
    #expect(throws: ConvexReLUError.self) { try ConvexReLUProgram(data: x, targets: y, patterns: p, beta: 0) }
    #expect(throws: ConvexReLUError.self) { try ConvexReLUProgram(data: x, targets: Array(y.prefix(4)), patterns: p, beta: 1) }
    #expect(throws: ConvexReLUError.self) { try ConvexReLUProgram(data: x, targets: y, patterns: p, beta: 1, loss: .logistic) }
    #expect(throws: ConvexReLUError.self) { try ConvexReLUProgram(data: x, targets: y, patterns: p, beta: 1, loss: .squared).solve(options: ConvexSolverOptions(tolerance: 0)) }
    // An unpenalised output bias is implemented for the squared loss only.
    #expect(throws: ConvexReLUError.self) {
      try ConvexReLUProgram(data: x, targets: y.map { $0 > 0 ? 1 : -1 }, patterns: p, beta: 1, loss: .hinge, unregularizedBias: true)
    }
  }
}
