/// An unconstrained group-sparse program that can be restricted to some of its blocks, the others fixed at zero
/// (what `WorkingSetSolver` needs).
protocol RestrictableProgram: GroupSparseProgram {
  /// The same program over the blocks `blocks` only (ascending), in that order: its block q is block `blocks[q]`.
  func restricted(to blocks: [Int]) -> Self
}

/// Working sets over the blocks of an unconstrained group-sparse program (MATH.md §3.5, §3.7): restarted FISTA
/// (`ProximalGradientSolver`) runs on the program restricted to a working set W of blocks, and the certificate is
/// always the full program's.
///
/// **Why it is sound.** A point with zero blocks outside W has the same objective in both programs, so the restricted
/// solver's best point is an upper bound of the full program. Its best dual point v is a dual point of the full program
/// as well, with c̄ = max over *all* blocks of ‖(𝒳ᵀ𝒜ᵀv)_b‖ (one full adjoint per round): −ℓ*(−s v) with s ≤ β/c̄ is
/// then a lower bound of the full program (§3.5), whatever W was. The full relative gap decides convergence.
///
/// **Rounds.** W = the support S of the current point plus the blocks with the largest ‖(𝒳ᵀ𝒜ᵀv)_b‖ (the most
/// violated dual constraints first), |W| = max(1.5|S|, |S| + 16) (`growth`, `minimumSize`), never shrinking, and
/// doubled after a round whose inner solve reached the full tolerance without certifying the full program. The inner
/// tolerance follows the full gap (a tenth of it, at least the requested one), so early rounds are cheap; the step
/// size, the point and the support Newton's unspent budget carry over. Once W would hold `fullFraction` of the
/// blocks the last round solves the whole program. Each restricted iteration costs |W|/B of a full one (both GEMMs
/// shrink), which is the gain when the support is small. Measured (one thread, relative gap 10⁻⁶; the README's
/// suite): breast-cancer with 500 gates and 29 active 0.38 → 0.043 s, digits 1.0 → 0.62 s, the ill-conditioned set
/// 1.36 → 0.78 s, n = 100 000 with 500 gates (two threads) 55 → 13 s; no gain where most blocks are active (diabetes,
/// digits at β = 0.01·β_max).
///
/// **Small β.** At β ≤ `KernelNewton.firstBelow`·β_max most blocks end up active and FISTA needs thousands of passes;
/// where the Newton on the blocks' scales costs at most `KernelNewton.supportCostFactor` support Newtons with every
/// block active, it runs first, from uniform scales, on the whole program, and the rounds start from its point if it
/// did not certify (measured in the README's suite: diabetes at
/// 10⁻³·β_max 0.043 → 0.016 s, the ill-conditioned set 1.74 → 1.16 s). Up to `KernelNewton.probeBelow`·β_max it
/// does on 1 000 samples or more when nearly every block would enter at the uniform start (`KernelNewton.probe`):
/// digits-std with 200 gates at 0.05·β_max 0.50 → 0.34 s, the ill-conditioned set with 100 gates 0.70 → 0.33 s.
///
/// Data-parallel fits: every process computes the same reduced scores, so all choose the same W.
struct WorkingSetSolver<Program: RestrictableProgram> {
  let program: Program
  /// The smallest working set, and the fewest blocks beyond the support a working set holds.
  var minimumSize = 16
  /// A working set holds at least this multiple of the support's size.
  var growth = 1.5
  /// A working set of at least this fraction of the blocks is the whole program.
  var fullFraction = 0.8
  /// The inner tolerance as a fraction of the current full relative gap.
  var innerFraction = 0.1

  func solve(start: Matrix?, options: ConvexSolverOptions) -> ProximalGradientSolver<Program>.Result {
    precondition(!program.isConstrained, "working sets need an unconstrained program")
    var loop = CertifiedLoop(options: options)
    let B = program.blockCount, shape = program.blockShape
    var u = start ?? Matrix(rows: shape.rows, columns: shape.columns)
    var bestU = u
    var scores = [Double](repeating: 0, count: B)
    var norms = [Double](repeating: 0, count: B)
    var iterations = 0, rounds = 0, newtonSteps = 0
    // Passes over the data (`ConvexSolverReport.dataPasses`): each round's scaled by |W|/B, one per full adjoint.
    var passes = 0.0
    var step: Double? = nil
    var newtonCredit = 0.0
    var size = minimumSize

    // The start's objective, and the scores at its dual point −∇ℓ.
    let yhat = program.prediction(u)
    if loop.offerUpper(program.loss.value(yhat, program.targets) + program.beta * program.penalty(u)) { bestU = u }
    offerFull(v: program.loss.dualPoint(yhat, program.targets), scores: &scores, loop: &loop)
    passes += 1
    // Newton on the blocks' scales for the whole program (`KernelNewton`): its cost hardly depends on the working set,
    // so when the rounds' rate (`GapRate`) predicts more flops than it costs, the next round is the last one and
    // starts with it.
    let scalesCost = KernelNewton.attemptCost(for: program, memoryBytes: options.memoryBudget.bytes / 4)
    var rate = GapRate(window: 1)
    let blockFlops = 4 * Double(program.sampleCount) * Double(program.blockSize)
    var toNewton = false
    // Small β (at most `KernelNewton.firstBelow` of β_max = max_b ‖A_bᵀy‖, the scores at U = 0) where the Newton on
    // the scales costs less than `KernelNewton.supportCostFactor` support Newtons with every block active: most
    // blocks will be, and FISTA would need thousands of passes; the scales' Newton starts from the uniform scales,
    // before any round. Up to `KernelNewton.probeBelow`·β_max large problems start with it too when nearly every
    // block would enter at the uniform start (`KernelNewton.probe`, a few products through the blocks). Where its
    // scales' support shrinks until a support Newton is far cheaper than its steps, the rounds take over
    // (`KernelNewton.handOff`).
    let betaMax = scores.max() ?? 0
    func starts(_ masked: some MaskedBlockProgram) -> Bool {
      program.beta <= KernelNewton.firstBelow * betaMax
        || program.beta <= KernelNewton.probeBelow * betaMax && program.sampleCount >= KernelNewton.probeRows
          && KernelNewton.probe(masked)
    }
    if start == nil, let cost = scalesCost, let masked = program as? any MaskedBlockProgram,
      cost <= KernelNewton.supportCostFactor * SupportNewton.cost(rows: program.sampleCount, unknowns: B * program.blockSize),
      starts(masked), let first = KernelNewton(program: masked, u: nil, tolerance: options.tolerance, handOff: KernelNewton.handOff(for: program))
    {
      if loop.offerUpper(first.objective) {
        bestU = first.u
        u = first.u
      }
      offerFull(v: program.loss.dualPoint(first.prediction, program.targets), scores: &scores, loop: &loop)
      passes += 1
      newtonSteps += first.steps
    }
    rate.record(iteration: 0, gap: loop.relativeGap)

    while !loop.isCertified && iterations < options.maxIterations {
      program.blockNorms(u, into: &norms)
      let support = (0..<B).filter { norms[$0] > 0 }
      size = Swift.min(B, Swift.max(size, Int((growth * Double(support.count)).rounded(.up)), support.count + minimumSize))
      var inner = options
      inner.maxIterations = options.maxIterations - iterations
      let gap = loop.relativeGap
      inner.tolerance = gap.isFinite ? Swift.max(options.tolerance, innerFraction * gap) : Swift.max(options.tolerance, innerFraction)
      if toNewton || Double(size) >= fullFraction * Double(B) {
        // The last round: the whole program from the current point, to the requested tolerance.
        inner.tolerance = options.tolerance
        inner.progress = shifted(options.progress, iterations: iterations, seconds: loop.seconds, lower: nil)
        let r = ProximalGradientSolver(program: program, newtonCredit: newtonCredit)
          .solve(start: u, multipliers: nil, penalty: nil, options: inner, step: step)
        iterations += r.report.iterations
        passes += r.report.dataPasses ?? 0
        newtonSteps += r.report.newtonSteps ?? 0
        rounds += 1
        if loop.offerUpper(r.report.objective) { bestU = r.u }
        loop.offerLower(r.report.lowerBound)
        if !loop.isCertified { loop.stopReason = r.report.stopReason }
        break
      }
      let w = workingSet(support: support, scores: scores, size: size)
      inner.progress = shifted(options.progress, iterations: iterations, seconds: loop.seconds, lower: loop.lower)
      let r = ProximalGradientSolver(program: program.restricted(to: w), newtonCredit: newtonCredit)
        .solve(start: gather(u, blocks: w), multipliers: nil, penalty: nil, options: inner, step: step)
      iterations += r.report.iterations
      passes += (r.report.dataPasses ?? 0) * Double(w.count) / Double(B)
      newtonSteps += r.report.newtonSteps ?? 0
      rounds += 1
      step = r.step
      newtonCredit = r.newtonBalance
      u = scatter(r.u, blocks: w)
      if loop.offerUpper(r.report.objective) { bestU = u }
      if !r.dualPoint.isEmpty {
        offerFull(v: r.dualPoint, scores: &scores, loop: &loop)
        passes += 1
      }
      _ = loop.checkpoint(iteration: iterations)
      if r.report.stopReason == .diverged {
        loop.stopReason = .diverged
        break
      }
      // Inner solved to the requested tolerance and the full program still not certified: W misses blocks.
      if !loop.isCertified && inner.tolerance <= options.tolerance { size = Swift.min(B, 2 * size) }
      rate.record(iteration: iterations, gap: loop.relativeGap)
      if let cost = scalesCost, let remaining = rate.remaining(to: options.tolerance), remaining * blockFlops * Double(w.count) >= KernelNewton.predictionMargin * cost {
        toNewton = true
        newtonCredit = Swift.max(newtonCredit, cost)
      }
    }
    if loop.isCertified { loop.stopReason = .converged } else if iterations >= options.maxIterations { loop.stopReason = .maxIterations }
    var report = loop.report(iterations: iterations, outerIterations: rounds, constraintViolation: 0)
    report.dataPasses = passes
    report.newtonSteps = newtonSteps
    return .init(u: bestU, multipliers: Matrix(rows: 0, columns: 0), penalty: 0, report: report, step: step ?? 0)
  }

  // MARK: - Pieces

  /// The block scores ‖(𝒳ᵀ𝒜ᵀv)_b‖ of every block and the full program's dual bound at v.
  private func offerFull(v: [Double], scores: inout [Double], loop: inout CertifiedLoop) {
    var t = Matrix(rows: program.productShape.rows, columns: program.productShape.columns)
    var g = Matrix(rows: program.blockShape.rows, columns: program.blockShape.columns)
    program.adjoint(v, scale: 1, multipliers: nil, into: &t)
    program.liftAdjoint(t, into: &g)
    program.blockNorms(g, into: &scores)
    loop.offerDual(v: v, y: program.targets, loss: program.loss, dualNormBound: scores.max() ?? 0, beta: program.beta)
  }

  /// The support plus the highest-scoring other blocks, `size` in all, ascending (ties by index).
  private func workingSet(support: [Int], scores: [Double], size: Int) -> [Int] {
    var inSet = [Bool](repeating: false, count: scores.count)
    for b in support { inSet[b] = true }
    let others = (0..<scores.count).filter { !inSet[$0] }.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    for b in others.prefix(Swift.max(0, size - support.count)) { inSet[b] = true }
    return (0..<scores.count).filter { inSet[$0] }
  }

  /// The columns of the blocks `blocks` of U.
  private func gather(_ u: Matrix, blocks: [Int]) -> Matrix {
    let w = program.blockWidth
    return u.columns(blocks.flatMap { b in (b * w)..<((b + 1) * w) })
  }

  /// U with the blocks `blocks` from `part` and zero elsewhere.
  private func scatter(_ part: Matrix, blocks: [Int]) -> Matrix {
    let w = program.blockWidth, d = part.rows
    var out = Matrix(rows: program.blockShape.rows, columns: program.blockShape.columns)
    for (q, b) in blocks.enumerated() {
      for c in 0..<w { for i in 0..<d { out[i, b * w + c] = part[i, q * w + c] } }
    }
    return out
  }

  /// The progress of an inner solve as the full solve's: iterations and seconds shifted, and (for a restricted
  /// program, whose lower bounds are not the full program's) the full lower bound so far.
  private func shifted(
    _ progress: (@Sendable (ConvexSolverProgress) -> Void)?, iterations: Int, seconds: Double, lower: Double?
  ) -> (@Sendable (ConvexSolverProgress) -> Void)? {
    guard let progress else { return nil }
    return { p in
      var q = p
      q.iteration += iterations
      q.seconds += seconds
      if let lower {
        q.lowerBound = lower
        q.relativeGap = ConvexSolverReport.relative(q.objective, lower)
      }
      progress(q)
    }
  }
}
