import Testing
@testable import ZeroGap

/// The exact C-ReLU solvers (column generation, the default for the squared loss, and ADMM, `ConeADMMSolver`;
/// MATH.md §3.3, §3.5): certified 1e-6 gaps on fully enumerated tiny problems, never a cone-infeasible network as a
/// finished solution, the two algorithms certifying the same optimum, and the real breast-cancer data.
@Suite struct ExactReLUSolverTests {
  static func problem(seed: UInt64, n: Int, features: Int) -> (Matrix, [Double]) {
    var gen = SeededGenerator(seed: seed)
    let x = gen.normalMatrix(rows: n, columns: features).appendingColumns(Matrix(rows: n, columns: 1, repeating: 1))
    let y = gen.normalVector(n)
    return (x, y)
  }

  /// max |X U| over both block matrices (the scale of the relative cone-violation tolerance).
  static func scale(_ x: Matrix, _ sol: ConvexReLUSolution) -> Double {
    max(1, Matrix.product(x, sol.positive).maxAbs, Matrix.product(x, sol.negative ?? sol.positive).maxAbs)
  }

  /// Solves C-ReLU over every pattern of (x, y) at β = 0.1 and checks what every tiny solve must give: converged,
  /// a certified relative gap in [0, 1e-6], a cone-feasible solution and a recovered network attaining the
  /// reported objective (to 1e-9).
  static func solveEnumerated(_ x: Matrix, _ y: [Double], beta: Double, algorithm: ExactReLUAlgorithm = .columnGeneration) throws
    -> (patterns: ActivationPatterns, program: ConvexReLUProgram, solution: ConvexReLUSolution, network: TwoLayerReLUNetwork)
  {
    let all = try ActivationPatterns.enumerate(data: x)
    #expect(all.isComplete)
    let prog = try ConvexReLUProgram(data: x, targets: y, patterns: all, beta: beta, model: .relu)
    var options = ConvexSolverOptions(tolerance: 1e-6, maxIterations: 5000)
    options.exactAlgorithm = algorithm
    let sol = try prog.solve(options: options)
    #expect(sol.report.stopReason == .converged)
    #expect(sol.report.relativeGap >= 0 && sol.report.relativeGap <= 1e-6)
    #expect(sol.report.constraintViolation <= 1e-6 * scale(x, sol))
    let net = sol.network(gates: all.gates)
    expectClose(net.objective(data: x, targets: y, beta: beta), sol.report.objective, relative: 1e-9)
    return (all, prog, sol, net)
  }

  /// n = 8, d = 2 (1-D data + bias), every pattern by the angle sweep: certified 1e-6 within 5000 iterations,
  /// and the exact arc-sweep dual norm c(y − ŷ) of the recovered network (a different algorithm, §3.5 way 1)
  /// certifies the same optimum.
  @Test(arguments: [UInt64(11), 12, 13, 14], [ExactReLUAlgorithm.columnGeneration, .admm])
  func tinyTwoDimensionalProblemsReachACertifiedGap(seed: UInt64, algorithm: ExactReLUAlgorithm) throws {
    let (x, y) = Self.problem(seed: seed, n: 8, features: 1)
    let beta = 0.1
    let (_, _, sol, net) = try Self.solveEnumerated(x, y, beta: beta, algorithm: algorithm)
    let value = net.objective(data: x, targets: y, beta: beta)
    // Exact dual norm by the arc sweep at v = y − ŷ(network): an independent lower bound on p*.
    let yhat = net.predict(x).column(0)
    let v = zip(y, yhat).map { $0 - $1 }
    let c = ReLUCertificate.dualNorm2D(v, data: x)
    let lb = ConvexLoss.squared.bestDualScaling(v, y, maxScale: beta / c).value
    #expect(lb <= value + 1e-12)
    #expect((value - lb) / value <= 1e-5)
    #expect(sol.report.lowerBound <= value)
  }

  /// n = 10, d = 3 (2 features + bias), all patterns by vertex-ray enumeration: certified 1e-6 within 5000
  /// iterations; the certified interval overlaps that of the augmented-Lagrangian solver (a different algorithm),
  /// and nonconvex training started at the recovered network never goes below the lower bound.
  @Test(arguments: [UInt64(21), 22])
  func tinyThreeDimensionalProblemsReachACertifiedGap(seed: UInt64) throws {
    let (x, y) = Self.problem(seed: seed, n: 10, features: 2)
    let beta = 0.1
    let (_, prog, sol, net) = try Self.solveEnumerated(x, y, beta: beta)

    var al = ConvexSolverOptions(tolerance: 1e-6, maxIterations: 200_000)
    al.exactAlgorithm = .augmentedLagrangian
    let other = try prog.solve(options: al).report
    #expect(other.stopReason == .converged)
    #expect(other.lowerBound <= sol.report.objective + 1e-12)
    #expect(sol.report.lowerBound <= other.objective + 1e-12)
    expectClose(other.objective, sol.report.objective, relative: 2e-6)

    let obj = try TwoLayerReLUObjective(data: x, targets: y, width: net.width, beta: beta)
    let trainer = NonconvexTrainer(optimizer: Adam(learningRate: 1e-3), iterations: 500, restarts: 2)
    var gen = SeededGenerator(seed: seed)
    let result = trainer.train(obj, start: obj.parameters(of: net), using: &gen)
    for run in result.runs where run.stopReason != .diverged { #expect(run.objective >= sol.report.lowerBound - 1e-12) }
  }

  /// Tall data (n = 400, d = 6, 40 sampled gates), where the cones are narrow, squared loss and logistic loss
  /// (±1 labels, §3.8): column generation and ADMM (different algorithms) each certify a 1e-6 gap, each one's
  /// lower bound is below the other's objective (to ADMM's feasibility tolerance), and the objectives agree to 2e-6 relative; column generation's
  /// blocks are cone-feasible and its recovered network attains its objective.
  @Test(arguments: [UInt64(41), 42], [ConvexLoss.squared, .logistic])
  func columnGenerationAndADMMCertifyTheSameOptimum(seed: UInt64, loss: ConvexLoss) throws {
    var (x, y) = Self.problem(seed: seed, n: 400, features: 5)
    if loss == .logistic { y = y.map { $0 >= 0 ? 1 : -1 } }
    var gen = SeededGenerator(seed: seed)
    let p = try ActivationPatterns.sample(data: x, count: 40, using: &gen)
    let prog = try ConvexReLUProgram(data: x, targets: y, patterns: p, beta: 2, loss: loss, model: .relu)
    var reports: [ConvexSolverReport] = []
    for algorithm in [ExactReLUAlgorithm.columnGeneration, .admm] {
      var o = ConvexSolverOptions(tolerance: 1e-6, maxIterations: 20_000)
      o.exactAlgorithm = algorithm
      let sol = try prog.solve(options: o)
      let r = sol.report
      #expect(r.stopReason == .converged, "\(algorithm): \(r.stopReason), gap \(r.relativeGap)")
      #expect(r.relativeGap >= 0 && r.relativeGap <= 1e-6)
      #expect(r.constraintViolation <= 1e-6 * Self.scale(x, sol))
      expectClose(prog.objective(positive: sol.positive, negative: sol.negative), r.objective, relative: 1e-6)
      if algorithm == .columnGeneration {
        expectClose(sol.network(gates: p.gates).objective(data: x, targets: y, beta: 2, loss: loss), r.objective, relative: 1e-9)
      }
      reports.append(r)
    }
    // ADMM accepts a network whose cone violation is ≤ tol·max|XU| (its patterns may then differ slightly from the
    // sampled ones), so its objective may undercut the sampled program's optimum by O(tol): cross-check to 1e-6.
    #expect(reports[0].lowerBound <= reports[1].objective * (1 + 1e-6))
    #expect(reports[1].lowerBound <= reports[0].objective + 1e-12 * reports[0].objective)
    expectClose(reports[0].objective, reports[1].objective, relative: 2e-6)
  }

  /// Column generation warm-started at its own certified solution needs at most two rounds (its blocks become the
  /// atoms) and certifies the same optimum; warm-started from the solution at a larger β (a regularisation path) it
  /// certifies the same optimum as a cold start.
  @Test func columnGenerationWarmStarts() throws {
    let (x, y) = Self.problem(seed: 43, n: 300, features: 4)
    var gen = SeededGenerator(seed: 43)
    let p = try ActivationPatterns.sample(data: x, count: 30, using: &gen)
    let prog = try ConvexReLUProgram(data: x, targets: y, patterns: p, beta: 1, model: .relu)
    let cold = try prog.solve()
    #expect(cold.report.stopReason == .converged)
    let warm = try prog.solve(warmStart: cold)
    #expect(warm.report.stopReason == .converged)
    #expect(warm.report.iterations <= 2)
    expectClose(warm.report.objective, cold.report.objective, relative: 2e-6)
    let looser = try ConvexReLUProgram(data: x, targets: y, patterns: p, beta: 3, model: .relu).solve()
    let fromPath = try prog.solve(warmStart: looser)
    #expect(fromPath.report.stopReason == .converged)
    expectClose(fromPath.report.objective, cold.report.objective, relative: 2e-6)
    #expect(fromPath.report.lowerBound <= cold.report.objective + 1e-12 * cold.report.objective)
  }

  /// Whatever the budget, a returned solution is a point of the program: a finite objective comes with cone
  /// violation ≤ tolerance·max|XU| and is ≥ the certified lower bound (never a negative gap), and `converged`
  /// means the gap is in [0, tol].
  @Test func budgetsNeverYieldInfeasibleOrNegativeGaps() throws {
    let (x, y) = Self.problem(seed: 31, n: 40, features: 4)
    var gen = SeededGenerator(seed: 31)
    let p = try ActivationPatterns.sample(data: x, count: 30, using: &gen)
    let prog = try ConvexReLUProgram(data: x, targets: y, patterns: p, beta: 0.2, model: .relu)
    for budget in [1, 3, 10, 30, 100, 300, 3000] {
      let tol = 1e-6
      let sol = try prog.solve(options: ConvexSolverOptions(tolerance: tol, maxIterations: budget, checkEvery: 5))
      let r = sol.report
      #expect(r.iterations <= budget)
      #expect(r.lowerBound <= r.objective + 1e-12 * abs(r.objective), "budget \(budget): LB \(r.lowerBound) > UB \(r.objective)")
      #expect(r.constraintViolation <= tol * Self.scale(x, sol), "budget \(budget): violation \(r.constraintViolation)")
      if r.stopReason == .converged { #expect(r.relativeGap >= 0 && r.relativeGap <= tol) }
      // The objective is the program's objective at the returned (feasible) blocks.
      expectClose(prog.objective(positive: sol.positive, negative: sol.negative), r.objective, relative: 1e-6)
    }
  }

  /// `ReLUBlockProgram.repairedObjective` on the nonzero blocks only (column generation's upper bounds) agrees with
  /// the repair over every block: the same repaired blocks and objective, on random blocks with violated cones and
  /// every third block zero; the result is a point of the program.
  @Test func repairedObjectiveOnNonzeroBlocksMatchesAllBlocks() throws {
    let (x, y) = Self.problem(seed: 41, n: 120, features: 4)
    var gen = SeededGenerator(seed: 42)
    let patterns = try ActivationPatterns.sample(data: x, count: 12, using: &gen)
    let layout = BlockLayout(patternCount: patterns.count, model: .relu)
    let masks = layout.perBlock(patterns.masks)
    let program = ReLUBlockProgram(
      x: x, targets: y, masks: masks, signs: layout.signs, beta: 0.3, loss: SolverLoss(.squared),
      cones: ConeRepair(x: x, masks: masks, gates: layout.perBlock(patterns.gates)))
    var u = gen.normalMatrix(rows: x.columns, columns: layout.blockCount)
    for b in stride(from: 0, to: layout.blockCount, by: 3) { for i in 0..<x.columns { u[i, b] = 0 } }
    #expect(!program.isFeasible(Matrix.product(x, u)))
    var restricted = u, full = u
    let value = try #require(program.repairedObjective(&restricted))
    let reference = try #require(program.repairedObjectiveOverAllBlocks(&full))
    expectClose(value, reference, relative: 1e-10)
    #expect(zip(restricted.storage, full.storage).allSatisfy { abs($0 - $1) <= 1e-10 * (1 + abs($1)) })
    #expect(program.isFeasible(Matrix.product(x, restricted)))
    #expect(restricted != u, "some block was repaired")
  }

  /// The memory check is per algorithm: column generation's fixed workspaces are five n×B buffers (its atoms are
  /// budgeted as they arrive), ADMM's a dozen. A budget just below ADMM's refuses it before solving and lets column
  /// generation certify (about 140 atoms); one that leaves room for three atoms stops it with `memoryLimit`, its bounds still sound.
  @Test func memoryBudgetIsPerAlgorithm() throws {
    let (x, y) = Self.problem(seed: 31, n: 200, features: 4)
    var gen = SeededGenerator(seed: 32)
    let patterns = try ActivationPatterns.sample(data: x, count: 40, using: &gen)
    let prog = try ConvexReLUProgram(data: x, targets: y, patterns: patterns, beta: 0.1, model: .relu)
    var cg = ConvexSolverOptions(tolerance: 1e-6, maxIterations: 500)
    var admm = cg
    admm.exactAlgorithm = .admm
    let (cgBytes, admmBytes) = (prog.workspaceBytes(options: cg), prog.workspaceBytes(options: admm))
    #expect(cgBytes == 5 * 8 * (200 + 5) * prog.blockCount)
    #expect(admmBytes == 12 * 8 * (200 + 5) * prog.blockCount)
    cg.memoryBudget = MemoryBudget(bytes: admmBytes - 1)
    admm.memoryBudget = cg.memoryBudget
    #expect(throws: ConvexReLUError.self) { try prog.solve(options: admm) }
    let solved = try prog.solve(options: cg)
    #expect(solved.report.stopReason == .converged)
    #expect(solved.report.outerIterations > 3)
    // Three atoms: 16·3² bytes of Gram and 16(n + d)·3 of columns and directions.
    cg.memoryBudget = MemoryBudget(bytes: cgBytes + 16 * 9 + 16 * (200 + 5) * 3)
    let tight = try prog.solve(options: cg)
    #expect(tight.report.stopReason == .memoryLimit)
    #expect(tight.report.lowerBound <= tight.report.objective)
    #expect(tight.report.objective >= solved.report.lowerBound)
  }

  /// Breast cancer (569×31 standardised + bias, ±1 labels, squared loss), 100 Gaussian gates (seed 1), β by the
  /// benchmark rule: certified 1e-6 gap; C-GReLU on the same gates is a lower bound (§3.6).
  @Test func breastCancerWithHundredGates() throws {
    let bc = try BuiltinDatasets.load("breast-cancer").signedLabels()
    let x = try Standardizer(fitting: bc.features).transform(bc.features).addingBiasColumn()
    let y = bc.targets.column(0)
    var g = SeededGenerator(seed: 1)
    let p = try ActivationPatterns.fromGates(g.normalMatrix(rows: x.columns, columns: 100), data: x)
    var lam = 0.0
    for i in 0..<p.count {
      var v = [Double](repeating: 0, count: x.rows)
      for j in 0..<x.rows { v[j] = p.masks[j, i] * y[j] }
      lam = max(lam, x.multiply(v, trans: .transpose).norm2)
    }
    let beta = 0.1 * lam
    let prog = try ConvexReLUProgram(data: x, targets: y, patterns: p, beta: beta, model: .relu)
    let sol = try prog.solve(options: ConvexSolverOptions(tolerance: 1e-6, maxIterations: 20_000))
    #expect(sol.report.stopReason == .converged)
    #expect(sol.report.relativeGap >= 0 && sol.report.relativeGap <= 1e-6)
    #expect(sol.report.constraintViolation <= 1e-6 * Self.scale(x, sol))
    let net = sol.network(gates: p.gates)
    expectClose(net.objective(data: x, targets: y, beta: beta), sol.report.objective, relative: 1e-9)
    let gated = try ConvexReLUProgram(data: x, targets: y, patterns: p, beta: beta, model: .gatedReLU)
      .solve(options: ConvexSolverOptions(tolerance: 1e-6))
    #expect(gated.report.lowerBound <= sol.report.objective)
  }
}
