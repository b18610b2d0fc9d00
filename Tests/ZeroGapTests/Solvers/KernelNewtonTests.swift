import Foundation
import Testing
@testable import ZeroGap

/// The Newton on the blocks' scales (`KernelNewton`) of C-GReLU, checked against the definitions (Xᵀ D_b v summed
/// entry by entry, `SupportNewtonTests.Instance`): its function J(s) bounds the objective of the point it defines and
/// has the stated gradient; from zero scales (no support guess at all) it reaches the KKT conditions of the whole
/// program; and fits that take it stay certified.
@Suite struct KernelNewtonTests {
  typealias Instance = SupportNewtonTests.Instance

  /// The point u_b = s_b Xᵀ D_b r of the scales s, r = K(s)⁻¹y, from the definitions.
  static func point(_ inst: Instance, scales s: [Double], residual r: [Double]) -> Matrix {
    let p = inst.program
    var u = Matrix(rows: p.x.columns, columns: p.masks.columns)
    for b in 0..<p.masks.columns {
      let c = Instance.correlation(x: p.x, masks: p.masks, block: b, v: r)
      for i in 0..<c.count { u[i, b] = s[b] * c[i] }
    }
    return u
  }

  /// At any s ≥ 0: r is the residual of u(s) (y − ŷ = r, the ridge problem's optimality), J(s) is at least the
  /// objective of u(s) (the variational form bounds each ‖u_b‖ from above), and ∂J/∂s_b = (β² − ‖Xᵀ D_b r‖²)/2 by
  /// central differences.
  @Test(arguments: [UInt64(11), 12]) func scaleObjectiveMatchesTheDefinitions(seed: UInt64) throws {
    let inst = try Instance(seed: seed, betaFraction: 0.05)
    let p = inst.program, beta = p.beta, B = p.masks.columns
    var g = SeededGenerator(seed: seed + 70)
    var s = (0..<B).map { _ in abs(g.nextNormal()) * 0.02 }
    for b in stride(from: 0, to: B, by: 4) { s[b] = 0 }
    let (value, r) = try #require(KernelNewton.scaleObjective(program: p, scales: s))
    let u = Self.point(inst, scales: s, residual: r)
    let (objective, residual) = inst.objective(u)
    for j in 0..<r.count { #expect(abs(residual[j] - r[j]) <= 1e-10 * (1 + abs(r[j]))) }
    #expect(objective <= value + 1e-10 * value)
    #expect(objective >= value * 0.5, "J should bound the objective tightly enough to be a useful model")
    for b in [1, 2, 5, 9] {
      let h = 1e-6 * Swift.max(s[b], 1e-3)
      var up = s, down = s
      up[b] += h
      down[b] -= h
      let fd = (try #require(KernelNewton.scaleObjective(program: p, scales: up)).value
        - (try #require(KernelNewton.scaleObjective(program: p, scales: down)).value)) / (2 * h)
      let z = Instance.correlation(x: p.x, masks: p.masks, block: b, v: r).norm2
      let exact = 0.5 * (beta * beta - z * z)
      #expect(abs(fd - exact) <= 1e-5 * Swift.max(1, abs(exact)), "block \(b): \(fd) against \(exact)")
    }
  }

  /// The minimiser of J along the uniform scales c·1 by golden-section search on J itself (a factorisation per
  /// trial, `scaleObjective`).
  static func rayMinimiser(_ p: GatedReLUProgram) throws -> Double {
    func j(_ t: Double) throws -> Double {
      try #require(KernelNewton.scaleObjective(program: p, scales: [Double](repeating: exp(t), count: p.masks.columns))).value
    }
    var (a, b) = (log(1e-12), log(1e6))
    let phi = (5.0.squareRoot() - 1) / 2
    for _ in 0..<200 {
      let c = b - phi * (b - a), d = a + phi * (b - a)
      if try j(c) < j(d) { b = d } else { a = c }
    }
    return exp((a + b) / 2)
  }

  /// 24 samples, 4 features, 10 sampled patterns, β = `betaFraction`·β_max: fewer samples than Lanczos steps, so the
  /// Krylov space of the uniform start is exact.
  static func smallProgram(seed: UInt64, betaFraction: Double) throws -> GatedReLUProgram {
    var g = SeededGenerator(seed: seed)
    let x = g.normalMatrix(rows: 24, columns: 4)
    let y = g.normalVector(24)
    let masks = try ActivationPatterns.sample(data: x, count: 10, using: &g).masks
    let largest = (0..<masks.columns).map { Instance.correlation(x: x, masks: masks, block: $0, v: y).norm2 }.max()!
    return GatedReLUProgram(x: x, targets: y, masks: masks, beta: betaFraction * largest, loss: SolverLoss(.squared))
  }

  /// The uniform start's c*: with fewer samples than Lanczos steps the quadrature is exact, and c* is the minimiser
  /// of J along c·1 found by search on J itself. (With more samples it can be off by a factor of two or three where
  /// G has small eigenvalues — seed 32 below, twice the minimiser — which the start's halving corrects.)
  /// In single precision (G rounded, products in `ssymv`) it agrees to 10⁻⁴.
  @Test(arguments: [
    (UInt64(31), 0.01, KernelFactor.Precision.double), (32, 1e-3, .double), (33, 0.1, .double), (31, 0.01, .single), (32, 1e-3, .single),
    (33, 0.1, .single),
  ])
  func uniformScaleMinimisesJAlongTheRay(seed: UInt64, betaFraction: Double, precision: KernelFactor.Precision) throws {
    let small = try Self.smallProgram(seed: seed, betaFraction: betaFraction)
    var kernel = ScaledKernel(program: small, precision: precision)
    var work = KernelFactor(order: 24, precision: precision)
    let estimate = kernel.uniformScaleMinimiser(work: &work)
    let c = try #require(estimate)
    let exact = try Self.rayMinimiser(small)
    #expect(abs(c - exact) <= (precision == .double ? 1e-5 : 1e-4) * exact, "\(c) against \(exact)")
  }

  /// The probe's fraction (`uniformStartActiveFraction`) with as many Lanczos steps as samples (the Krylov space then
  /// invariant: c* and r exact) against the definitions: c* by golden-section search on J itself, r = K(s)⁻¹y at
  /// s = c*/2 from a factorisation, ‖A_bᵀr‖ entry by entry. With four steps it is an estimate, still a fraction.
  @Test(arguments: [(UInt64(31), 0.01), (33, 0.05), (34, 0.02)])
  func probeFractionMatchesTheDefinitions(seed: UInt64, betaFraction: Double) throws {
    let p = try Self.smallProgram(seed: seed, betaFraction: betaFraction)
    let x = p.x, y = p.targets, masks = p.masks
    let fraction = try #require(KernelNewton.uniformStartActiveFraction(program: p, steps: 24))
    let c = try Self.rayMinimiser(p)
    let r = try #require(KernelNewton.scaleObjective(program: p, scales: [Double](repeating: KernelNewton.uniformFraction * c, count: 10))).residual
    let norms = (0..<10).map { Instance.correlation(x: x, masks: masks, block: $0, v: r).norm2 }
    // Blocks within 10⁻⁶ of β may fall either side of it (c* from a search).
    let sure = norms.filter { $0 >= p.beta * (1 + 1e-6) }.count, possible = norms.filter { $0 >= p.beta * (1 - 1e-6) }.count
    #expect(Double(sure) / 10 <= fraction + 1e-12 && fraction <= Double(possible) / 10 + 1e-12, "\(fraction): \(norms) against \(p.beta)")
    let rough = try #require(KernelNewton.uniformStartActiveFraction(program: p, steps: 4))
    #expect(rough >= 0 && rough <= 1)

    // The resolvent itself: ‖y‖V(I + cT)⁻¹e₁ against (I + cG)⁻¹y from a factorisation, G's products through the blocks.
    var chord = KernelChord(program: p)
    let ones = [Double](repeating: 1, count: 10)
    let lanczos = try #require(LanczosQuadrature(start: y, steps: 24) { v, w in
      let gv = chord.product(ones, (0..<24).map { v[$0] })
      for i in 0..<24 { w[i] = gv[i] - v[i] }
    })
    let approximate = lanczos.resolvent(0.5 * c)
    let error = zip(approximate, r).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    #expect(error <= 1e-8 * y.norm2, "\(error)")
  }

  /// The probe in a fit: at 0.025·β_max, above `firstBelow`, a problem of `probeRows` samples or more whose blocks
  /// nearly all exceed β at the uniform start (the probe says so) certifies with the Newton alone; the same data cut
  /// below `probeRows` runs the rounds, and so does a problem of as many samples whose probe says no (targets of a
  /// few planted neurons: most blocks below β at the uniform start).
  @Test func largeFitProbesTheUniformStart() throws {
    var g = SeededGenerator(seed: 23)
    let n = KernelNewton.probeRows + 200
    let x = g.normalMatrix(rows: n, columns: 20)
    let y = g.normalVector(n)
    func fit(rows: Int, targets: [Double]) throws -> (ConvexReLUSolution, Bool) {
      let xs = x.rows(0..<rows), ys = Array(targets[0..<rows])
      var gates = SeededGenerator(seed: 24)
      let patterns = try ActivationPatterns.sample(data: xs, count: 100, using: &gates)
      let largest = (0..<patterns.masks.columns).map { Instance.correlation(x: xs, masks: patterns.masks, block: $0, v: ys).norm2 }.max()!
      let beta = 0.025 * largest
      let probe = KernelNewton.probe(GatedReLUProgram(x: xs, targets: ys, masks: patterns.masks, beta: beta, loss: SolverLoss(.squared)))
      let solution = try ConvexReLUProgram(data: xs, targets: ys, patterns: patterns, beta: beta, model: .gatedReLU)
        .solve(options: ConvexSolverOptions(tolerance: 1e-8, maxIterations: 200_000))
      #expect(solution.report.stopReason == .converged)
      #expect(solution.report.lowerBound <= solution.report.objective)
      return (solution, probe)
    }
    let (large, yes) = try fit(rows: n, targets: y)
    #expect(yes)
    #expect(large.report.iterations == 0 && (large.report.newtonSteps ?? 0) > 0, "\(large.report)")
    let (small, _) = try fit(rows: KernelNewton.probeRows / 2, targets: y)
    #expect(small.report.iterations > 0)
    // Two planted ReLU neurons: the optimum is sparse and the uniform start puts many blocks below β.
    let w1 = g.normalVector(20), w2 = g.normalVector(20)
    let planted = (0..<n).map { i in
      let row = (0..<20).map { x[i, $0] }
      return max(0, row.dot(w1)) - max(0, row.dot(w2))
    }
    let (sparse, no) = try fit(rows: n, targets: planted)
    #expect(!no)
    #expect(sparse.report.iterations > 0, "\(sparse.report)")
  }

  /// The hand-off (`init(handOff:)`): with a budget no support Newton exceeds, the attempt from the uniform start
  /// stops before its first step (its point is the start's, a point of the program: its objective from the
  /// definitions, above a certified fit's lower bound); with none it goes on to the optimum. Below `probeRows` samples
  /// a fit gets no budget (`handOff(for:)`).
  @Test func handOffStopsTheStepsOnCheapSupports() throws {
    let inst = try Instance(seed: 3, betaFraction: 0.01)
    let p = inst.program
    let stopped = try #require(KernelNewton(program: p, u: nil, tolerance: 1e-10, handOff: .infinity))
    #expect(stopped.steps == 0)
    #expect(abs(stopped.objective - inst.objective(stopped.u).value) <= 1e-11 * stopped.objective)
    let full = try #require(KernelNewton(program: p, u: nil, tolerance: 1e-10))
    #expect(full.steps > 0)
    let fit = try inst.solve(tolerance: 1e-9)
    #expect(stopped.objective >= fit.report.lowerBound)
    #expect(stopped.objective > full.objective * (1 + 1e-6), "the start should not already be optimal")
    #expect(KernelNewton.handOff(for: p) == nil)
  }

  /// No uniform scale lowers J once β²B ≥ Σ_b ‖A_bᵀy‖² (here β = β_max): no start.
  @Test func noUniformScaleAtLargeBeta() throws {
    let p = try Instance(seed: 5, betaFraction: 1).program
    var kernel = ScaledKernel(program: p)
    var work = KernelFactor(order: p.x.rows, precision: .double)
    #expect(kernel.uniformScaleMinimiser(work: &work) == nil)
    #expect(KernelNewton(program: p, u: nil, tolerance: 1e-8) == nil)
  }

  /// From U = 0 (every scale 0) and from the uniform scales (no point), at β = 10⁻² and 10⁻³·β_max: the point (the
  /// Newton iterate or its magnitude refit, whichever certified) satisfies the KKT conditions over every block, its
  /// objective is its own from the definitions, J(s*) equals it (no gap in the variational form at the optimum), and
  /// it agrees with a certified fit. With factors in double precision and in single (r then refined by conjugate
  /// gradients, `KernelNewton.solve`), alike.
  @Test(arguments: [
    (UInt64(1), 0.01, true, KernelFactor.Precision.single), (2, 0.01, true, .single), (3, 1e-3, true, .single), (6, 0.2, true, .single),
    (1, 0.01, false, .single), (3, 1e-3, false, .single), (6, 0.2, false, .single), (32, 1e-3, false, .single),
    (1, 0.01, true, .double), (3, 1e-3, true, .double), (3, 1e-3, false, .double), (32, 1e-3, false, .double),
  ])
  func reachesTheWholeProgramsOptimum(seed: UInt64, betaFraction: Double, fromZero: Bool, precision: KernelFactor.Precision) throws {
    let inst = try Instance(seed: seed, betaFraction: betaFraction)
    let p = inst.program
    let zero = Matrix(rows: p.x.columns, columns: p.masks.columns)
    let newton = try #require(KernelNewton(program: p, u: fromZero ? zero : nil, tolerance: 1e-12, maxSteps: 60, precision: precision))
    #expect(abs(newton.objective - inst.objective(newton.u).value) <= 1e-11 * newton.objective)
    // A certified relative gap δ bounds ‖ŷ − ŷ*‖² by 2δ·objective, so the violation is of order √δ (here 10⁻⁶), not δ.
    let violation = inst.kktViolation(newton.u, blocks: Array(0..<p.masks.columns))
    #expect(violation <= 3e-6, "KKT violation \(violation)")
    let j = try #require(KernelNewton.scaleObjective(program: p, scales: newton.scales)).value
    #expect(abs(j - newton.objective) <= 1e-9 * newton.objective)
    let fit = try inst.solve(tolerance: 1e-9)
    #expect(newton.objective >= fit.report.lowerBound)
    #expect(newton.objective <= fit.report.objective * (1 + 1e-9))
    #expect(newton.steps <= 40, "took \(newton.steps) steps")
  }

  /// More unknowns than samples (B·d = 240 > n = 60) at β = 10⁻³·β_max, where the fit starts with the scales'
  /// Newton (`KernelNewton.firstBelow`) and certifies without a FISTA iteration, with the full program's KKT
  /// conditions from the definitions.
  @Test func wideSmallBetaFitIsCertified() throws {
    var g = SeededGenerator(seed: 21)
    let x = g.normalMatrix(rows: 60, columns: 6)
    let y = g.normalVector(60)
    let patterns = try ActivationPatterns.sample(data: x, count: 40, using: &g)
    let largest = (0..<40).map { Instance.correlation(x: x, masks: patterns.masks, block: $0, v: y).norm2 }.max()!
    let beta = 1e-3 * largest
    let fit = try ConvexReLUProgram(data: x, targets: y, patterns: patterns, beta: beta, model: .gatedReLU)
      .solve(options: ConvexSolverOptions(tolerance: 1e-8, maxIterations: 200_000))
    #expect(fit.report.stopReason == .converged)
    #expect(fit.report.lowerBound <= fit.report.objective)
    #expect(fit.report.iterations == 0 && (fit.report.newtonSteps ?? 0) > 0, "\(fit.report)")
    let objective = fit.positive
    var residual = y
    for j in 0..<60 { for b in 0..<40 where patterns.masks[j, b] != 0 { for i in 0..<6 { residual[j] -= x[j, i] * objective[i, b] } } }
    let penalty = (0..<40).reduce(0.0) { $0 + objective.column($1).norm2 }
    #expect(abs(0.5 * residual.dot(residual) + beta * penalty - fit.report.objective) <= 1e-10 * fit.report.objective)
    var worst = 0.0
    for b in 0..<40 {
      let c = Instance.correlation(x: x, masks: patterns.masks, block: b, v: residual), ub = objective.column(b), nb = ub.norm2
      worst = max(worst, nb > 0 ? zip(c, ub).map { ($0 - beta * $1 / nb) * ($0 - beta * $1 / nb) }.reduce(0, +).squareRoot() / beta
        : max(0, c.norm2 - beta) / beta)
    }
    #expect(worst <= 1e-3, "KKT violation \(worst)")

    // Above `firstBelow` the rounds run first.
    let larger = try ConvexReLUProgram(data: x, targets: y, patterns: patterns, beta: 0.05 * largest, model: .gatedReLU)
      .solve(options: ConvexSolverOptions(tolerance: 1e-8, maxIterations: 200_000))
    #expect(larger.report.stopReason == .converged)
    #expect(larger.report.iterations > 0)
  }

  /// Not for the logistic loss, nor within a memory budget its n×n buffers exceed.
  @Test func declinesOtherLosses() throws {
    let inst = try Instance(seed: 3, betaFraction: 0.01)
    let p = inst.program
    let logistic = GatedReLUProgram(x: p.x, targets: p.targets.map { $0 > 0 ? 1 : -1 }, masks: p.masks, beta: p.beta, loss: SolverLoss(.logistic))
    let zero = Matrix(rows: p.x.columns, columns: p.masks.columns)
    #expect(KernelNewton(program: logistic, u: zero, tolerance: 1e-8) == nil)
    #expect(KernelNewton.attemptCost(for: logistic, memoryBytes: 1 << 30) == nil)
    #expect(KernelNewton.attemptCost(for: p, memoryBytes: 1 << 30) != nil)
    #expect(KernelNewton.attemptCost(for: p, memoryBytes: 1000) == nil, "the buffers exceed a 1000-byte budget")
  }
}
