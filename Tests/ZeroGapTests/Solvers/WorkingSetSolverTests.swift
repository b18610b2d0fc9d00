import Testing
@testable import ZeroGap

/// Working sets (`WorkingSetSolver`) over C-GReLU: the restricted program is the full one with the other blocks at zero,
/// the certified optimum is the one plain FISTA over all blocks certifies, the returned point satisfies the full
/// program's optimality conditions (recomputed over every block), and a solve stopped early in a restricted round
/// still returns a bound valid for the full program.
@Suite struct WorkingSetSolverTests {
  struct Instance {
    let program: GatedReLUProgram
    init(seed: UInt64, n: Int = 160, d: Int = 5, patterns p: Int = 80, betaFraction: Double, loss: ConvexLoss = .squared) throws {
      var g = SeededGenerator(seed: seed)
      let x = g.normalMatrix(rows: n, columns: d)
      var y = g.normalVector(n)
      if loss == .logistic { y = y.map { $0 >= 0 ? 1 : -1 } }
      let masks = try ActivationPatterns.sample(data: x, count: p, using: &g).masks
      // β as a fraction of β_max = max_b ‖Xᵀ D_b y‖ (squared loss; the logistic ∇ℓ(0) is y/2).
      let scale = loss == .logistic ? 0.5 : 1
      var betaMax = 0.0
      for b in 0..<masks.columns {
        var s = 0.0
        for i in 0..<d {
          var c = 0.0
          for j in 0..<n where masks[j, b] != 0 { c += x[j, i] * y[j] * scale }
          s += c * c
        }
        betaMax = max(betaMax, s.squareRoot())
      }
      program = GatedReLUProgram(x: x, targets: y, masks: masks, beta: betaFraction * betaMax, loss: SolverLoss(loss))
    }

    /// The full program's objective at U, and the block norms ‖(𝒳ᵀ(−∇ℓ))_b‖ of every block.
    func objectiveAndScores(_ u: Matrix) -> (Double, [Double]) {
      let yhat = program.prediction(u)
      var t = Matrix(rows: yhat.count, columns: 1)
      program.adjoint(program.loss.dualPoint(yhat, program.targets), scale: 1, multipliers: nil, into: &t)
      var g = Matrix(rows: program.blockSize, columns: program.blockCount)
      program.liftAdjoint(t, into: &g)
      var scores = [Double](repeating: 0, count: program.blockCount)
      program.blockNorms(g, into: &scores)
      return (program.loss.value(yhat, program.targets) + program.beta * program.penalty(u), scores)
    }
  }

  @Test func restrictedProgramIsTheFullProgramWithZeroBlocks() throws {
    let inst = try Instance(seed: 3, betaFraction: 0.2)
    let full = inst.program, blocks = [2, 5, 6, 40, 79]
    let sub = full.restricted(to: blocks)
    #expect(sub.blockCount == blocks.count)
    var g = SeededGenerator(seed: 4)
    let part = g.normalMatrix(rows: full.blockSize, columns: blocks.count)
    var u = Matrix(rows: full.blockSize, columns: full.blockCount)
    for (q, b) in blocks.enumerated() { for i in 0..<full.blockSize { u[i, b] = part[i, q] } }
    let a = sub.prediction(part), b = full.prediction(u)
    #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
    let v = g.normalVector(full.sampleCount)
    let t = Matrix(rows: v.count, columns: 1, columnMajor: v)
    var gs = Matrix(rows: full.blockSize, columns: blocks.count), gf = Matrix(rows: full.blockSize, columns: full.blockCount)
    sub.liftAdjoint(t, into: &gs)
    full.liftAdjoint(t, into: &gf)
    for (q, blk) in blocks.enumerated() {
      for i in 0..<full.blockSize { #expect(abs(gs[i, q] - gf[i, blk]) <= 1e-12 * max(1, abs(gf[i, blk]))) }
    }
  }

  /// Same certified optimum as plain FISTA over all blocks (a different path: no restriction, its own certificates),
  /// more than one round, and the full program's KKT conditions at the returned point: every block's
  /// ‖Xᵀ D_b (−∇ℓ)‖ ≤ β (to the tolerance), = β on the nonzero blocks.
  @Test(arguments: [(UInt64(1), ConvexLoss.squared), (2, .squared), (3, .squared), (4, .logistic)])
  func certifiesTheSameOptimumAsTheFullSolve(seed: UInt64, loss: ConvexLoss) throws {
    let inst = try Instance(seed: seed, betaFraction: 0.25, loss: loss)
    let options = ConvexSolverOptions(tolerance: 1e-9, maxIterations: 200_000)
    let ws = WorkingSetSolver(program: inst.program, minimumSize: 4).solve(start: nil, options: options)
    let plain = ProximalGradientSolver(program: inst.program).solve(start: nil, multipliers: nil, penalty: nil, options: options)
    #expect(ws.report.stopReason == .converged && plain.report.stopReason == .converged)
    #expect(ws.report.outerIterations > 1, "the working sets were not used")
    // Each certified interval holds the other's optimum.
    #expect(ws.report.lowerBound <= plain.report.objective && plain.report.lowerBound <= ws.report.objective)
    #expect(abs(ws.report.objective - plain.report.objective) <= 2e-9 * abs(plain.report.objective))
    let (objective, scores) = inst.objectiveAndScores(ws.u)
    #expect(abs(objective - ws.report.objective) <= 1e-12 * abs(objective))
    var norms = [Double](repeating: 0, count: inst.program.blockCount)
    inst.program.blockNorms(ws.u, into: &norms)
    let beta = inst.program.beta
    #expect(norms.contains { $0 == 0 } && norms.contains { $0 > 0 })
    for b in 0..<scores.count {
      #expect(scores[b] <= beta * (1 + 1e-3), "block \(b): \(scores[b]) > β = \(beta)")
      if norms[b] > 1e-6 * (norms.max() ?? 1) { #expect(scores[b] >= beta * (1 - 1e-3), "active block \(b): \(scores[b]) < β") }
    }
  }

  /// `dataPasses`: two per FISTA iteration over all blocks; one more for the working sets' first certificate when the
  /// first round is already the whole program; and on working sets each iteration counts |W|/B of two passes, so
  /// fewer than two per iteration but at least the smallest working set's share.
  @Test func dataPassesCountTheWorkingSetsShare() throws {
    let inst = try Instance(seed: 9, betaFraction: 0.15)
    let options = ConvexSolverOptions(tolerance: 1e-8, maxIterations: 200_000)
    let plain = ProximalGradientSolver(program: inst.program).solve(start: nil, multipliers: nil, penalty: nil, options: options)
    #expect(plain.report.dataPasses == 2 * Double(plain.report.iterations))
    let whole = WorkingSetSolver(program: inst.program, fullFraction: 0).solve(start: nil, options: options)
    #expect(whole.report.outerIterations == 1 && whole.report.dataPasses == 1 + 2 * Double(whole.report.iterations))
    let ws = WorkingSetSolver(program: inst.program, minimumSize: 4).solve(start: nil, options: options)
    let passes = try #require(ws.report.dataPasses), iterations = Double(ws.report.iterations), B = Double(inst.program.blockCount)
    #expect(ws.report.stopReason == .converged && ws.report.outerIterations > 1)
    #expect(passes < 2 * iterations, "working sets made \(passes) passes in \(iterations) iterations")
    #expect(passes >= 2 * iterations * 4 / B)
  }

  /// Stopped after a few iterations (inside the first restricted rounds): the lower bound is still one of the full
  /// program, below its optimum, and the objective is the returned point's.
  @Test(arguments: [10, 40, 90]) func earlyStopStillBoundsTheFullProgram(iterations: Int) throws {
    let inst = try Instance(seed: 9, betaFraction: 0.15)
    let optimum = ProximalGradientSolver(program: inst.program)
      .solve(start: nil, multipliers: nil, penalty: nil, options: ConvexSolverOptions(tolerance: 1e-10, maxIterations: 200_000))
    let ws = WorkingSetSolver(program: inst.program, minimumSize: 2)
      .solve(start: nil, options: ConvexSolverOptions(tolerance: 1e-10, maxIterations: iterations))
    #expect(ws.report.stopReason == .maxIterations)
    #expect(ws.report.lowerBound.isFinite && ws.report.lowerBound <= optimum.report.objective)
    #expect(ws.report.objective >= optimum.report.lowerBound)
    #expect(abs(inst.objectiveAndScores(ws.u).0 - ws.report.objective) <= 1e-12 * abs(ws.report.objective))
  }
}
