/// A group-lasso program whose blocks are masked copies of one data matrix, A_b = D_b X with D_b = diag(m_b)
/// (C-GReLU, MATH.md §3.6). Then Σ_b s_b A_bA_bᵀ = (XXᵀ) ⊙ (M diag(s) Mᵀ): an n×n matrix formed by one rank-B update
/// and an entrywise product, where the blocks' columns would take n·B·d entries (`KernelNewton`).
protocol MaskedBlockProgram: BlockColumnProgram {
  /// X (n×d).
  var x: Matrix { get }
  /// M (n×B): column b is the diagonal of D_b, entries 0 or 1.
  var masks: Matrix { get }
}

/// Projected Newton on the squared-loss group lasso in the blocks' *scales*, for problems with many active blocks and
/// few samples (small β, B·d ≫ n), where FISTA needs thousands of passes and `SupportNewton`'s (B·d)² Gram is out
/// of reach.
///
/// The variational form β‖u‖ = min_{σ>0} ‖u‖²/(2σ) + β²σ/2 (attained at σ = ‖u‖/β) turns the program of MATH.md
/// §3.6 into a ridge regression inside a smooth convex problem over s ∈ ℝ^B, s ≥ 0:
///
///     min_U ½‖Σ_b A_b u_b − y‖² + β Σ_b ‖u_b‖ = min_{s ≥ 0} J(s),   J(s) = ½ yᵀK(s)⁻¹y + (β²/2) Σ_b s_b,
///     K(s) = I + Σ_b s_b A_bA_bᵀ (n×n),   r = K(s)⁻¹y,   u_b = s_b A_bᵀr,   y − Σ_b A_b u_b = r,
///     ∂J/∂s_b = (β² − ‖A_bᵀr‖²)/2,   ∂²J/∂s_b∂s_c = q_bᵀK(s)⁻¹q_c,   q_b = A_bA_bᵀr.
///
/// At a minimiser, ‖A_bᵀr‖ = β where s_b > 0 and ≤ β where s_b = 0: r is then the dual optimum of §3.6. Each step
/// factors K(s) (Cholesky, n³/3 flops), forms the Hessian as WᵀW with W = L⁻¹[q_b] over the free scales and takes
/// the projected Newton step of Bertsekas (1982) — scales at 0 whose gradient pushes them below stay at 0 — with an
/// Armijo search along the projected path. J is smooth on s ≥ 0 (K ⪰ I), so the steps need no support guess: blocks
/// enter and leave through their scales. Far below the optimum J behaves like a/s along a scale and a step only
/// multiplies the scales by about 3/2, so the start matters: from an iterate's scales, or without one from uniform
/// scales at half the minimiser of J along c·1 (`ScaledKernel.uniformScaleMinimiser`, Lanczos quadrature, no
/// factorisation), the suite's small-β problems certify in five to twenty steps. Rescaling along the ray c·s by a
/// rational model of J, extrapolating accepted steps, Newton in log s and starting from the magnitude refit's scales
/// were tried and took as many factorisations or more.
///
/// From `singleRows` samples on, K(s) is formed and factored in single precision (`KernelFactor`: half the time of
/// double's `dpotrf`, `dsyrk` and `dtrsm`); r, J and the gradient then come from conjugate gradients in double
/// precision preconditioned with that factor (`KernelChord`, three to five products with K(s) through the blocks,
/// to a residual of 10⁻¹²‖y‖), and the Hessian from the single factor, accurate to about κ(K)·6·10⁻⁸. A K(s) that
/// single precision cannot factor switches the attempt to double.
///
/// Every iterate is checked like any other candidate: U = [s_b A_bᵀr] is a point of the program (its objective
/// from a fresh forward product, so rounding in the factorisation cannot make it optimistic) and r a dual point
/// with c̄ = max_b ‖A_bᵀr‖ over every block (`CertifiedLoop.dualBound`). The steps stop once that pair is within half
/// the tolerance — or the pair of its magnitude refit (`MagnitudeRefit`), tried once the gap is below `refitBelow` —
/// or at no further decrease. Near the optimum (`chordBelow`) the full step's point is certified first with r from
/// `KernelChord` (conjugate gradients preconditioned with the current factor, no factorisation at the new scales),
/// which saves the last factorisation when it certifies. Where the search backtracks, a trial is first checked
/// against a lower bound on its J from the same conjugate gradients (`searchProducts`), so a rejected trial costs a
/// few products rather than a factorisation. One process only (K(s) couples all rows).
struct KernelNewton {
  /// The best point U (d×B) seen.
  var u: Matrix
  /// Its predictions Σ_b A_b u_b.
  var prediction: [Double]
  /// Its objective ½‖ŷ − y‖² + β Σ‖u_b‖.
  var objective: Double
  /// The scales s (B) of the best Newton iterate, u_b = s_b A_bᵀr (of the point itself unless its magnitude refit
  /// certified last).
  var scales: [Double]
  /// Newton steps taken.
  var steps: Int

  /// The steps an attempt is expected to take from a warm start (what a caller budgets).
  static let expectedSteps = 6.0

  /// The uniform start's scales as a fraction of the minimiser of J along c·1. Below the optimum J behaves like a/s
  /// and Newton steps only grow the scales; above it they overshoot and backtrack. Measured on seven small-β
  /// problems of the suite (numpy prototype of these steps): 53 steps and 69 factorisations in all from one half,
  /// 59 and 85 from the minimiser itself, 54 and 65 from a quarter.
  static let uniformFraction = 0.5

  /// The most times the uniform start is halved to bring it below the ray's minimum.
  static let maxHalvings = 8

  /// The relative gap of an iterate below which its magnitude refit is tried as a certificate (on diabetes at
  /// 10⁻²·β_max the refit certifies at step 5 where the iterates need 6; each try costs a GEMM n·d·|S|, a Gram
  /// n·|S|² and one adjoint).
  static let refitBelow = 1e-3

  /// The relative gap of an iterate below which the full Newton step's point is first certified without factoring K
  /// at it (`KernelChord`), and the most products with K that solve may take. On the suite's small-β rows this saves
  /// the last factorisation (diabetes at 10⁻³·β_max 16.7 → 14.6 ms, the ill-conditioned set with 100 gates at
  /// 10⁻²·β_max 0.61 → 0.55 s); from 3·10⁻² it also runs on steps that do not certify and costs more than it saves.
  static let chordBelow = 1e-2

  /// Products with K at a trial point of the search for the lower bound on its J that can reject it without a
  /// factorisation: once a step has backtracked, and for every trial after a rejected one. Where the search
  /// backtracks (held-out noisy moons at 10⁻³ to 0.015·β_max: four to six halvings a step, each a factorisation of
  /// 12 ms at n = 1 200) it took 0.47–0.79 s to 0.34–0.47 s, breast-cancer-raw with 100 gates at 10⁻²·β_max 47 →
  /// 37 ms; the others measured within noise (breast-cancer with 500 gates at 10⁻³·β_max 0.17 → 0.18–0.19 s).
  static let searchProducts = 3
  static let chordProducts = 8

  /// The precision of K(s)'s factors (`KernelFactor`) on n samples: single from `singleRows` on, with r refined by
  /// conjugate gradients to a residual of `refinedResidual`·‖y‖ in at most `refinementProducts` products with K(s),
  /// else the double factor. Below, the factorisation is a small part of a step and the three to five refinement
  /// products cost more than it saves (raw wine, n = 178, 20 steps: 5.6–6.5 ms in double, 6.4–7.3 ms in single).
  static func precision(rows n: Int) -> KernelFactor.Precision { n >= singleRows ? .single : .double }
  static let singleRows = 300
  static let refinedResidual = 1e-12
  /// The refinement's residual as a fraction of the requested relative gap (at most 10⁻⁹, at least
  /// `refinedResidual`): r's error moves J, the gradient and the certificate's pair by about that much relative, and
  /// every certified pair is evaluated afresh. At the default 10⁻⁶ this saves about one product per solve.
  static let refinementFraction = 1e-3
  static let refinementProducts = 16

  /// β/β_max at or below which a working-set solve starts with this Newton from the uniform scales, before any
  /// FISTA round (`WorkingSetSolver`), when it costs at most `supportCostFactor` times the support Newton with every
  /// block active.
  static let firstBelow = 0.015

  /// Above `firstBelow` and up to `probeBelow`·β_max, on at least `probeRows` samples, a working-set solve starts
  /// with this Newton as well when at the uniform start nearly every block has ‖A_bᵀr‖ ≥ β (would enter): `probe`.
  /// Measured one thread: digits-std with 200 gates at 0.05·β_max (every block above β) and with 100 gates at
  /// 0.02·β_max, the ill-conditioned set with 200 and 100 gates at 0.05·β_max (99.5 %, 99 %) gain from it; where
  /// fewer blocks are above β (breast-cancer with 500 gates 87 %, digits-raw 78 %, wine-raw 7 % at 0.05·β_max;
  /// held-out Friedman-type regression 92–94 %, noisy moons 84 %) the Newton from the uniform start takes 10 to 15
  /// steps and loses to the rounds. At 0.06·β_max the ill-conditioned set lost (7 steps) and at 0.1·β_max
  /// digits-std did (8 steps) although every block was above β: the bound sits just above the suite's 0.05·β_max (its
  /// β rounded to three digits).
  static let probeBelow = 0.055
  static let probeRows = 1000

  /// The probe's stages: Lanczos steps for `uniformStartActiveFraction`, and the least fraction of the blocks above β
  /// to go on. Twelve steps give the fraction of the 32-step start on all of the problems above (numpy), to 0.005;
  /// four already put the ones that gain at 0.995–1 and the others at 0.75–0.905, and a probe that stops there costs
  /// four products with G (2.4 ms on the Friedman-type problem, n = 1 500, 200 gates, against 7.3 ms for twelve).
  static let probeStages: [(steps: Int, active: Double)] = [(4, 0.95), (12, 0.99)]

  /// Whether the uniform start passes every stage of `probeStages`.
  static func probe<Program: MaskedBlockProgram>(_ program: Program) -> Bool {
    probeStages.allSatisfy { (uniformStartActiveFraction(program: program, steps: $0.steps) ?? 0) >= $0.active }
  }

  /// The fraction of the blocks with ‖A_bᵀr‖ ≥ β at the uniform start s = `uniformFraction`·c*·1, with c* and
  /// r ≈ K(s)⁻¹y from `steps` Lanczos steps on G = K(1) − I (`LanczosQuadrature`), its products through the blocks
  /// (`KernelChord`, 4ndB flops each): no n×n matrix and no factorisation, so a probe that says no costs a few
  /// products. Nil where the Newton would not start (`init`'s conditions on the program, or no uniform scale).
  static func uniformStartActiveFraction<Program: MaskedBlockProgram>(program: Program, steps: Int) -> Double? {
    let n = program.sampleCount, B = program.blockCount, beta = program.beta
    guard applies(to: program), n > 0, B > 0, beta > 0, beta.isFinite else { return nil }
    var chord = KernelChord(program: program)
    let ones = [Double](repeating: 1, count: B)
    var v = [Double](repeating: 0, count: n)
    let lanczos = LanczosQuadrature(start: program.targets, steps: steps) { vp, w in
      for i in 0..<n { v[i] = vp[i] }
      let gv = chord.product(ones, v, identity: false)
      for i in 0..<n { w[i] = gv[i] }
    }
    guard let lanczos, let c = lanczos.uniformScaleMinimiser(beta: beta, blocks: B) else { return nil }
    let r = lanczos.resolvent(uniformFraction * c)
    var column = Matrix(rows: n, columns: 1), z = Matrix(rows: program.blockSize, columns: B)
    var norms = [Double](repeating: 0, count: B)
    for i in 0..<n { column[i, 0] = r[i] }
    program.liftAdjoint(column, into: &z)
    program.blockNorms(z, into: &norms)
    return Double(norms.reduce(0) { $1 >= beta ? $0 + 1 : $0 }) / Double(B)
  }

  /// The cost below which a support Newton on the iterate's support ends an attempt from the uniform start on
  /// `program` (`init(handOff:)`): `handOffFraction` of one step, on at least `probeRows` samples; nil below. Where
  /// the scales' support shrinks fast the steps backtrack and the rounds, with the support Newton, are cheaper: the
  /// held-out noisy moons (n = 1 200, 300 gates, 26–45 of them active at the optimum) at 0.005/0.01/0.015·β_max
  /// 0.32/0.31/0.45 → 0.22/0.16/0.17 s, the grid's moons at 10⁻²·β_max 0.24 → 0.20 s; at half a step the moons at
  /// 10⁻³·β_max lost (0.40 → 0.55 s), and below `probeRows` raw wine did (its support Newton stalls).
  static func handOff(for program: some GroupSparseProgram) -> Double? {
    guard program.sampleCount >= probeRows else { return nil }
    return handOffFraction * stepCost(rows: program.sampleCount, blockSize: program.blockSize, blocks: program.blockCount)
  }
  static let handOffFraction = 0.25

  /// How much dearer than the support Newton (`SupportNewton`) this one may be and still be preferred at small β: it
  /// needs no support guess and its J stays smooth on ill-conditioned blocks, where the support Newton can stall
  /// (raw wine at 10⁻³·β_max, B·d = 168 against n = 178: 30 support steps without converging, then 7 on the scales).
  static let supportCostFactor = 2.0

  /// How many times its cost the iterations' predicted flops (`GapRate`) must be before an attempt runs on the
  /// prediction alone: the rate of a certified gap is a rough guide, and its Newton steps run below the GEMMs' speed.
  static let predictionMargin = 2.0

  /// Flops of one step at n samples, B blocks of size d: the Cholesky of K(s) (n³/3), its rank-B update and the
  /// triangular solve for W (n²B each), the Hessian (B²n) and the products with X (4ndB).
  static func stepCost(rows n: Int, blockSize d: Int, blocks b: Int) -> Double {
    let nn = Double(n), bb = Double(b)
    return nn * nn * nn / 3 + 2 * nn * nn * bb + bb * bb * nn + 4 * nn * Double(d) * bb
  }

  /// Bytes of an attempt's buffers: XXᵀ, K(s) and a trial factor (n² each), M diag(√s) and W (n·B each, and one n·B
  /// more for the n- and B-vectors), the Hessian and its factor (B² each), the uniform start's Lanczos basis
  /// (33 n-vectors, and two more).
  static func bytes(rows n: Int, blocks b: Int) -> Int {
    let (total, o) = MemoryBudget.product(n, 3 * n + 3 * b + 35).addingReportingOverflow(MemoryBudget.product(2 * b, b))
    return o ? Int.max : MemoryBudget.doubles(total)
  }

  /// Samples beyond which K(s) is not formed (4096² doubles, 128 MiB, three times).
  static let maxRows = 4096

  /// The flops budgeted for an attempt on `program` (`expectedSteps` steps and XXᵀ), or nil when it does not apply or
  /// its buffers take more than `memoryBytes`.
  static func attemptCost(for program: some GroupSparseProgram, memoryBytes: Int) -> Double? {
    let n = program.sampleCount, B = program.blockCount, d = program.blockSize
    guard program is any MaskedBlockProgram, applies(to: program), n <= maxRows, bytes(rows: n, blocks: B) <= memoryBytes
    else { return nil }
    return expectedSteps * stepCost(rows: n, blockSize: d, blocks: B) + Double(n) * Double(n) * Double(d)
  }

  /// Whether `program` is one this Newton solves: the plain squared loss, vector blocks, rows on one process.
  static func applies(to program: some GroupSparseProgram) -> Bool {
    let loss = program.loss
    return loss.kind == .squared && !loss.centered && !loss.isHuber && !loss.rows.isDistributed && program.blockWidth == 1
      && !program.isConstrained
  }

  /// Newton for `program` from the scales s_b = ‖u_b‖/β of `current`, or without it from the uniform scales
  /// `uniformFraction`·c*·1, c* the minimiser of J along the ray c·1 (`ScaledKernel.uniformScaleMinimiser`). Nil for
  /// a loss other than the plain squared loss, vector blocks, rows over several processes, more than `maxRows`
  /// samples, β ≤ 0, no uniform scale lowering J (β²B ≥ yᵀGy = Σ_b ‖A_bᵀy‖²), or K(s) not factoring at the start.
  /// With `handOff`, the steps also stop (leaving the best point so far) while the gap is above `chordBelow` once a
  /// support Newton on the scales' support would cost at most that many flops (`SupportNewton.cost`).
  init?<Program: MaskedBlockProgram>(
    program: Program, u current: Matrix?, tolerance: Double, maxSteps: Int = 25, precision: KernelFactor.Precision? = nil,
    handOff: Double? = nil
  ) {
    guard Self.applies(to: program) else { return nil }
    let loss = program.loss
    let n = program.sampleCount, d = program.blockSize, B = program.blockCount
    let y = program.targets, beta = program.beta
    guard n > 0, n <= Self.maxRows, B > 0, beta > 0, beta.isFinite else { return nil }

    // XXᵀ (lower triangle), then K(s) and its factor in `factor`; a trial factor for the search.
    var kernel = ScaledKernel(program: program, precision: precision ?? Self.precision(rows: n))
    var factor = KernelFactor(order: n, precision: kernel.precision), trial = factor
    var r = [Double](repeating: 0, count: n), rTrial = r
    var s = [Double](repeating: 0, count: B), sTrial = s
    var z = Matrix(rows: d, columns: B), point = z, bestU = z
    var residual = Matrix(rows: n, columns: 1)
    var zNorm = [Double](repeating: 0, count: B), g = zNorm, bestScales = zNorm
    /// Z = [A_bᵀv] and its blocks' norms into `z` and `norms`.
    func correlate(_ v: [Double], into z: inout Matrix, norms: inout [Double]) {
      for i in 0..<n { residual[i, 0] = v[i] }
      program.liftAdjoint(residual, into: &z)
      program.blockNorms(z, into: &norms)
    }
    // Created on first use: a solve in double precision far from the optimum needs none.
    lazy var chord = KernelChord(program: program)
    let yNorm = y.dot(y).squareRoot()
    let refinedStop = Swift.max(Self.refinedResidual, Swift.min(1e-9, Self.refinementFraction * tolerance)) * yNorm
    /// J(σ) and r(σ) = K(σ)⁻¹y into `out` from the factor of K(σ) in `f`: two triangular solves for a double factor;
    /// for a single one, conjugate gradients preconditioned with it (`KernelChord`) to a residual of `refinedStop` —
    /// a bound on r's error, K ⪰ I — or, when they stop short, the double factor.
    func solve(_ sigma: [Double], _ f: inout KernelFactor, into out: inout [Double]) -> Double? {
      for i in 0..<n { out[i] = y[i] }
      f.solve(&out)
      if f.precision == .single {
        if chord.solve(scales: sigma, factor: &f, start: out, stop: refinedStop, maxProducts: Self.refinementProducts) <= refinedStop {
          for i in 0..<n { out[i] = chord.solution[i] }
        } else {
          kernel.use(.double)
          guard kernel.factor(sigma, into: &f) else { return nil }
          for i in 0..<n { out[i] = y[i] }
          f.solve(&out)
        }
      }
      return kernel.objective(residual: out, scales: sigma)
    }
    var j: Double
    if let current {
      program.blockNorms(current, into: &s)
      for b in 0..<B { s[b] /= beta }
      guard kernel.factor(s, into: &factor), let value = solve(s, &factor, into: &r) else { return nil }
      j = value
    } else {
      // Uniform scales below the ray's minimum: halved while J still falls along c·1 there, dJ(c·1)/dc =
      // Σ_b ∂J/∂s_b = ½(Bβ² − Σ_b ‖A_bᵀr‖²) > 0 (the quadrature's c* can be too large where G has small eigenvalues).
      guard let c = kernel.uniformScaleMinimiser(work: &trial) else { return nil }
      var scale = Self.uniformFraction * c, value: Double? = nil
      for _ in 0..<Self.maxHalvings {
        for b in 0..<B { s[b] = scale }
        value = kernel.factor(uniform: scale, from: trial, into: &factor) ? solve(s, &factor, into: &r) : nil
        guard value != nil else { break }
        correlate(r, into: &z, norms: &zNorm)
        if zNorm.reduce(0, { $0 + $1 * $1 }) >= Double(B) * beta * beta { break }
        scale *= 0.5
      }
      guard let value else { return nil }
      j = value
    }

    var products = Matrix(rows: program.productShape.rows, columns: program.productShape.columns)
    var yhat = [Double](repeating: 0, count: n), bestPrediction = yhat
    var bestObjective = Double.infinity
    var free: [Int] = []
    free.reserveCapacity(B)
    var work = StepBuffers(rows: n, blockSize: d, blocks: B)
    var taken = 0
    var backtracked = false
    // Every buffer above is allocated once: a step allocates nothing but the magnitude refit it may try near the end
    // (and the chord's buffers, once).
    /// Whether a pair is within half the tolerance (the caller's certificate then holds with room for rounding).
    func certified(_ objective: Double, _ lower: Double) -> Bool {
      objective - lower <= 0.5 * tolerance * Swift.max(abs(objective), 1e-300)
    }
    /// The point U = [s_b A_bᵀv] of scales `scales` and a residual guess v, its objective (a fresh forward product, so
    /// neither rounding nor an inexact v can make it optimistic) and the dual bound of v; the best point is kept.
    /// Leaves Z = [A_bᵀv] and its norms in `z` and `zNorm`.
    func evaluate(_ scales: [Double], _ v: [Double]) -> (objective: Double, lower: Double) {
      correlate(v, into: &z, norms: &zNorm)
      var cbar = 0.0
      z.withUnsafeBufferPointer { zp in
        point.withUnsafeMutableBufferPointer { pp in
          for b in 0..<B {
            for i in 0..<d { pp[i + b * d] = scales[b] * zp[i + b * d] }
            cbar = Swift.max(cbar, zNorm[b])
          }
        }
      }
      program.lift(point, into: &products)
      program.predict(products, into: &yhat)
      let objective = loss.value(yhat, y) + beta * program.penalty(point)
      let lower = CertifiedLoop.dualBound(v: v, y: y, loss: loss, dualNormBound: cbar, beta: beta)
      if objective.isFinite, objective < bestObjective {
        bestObjective = objective
        point.withUnsafeBufferPointer { src in bestU.withUnsafeMutableBufferPointer { dst in for k in 0..<src.count { dst[k] = src[k] } } }
        for i in 0..<n { bestPrediction[i] = yhat[i] }
        for b in 0..<B { bestScales[b] = scales[b] }
      }
      return (objective, lower)
    }
    /// Whether `certified(objective, lower)`, or close to it (`refitBelow`) the magnitude refit of the last evaluated
    /// point certifies (its residual is a dual point whose bound closes at second order in the directions' error,
    /// `MagnitudeRefit`); the refit then becomes the best point. Leaves `z` and `zNorm` as they were.
    func certifiedByRefit(_ objective: Double, _ lower: Double) -> Bool {
      if certified(objective, lower) { return true }
      guard objective - lower <= Self.refitBelow * abs(objective), let refit = MagnitudeRefit(program: program, u: point, maxBlocks: B),
        refit.objective.isFinite, refit.objective <= objective
      else { return false }
      let v = (0..<n).map { y[$0] - refit.prediction[$0] }
      var refitZ = Matrix(rows: d, columns: B), refitNorms = [Double](repeating: 0, count: B)
      correlate(v, into: &refitZ, norms: &refitNorms)
      let refitLower = CertifiedLoop.dualBound(v: v, y: y, loss: loss, dualNormBound: refitNorms.max() ?? 0, beta: beta)
      guard certified(refit.objective, refitLower) else { return false }
      bestObjective = refit.objective
      bestU = refit.u
      bestPrediction = refit.prediction
      return true
    }
    while true {
      let (objective, lower) = evaluate(s, r)
      if taken >= maxSteps { break }
      if certifiedByRefit(objective, lower) { break }
      if let handOff, objective - lower > Self.chordBelow * abs(objective),
        SupportNewton.cost(rows: n, unknowns: s.reduce(0) { $1 > 0 ? $0 + 1 : $0 } * d) <= handOff
      {
        break
      }

      // Gradient, and the free scales: those above ε, or at it with a gradient pushing them up (Bertsekas's
      // ε-active set, ε the size of the projected-gradient step).
      var projected = 0.0, top = 0.0
      for b in 0..<B {
        g[b] = 0.5 * (beta * beta - zNorm[b] * zNorm[b])
        let t = s[b] - Swift.max(0, s[b] - g[b])
        projected += t * t
        top = Swift.max(top, s[b])
      }
      let epsilon = Swift.min(projected.squareRoot(), 1e-3 * top)
      free.removeAll(keepingCapacity: true)
      for b in 0..<B where s[b] > epsilon || g[b] < 0 { free.append(b) }
      guard work.newtonStep(program: program, z: z, free: free, gradient: g, factor: &factor) else { break }
      // Near the optimum the full step's point may certify without factoring K at it: r at its scales by
      // conjugate gradients preconditioned with the current factor.
      if objective - lower <= Self.chordBelow * abs(objective) {
        for b in 0..<B { sTrial[b] = 0 }
        for (c, b) in free.enumerated() { sTrial[b] = Swift.max(0, s[b] + work.step[c]) }
        chord.solve(scales: sTrial, factor: &factor, start: r, stop: 1e-3 * tolerance * yNorm, maxProducts: Self.chordProducts)
        let estimate = evaluate(sTrial, chord.solution)
        if certifiedByRefit(estimate.objective, estimate.lower) {
          taken += 1
          break
        }
      }
      // Search along s(α) = max(0, s + αΔ), Δ = Newton on the free scales and −s on the others.
      var alpha = 1.0, accepted = false
      for _ in 0..<30 {
        for b in 0..<B { sTrial[b] = Swift.max(0, s[b] - alpha * s[b]) }
        for (c, b) in free.enumerated() { sTrial[b] = Swift.max(0, s[b] + alpha * work.step[c]) }
        var predicted = 0.0
        for b in 0..<B { predicted += g[b] * (sTrial[b] - s[b]) }
        // A trial fails the Armijo test without a factorisation when a lower bound on its J already does:
        // yᵀK(σ)⁻¹y ≥ 2yᵀx − xᵀK(σ)x for any x (`KernelChord.energyLowerBound`), x from a few conjugate-gradient
        // steps preconditioned with the current factor and started at r.
        if alpha < 1 || backtracked {
          chord.solve(scales: sTrial, factor: &factor, start: r, stop: 0, maxProducts: Self.searchProducts)
          let bound = 0.5 * chord.energyLowerBound() + 0.5 * beta * beta * sTrial.reduce(0, +)
          if bound > j + 1e-4 * predicted {
            alpha *= 0.5
            continue
          }
        }
        if kernel.factor(sTrial, into: &trial), let jt = solve(sTrial, &trial, into: &rTrial), jt <= j + 1e-4 * predicted {
          accepted = jt < j
          if accepted {
            j = jt
            swap(&factor, &trial)
            swap(&r, &rTrial)
            swap(&s, &sTrial)
          }
          break
        }
        alpha *= 0.5
      }
      guard accepted else { break }
      backtracked = alpha < 1
      taken += 1
    }
    guard bestObjective < .infinity else { return nil }
    u = bestU
    prediction = bestPrediction
    objective = bestObjective
    scales = bestScales
    steps = taken
  }
}

/// The buffers of `KernelNewton`'s steps, sized for every block free (B) and allocated once.
private struct StepBuffers {
  let n: Int, d: Int
  /// Z_F (d×|F|), then W = L⁻¹Q_F (n×|F|), H_FF and its factor (|F|×|F|).
  var zFree: [Double], columns: [Double], hessian: [Double], system: [Double]
  /// Δ on the free scales (its first |F| entries).
  var step: [Double]

  init(rows n: Int, blockSize d: Int, blocks b: Int) {
    self.n = n
    self.d = d
    zFree = [Double](repeating: 0, count: d * b)
    columns = [Double](repeating: 0, count: n * b)
    hessian = [Double](repeating: 0, count: b * b)
    system = hessian
    step = [Double](repeating: 0, count: b)
  }

  /// The Newton step on the free scales into `step`: (H_FF + ridge)Δ = −g_F with H_FF = WᵀW, W = L⁻¹[q_b]_{b∈F},
  /// q_b = D_b X z_b; false when it cannot be formed.
  mutating func newtonStep<Program: MaskedBlockProgram>(
    program: Program, z: Matrix, free: [Int], gradient g: [Double], factor: inout KernelFactor
  ) -> Bool {
    let k = free.count, n = self.n, d = self.d
    guard k > 0 else { return true }
    z.withUnsafeBufferPointer { zp in
      for (c, b) in free.enumerated() { for i in 0..<d { zFree[i + c * d] = zp[i + b * d] } }
    }
    program.x.withUnsafeBufferPointer { xp in
      zFree.withUnsafeBufferPointer { zf in
        columns.withUnsafeMutableBufferPointer { w in
          RawBLAS.gemm(.none, .none, m: n, n: k, k: d, alpha: 1, xp.baseAddress!, lda: n, zf.baseAddress!, ldb: d, beta: 0, w.baseAddress!, ldc: n)
        }
      }
    }
    program.masks.withUnsafeBufferPointer { m in
      columns.withUnsafeMutableBufferPointer { wp in
        for (c, b) in free.enumerated() { for i in 0..<n { wp[i + c * n] *= m[i + b * n] } }
      }
    }
    columns.withUnsafeMutableBufferPointer { wp in
      factor.solveLeft(wp.baseAddress!, columns: k)
      hessian.withUnsafeMutableBufferPointer { hp in
        RawBLAS.syrkLower(.transpose, n: k, k: n, alpha: 1, wp.baseAddress!, lda: n, beta: 0, hp.baseAddress!, ldc: k)
      }
    }
    var trace = 0.0
    for c in 0..<k { trace += hessian[c + c * k] }
    guard trace.isFinite, trace > 0 else { return false }
    // A ridge relative to the Hessian's scale (blocks with q_b ≈ 0 leave it singular), raised until it factors.
    var ridge = 1e-12 * trace / Double(k)
    for _ in 0..<4 {
      for e in 0..<(k * k) { system[e] = hessian[e] }
      for c in 0..<k { system[c + c * k] += ridge }
      let ok = system.withUnsafeMutableBufferPointer { sp in LAPACK.potrfInPlace(sp.baseAddress!, order: k) }
      if ok {
        for (c, b) in free.enumerated() { step[c] = -g[b] }
        system.withUnsafeBufferPointer { sp in
          step.withUnsafeMutableBufferPointer { rp in LAPACK.potrsInPlace(sp.baseAddress!, order: k, rp.baseAddress!, rightHandSides: 1) }
        }
        for c in 0..<k where !step[c].isFinite { return false }
        return true
      }
      ridge *= 1e3
    }
    return false
  }
}

extension KernelNewton {
  /// J(s) and r = K(s)⁻¹y for `program` at the scales `s` (B, ≥ 0), or nil when K(s) does not factor or the
  /// program is not one this Newton solves: the function the steps minimise, for checks against the definitions.
  static func scaleObjective<Program: MaskedBlockProgram>(program: Program, scales s: [Double]) -> (value: Double, residual: [Double])? {
    guard applies(to: program), s.count == program.blockCount else { return nil }
    let n = program.sampleCount
    var kernel = ScaledKernel(program: program)
    var factor = KernelFactor(order: n, precision: .double)
    guard kernel.factor(s, into: &factor) else { return nil }
    var r = program.targets
    factor.solve(&r)
    return kernel.objective(residual: r, scales: s).map { ($0, r) }
  }
}
