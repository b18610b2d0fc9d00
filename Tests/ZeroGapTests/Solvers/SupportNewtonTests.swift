import Testing
@testable import ZeroGap

/// The semismooth Newton on the support (`SupportNewton`) of C-GReLU iterates: from near the optimum it reaches the
/// optimality conditions of the program restricted to the support (recomputed entry by entry from the definitions
/// Xᵀ D_b (y − ŷ)); from a support guessed too large it still returns a point of the program no worse than its start;
/// and a small-β fit, where it replaces thousands of FISTA steps, satisfies the full program's KKT conditions.
@Suite struct SupportNewtonTests {
  struct Instance {
    let program: GatedReLUProgram
    let patterns: ActivationPatterns
    let betaMax: Double
    init(seed: UInt64, betaFraction: Double) throws {
      var g = SeededGenerator(seed: seed)
      let x = g.normalMatrix(rows: 120, columns: 5)
      let y = g.normalVector(120)
      let sampled = try ActivationPatterns.sample(data: x, count: 20, using: &g)
      let largest = (0..<20).map { b in Self.correlation(x: x, masks: sampled.masks, block: b, v: y).norm2 }.max()!
      patterns = sampled
      betaMax = largest
      program = GatedReLUProgram(x: x, targets: y, masks: sampled.masks, beta: betaFraction * largest, loss: SolverLoss(.squared))
    }

    /// Xᵀ D_b v summed entry by entry.
    static func correlation(x: Matrix, masks: Matrix, block b: Int, v: [Double]) -> [Double] {
      (0..<x.columns).map { i in (0..<x.rows).reduce(0.0) { masks[$1, b] != 0 ? $0 + x[$1, i] * v[$1] : $0 } }
    }

    /// ŷ = Σ_b D_b X u_b and the objective ½‖ŷ − y‖² + β Σ‖u_b‖, from the definitions.
    func objective(_ u: Matrix) -> (value: Double, residual: [Double]) {
      let x = program.x, m = program.masks, y = program.targets
      var residual = y
      for j in 0..<x.rows {
        for b in 0..<m.columns where m[j, b] != 0 { for i in 0..<x.columns { residual[j] -= x[j, i] * u[i, b] } }
      }
      let penalty = (0..<u.columns).reduce(0.0) { $0 + u.column($1).norm2 }
      return (0.5 * residual.dot(residual) + program.beta * penalty, residual)
    }

    /// The worst violation of the KKT conditions over the blocks `blocks`, relative to β: ‖s_b − β u_b/‖u_b‖‖ on
    /// nonzero blocks, (‖s_b‖ − β)_+ on zero ones, s_b = Xᵀ D_b (y − ŷ).
    func kktViolation(_ u: Matrix, blocks: [Int]) -> Double {
      let r = objective(u).residual, beta = program.beta
      var worst = 0.0
      for b in blocks {
        let s = Self.correlation(x: program.x, masks: program.masks, block: b, v: r)
        let ub = u.column(b), nb = ub.norm2
        if nb > 0 {
          worst = max(worst, zip(s, ub).map { ($0 - beta * $1 / nb) * ($0 - beta * $1 / nb) }.reduce(0, +).squareRoot() / beta)
        } else {
          worst = max(worst, max(0, s.norm2 - beta) / beta)
        }
      }
      return worst
    }

    func solve(tolerance: Double) throws -> ConvexReLUSolution {
      try ConvexReLUProgram(data: program.x, targets: program.targets, patterns: patterns, beta: program.beta, model: .gatedReLU)
        .solve(options: ConvexSolverOptions(tolerance: tolerance, maxIterations: 500_000))
    }
  }

  @Test(arguments: [UInt64(1), 2, 3]) func reachesTheOptimumOfItsSupportFromNearby(seed: UInt64) throws {
    let inst = try Instance(seed: seed, betaFraction: 0.01)
    let solution = try inst.solve(tolerance: 1e-10)
    var g = SeededGenerator(seed: seed + 50)
    var u = solution.positive
    let support = (0..<u.columns).filter { u.column($0).norm2 > 0 }
    #expect(support.count >= 10, "a small β should leave most blocks active")
    for b in support {
      let nb = u.column(b).norm2
      for i in 0..<u.rows { u[i, b] += 0.05 * nb * g.nextNormal() }
    }
    let start = inst.objective(u).value
    let newton = try #require(SupportNewton(program: inst.program, u: u, tolerance: 1e-12, maxUnknowns: 1000))
    #expect(abs(newton.objective - inst.objective(newton.u).value) <= 1e-11 * newton.objective)
    #expect(newton.objective < start)
    #expect(newton.objective <= solution.report.objective * (1 + 1e-10) && newton.objective >= solution.report.lowerBound)
    #expect(inst.kktViolation(newton.u, blocks: support) <= 1e-7)
    #expect(newton.steps <= 12, "quadratic convergence expected, took \(newton.steps) steps")
  }

  /// Every block nonzero at the start while the optimum has zero blocks: the predicted supports drop them.
  @Test(arguments: [UInt64(4), 5]) func supportGuessedTooLargeStillImproves(seed: UInt64) throws {
    let inst = try Instance(seed: seed, betaFraction: 0.2)
    let solution = try inst.solve(tolerance: 1e-10)
    #expect((0..<solution.positive.columns).contains { solution.positive.column($0).norm2 == 0 })
    var g = SeededGenerator(seed: seed + 60)
    let u = g.normalMatrix(rows: 5, columns: 20, scale: 0.01)
    let start = inst.objective(u).value
    let newton = try #require(SupportNewton(program: inst.program, u: u, tolerance: 1e-12, maxUnknowns: 1000, maxSteps: 200))
    #expect(newton.objective < start)
    #expect(abs(newton.objective - inst.objective(newton.u).value) <= 1e-11 * newton.objective)
    #expect(newton.objective >= solution.report.lowerBound)
    #expect(newton.objective <= solution.report.objective * (1 + 1e-8), "Newton stopped at \(newton.objective) above the optimum \(solution.report.objective)")
  }

  /// A block the optimum needs, zero at the start: over the start's support alone the Newton stops at that support's
  /// optimum (the block's dual constraint violated), with it included (`including:`) it reaches the whole program's.
  @Test(arguments: [UInt64(1), 2]) func includedBlocksEnter(seed: UInt64) throws {
    let inst = try Instance(seed: seed, betaFraction: 0.05)
    let solution = try inst.solve(tolerance: 1e-10)
    let support = (0..<solution.positive.columns).filter { solution.positive.column($0).norm2 > 0 }
    let missing = try #require(support.max { solution.positive.column($0).norm2 < solution.positive.column($1).norm2 })
    var u = solution.positive
    for i in 0..<u.rows { u[i, missing] = 0 }
    let all = Array(0..<u.columns)
    let without = try #require(SupportNewton(program: inst.program, u: u, tolerance: 1e-12, maxUnknowns: 1000))
    #expect(without.u.column(missing).norm2 == 0)
    #expect(inst.kktViolation(without.u, blocks: all) > 1e-3)
    let with = try #require(SupportNewton(program: inst.program, u: u, including: [missing], tolerance: 1e-12, maxUnknowns: 1000))
    #expect(with.u.column(missing).norm2 > 0)
    #expect(inst.kktViolation(with.u, blocks: all) <= 1e-5)
    #expect(with.objective <= solution.report.objective * (1 + 1e-10) && with.objective >= solution.report.lowerBound)
  }

  /// β = 10⁻³·β_max, every block active: the fit certifies 10⁻⁹ and the returned point satisfies the KKT conditions
  /// of the full program over every block.
  @Test func smallBetaFitSatisfiesTheFullConditions() throws {
    let inst = try Instance(seed: 8, betaFraction: 1e-3)
    let solution = try inst.solve(tolerance: 1e-9)
    #expect(solution.report.stopReason == .converged)
    #expect(solution.report.lowerBound <= solution.report.objective)
    #expect(abs(inst.objective(solution.positive).value - solution.report.objective) <= 1e-11 * solution.report.objective)
    #expect(inst.kktViolation(solution.positive, blocks: Array(0..<20)) <= 1e-4)
  }
}
