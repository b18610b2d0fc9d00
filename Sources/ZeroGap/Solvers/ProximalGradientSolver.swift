import RealModule

/// Restarted FISTA on any `GroupSparseProgram`, inside an augmented Lagrangian when the program has constraints
/// (MATH.md §3.7):
///
///     min_U  ℓ(𝒜𝒳U, y) + (δ/2)‖(Γ/δ − 𝒞𝒳U)_+‖² + β Σ_b ‖u_b‖₂,   then  Γ ← (Γ − δ 𝒞𝒳U)_+.
///
/// Hot loop: the lift P = 𝒳U (one GEMM for the ReLU programs), ŷ = 𝒜P and 𝒞P entrywise, the gradient 𝒳ᵀT with
/// `T = 𝒜ᵀ∇ℓ(ŷ) − δ 𝒞ᵀ(Γ/δ − 𝒞P)_+` (one GEMM). The extrapolated point's products are linear combinations of stored
/// ones, so an iteration costs two GEMMs (plus one per backtracking step); no allocation per iteration.
/// Steps by backtracking on the Bregman divergence (computed entrywise, free of cancellation); adaptive restart.
/// Augmented-Lagrangian schedule: after an inner solve that reached its tolerance, δ ← 2δ when the violation fell
/// by less than a factor 4; inner FISTA runs to a gradient-mapping tolerance `10⁻³·0.5^k·g₀` (round k,
/// g₀ = `initialGradientScale`) or at most 2000 iterations.
///
/// Certificate every `checkEvery` iterations (§3.5, see `GroupSparseProgram`): v = −∇ℓ(ŷ) with the multiplier
/// estimate Λ = (Γ − δ𝒞P)_+ gives `c̄ = max_b ‖(𝒳ᵀT)_b‖`, improved near the end by `MultiplierPolish`; the upper bound
/// is the recovered network's objective at a point of the program (`isFeasible`, or `repair` when the iterate is
/// within the tolerance of its constraints). Unconstrained squared-loss programs with cheap block columns also refit the
/// nonzero blocks' magnitudes at each check once the gap is below 1 % (`MagnitudeRefit`): a second upper bound and a
/// dual point whose certificate closes at the rate of the objective; and, once the iterations have earned its flops,
/// they run a semismooth Newton on the support (`SupportNewton`), whose point the iterate moves to when it is better.
private let alDecrease = 0.25
private let alGrowth = 2.0
private let alInnerCap = 2000
private let alInnerStart = 1e-3
private let alInnerDecay = 0.5
struct ProximalGradientSolver<Program: GroupSparseProgram> {
  let program: Program
  /// Flops the support Newton (`SupportNewton`) may spend before this solve's iterations earn any: the unspent
  /// balance of an earlier solve of a related program (`Result.newtonBalance`, as `WorkingSetSolver` passes it on).
  var newtonCredit = 0.0

  struct Result {
    var u: Matrix
    /// Γ (of 𝒞's shape; empty when unconstrained).
    var multipliers: Matrix
    var penalty: Double
    var report: ConvexSolverReport
    /// The dual point v that gave the best lower bound (unconstrained programs; empty when none was computed):
    /// with c̄ over any superset of the blocks it certifies that larger program too (`WorkingSetSolver`).
    var dualPoint: [Double] = []
    /// The last step size, a starting step for a solve of a similar program.
    var step: Double = 0
    /// The flops the iterations earned for the support Newton and it did not spend.
    var newtonBalance: Double = 0
  }

  /// Solves from `start` (d×B, zero if nil) and `multipliers` (𝒞's shape, zero if nil); `step` is a starting step
  /// size (nil: 1/L from a power iteration).
  func solve(start: Matrix?, multipliers: Matrix?, penalty: Double?, options: ConvexSolverOptions, step: Double? = nil) -> Result {
    var loop = CertifiedLoop(options: options)
    let program = self.program
    let y = program.targets, beta = program.beta, loss = program.loss, constrained = program.isConstrained
    let n = program.sampleCount, B = program.blockCount, us = program.blockShape
    let ps = program.productShape, cs = constrained ? program.constraintShape : (rows: 0, columns: 0)
    var u = start ?? Matrix(rows: us.rows, columns: us.columns)
    var uPrev = u, uNew = u, z = u, grad = Matrix(rows: us.rows, columns: us.columns)
    var xu = program.products(u)
    var xuPrev = xu, xuNew = xu, xz = xu, tbuf = Matrix(rows: ps.rows, columns: ps.columns)
    var gamma = multipliers ?? Matrix(rows: cs.rows, columns: cs.columns)
    var cNew = Matrix(rows: cs.rows, columns: cs.columns), cZ = cNew, lam = cNew
    var blockBounds = [Double](repeating: 0, count: B)
    var polishWork = MultiplierPolish(program: program, active: constrained)
    // Unconstrained squared-loss programs with cheap block columns: the magnitude refit at each check once the gap
    // is below 1 %, when its |S|×|S| Gram costs at most about two iterations' GEMMs (|S|² ≤ 4dB).
    let refitGap = 1e-2
    let refitter: ((Matrix) -> MagnitudeRefit?)? = constrained ? nil : (program as? any BlockColumnProgram).map { p in
      let cap = Swift.min(4000, Int((4 * Double(program.blockSize) * Double(B)).squareRoot()))
      return { u in MagnitudeRefit(program: p, u: u, maxBlocks: cap) }
    }
    // Unconstrained squared-loss programs with cheap block columns: Newton on the support (`tryNewton`), over at most
    // 4000 unknowns and a quarter of the memory budget, when the FISTA iterations (two GEMMs, 4ndB flops each) have
    // earned its cost.
    let newtonCap = 4000
    let iterationFlops = 4 * Double(n) * Double(program.blockSize) * Double(B)
    let newton: ((Matrix, [Int]) -> SupportNewton?)? = constrained ? nil : (program as? any BlockColumnProgram).map { p in
      { u, extra in SupportNewton(program: p, u: u, including: extra, tolerance: options.tolerance, maxUnknowns: newtonCap) }
    }
    // Gated programs with the plain squared loss on one process: Newton on the blocks' scales (`KernelNewton`) when
    // it is cheaper than the support Newton (or the support is past the latter's cap), and once the iterations have
    // earned it or their own rate (`GapRate` over the last four checks) predicts they would cost more.
    let scalesCost = KernelNewton.attemptCost(for: program, memoryBytes: options.memoryBudget.bytes / 4)
    let kernel: ((Matrix) -> KernelNewton?)? = scalesCost == nil ? nil : (program as? any MaskedBlockProgram).map { p in
      { u in KernelNewton(program: p, u: u, tolerance: options.tolerance) }
    }
    var rate = GapRate(window: 4), scalesTried = false, supportMissed = false
    var newtonSteps = 0
    var newtonBalance = newtonCredit, earnedAt = 0
    var supportNorms = [Double](repeating: 0, count: B)
    var entering: [Int] = []
    var checks = 0
    var delta = penalty ?? options.initialPenalty
    var yhat = [Double](repeating: 0, count: n)
    var yhatZ = [Double](repeating: 0, count: n)
    var lossGrad = [Double](repeating: 0, count: n)

    // Initial step: 1/L with L ≈ L_ℓ·‖𝒜𝒳‖² (power iteration), ≥ a floor.
    var eta = step ?? 1.0 / Swift.max(1e-300, loss.smoothness * estimateOperatorNormSquared() * 1.05)

    var iterations = 0
    var outer = 0
    var violation = 0.0
    var bestU = u
    var bestDual: (bound: Double, point: [Double]) = (-.infinity, [])
    var mismatch = 0.0
    let gradScale = Swift.max(1e-300, program.initialGradientScale)

    func lossAndGradient(_ p: Matrix) {
      program.predict(p, into: &yhat)
      _ = yhat.withUnsafeBufferPointer { a in
        y.withUnsafeBufferPointer { q in lossGrad.withUnsafeMutableBufferPointer { g in loss.valueAndGradient(a, q, gradient: g) } }
      }
    }
    /// (δ/2)‖(Γ/δ − C)_+‖² for constraint values C.
    func penaltyValue(_ c: Matrix) -> Double {
      gamma.withUnsafeBufferPointer { g in
        c.withUnsafeBufferPointer { cp in
          var s = 0.0
          for k in 0..<cp.count {
            let r = Swift.max(0, g[k] / delta - cp[k])
            s += r * r
          }
          return 0.5 * delta * s
        }
      }
    }
    /// ℓ + AL penalty at products P (the penalty's constraint values into `cNew`).
    func smoothValue(_ p: Matrix) -> Double {
      program.predict(p, into: &yhat)
      var f = yhat.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { q in loss.value(a, q) } }
      if constrained {
        program.constraints(p, into: &cNew)
        f += penaltyValue(cNew)
      }
      return f
    }
    /// ∇ℓ at P = XZ into `lossGrad` (ŷ into `yhatZ`), the constraint values into `cZ`, and the GEMM right-hand side
    /// T = 𝒜ᵀ∇ℓ − δ𝒞ᵀ(Γ/δ − 𝒞P)_+ into `tbuf`.
    func gradientRHS(_ p: Matrix) {
      program.predict(p, into: &yhatZ)
      _ = yhatZ.withUnsafeBufferPointer { a in
        y.withUnsafeBufferPointer { q in lossGrad.withUnsafeMutableBufferPointer { g in loss.valueAndGradient(a, q, gradient: g) } }
      }
      guard constrained else {
        program.adjoint(lossGrad, scale: 1, multipliers: nil, into: &tbuf)
        return
      }
      program.constraints(p, into: &cZ)
      gamma.withUnsafeBufferPointer { g in
        cZ.withUnsafeBufferPointer { cp in
          lam.withUnsafeMutableBufferPointer { l in for k in 0..<cp.count { l[k] = -delta * Swift.max(0, g[k] / delta - cp[k]) } }
        }
      }
      program.adjoint(lossGrad, scale: 1, multipliers: lam, into: &tbuf)
    }
    /// Bregman divergence of the smooth part between U⁺ (ŷ `yhat`, constraints `cNew`) and Z (`yhatZ`, `cZ`): the
    /// loss's (entrywise, stable) plus the penalty's, per entry with t = γ/δ − c:
    /// `δ/2 [(t⁺)_+² − (t)_+² + 2(t)_+(t − t⁺)]` in its cancellation-free forms.
    func bregman() -> Double {
      var s = yhat.withUnsafeBufferPointer { a in
        yhatZ.withUnsafeBufferPointer { b in y.withUnsafeBufferPointer { q in loss.bregman(a, b, q) } }
      }
      guard constrained else { return s }
      let pen: Double = gamma.withUnsafeBufferPointer { g in
        cNew.withUnsafeBufferPointer { cn in
          cZ.withUnsafeBufferPointer { cz in
            var acc = 0.0
            for k in 0..<g.count {
              let c = g[k] / delta
              let t = c - cz[k], tp = c - cn[k]
              if t > 0 {
                if tp > 0 {
                  acc += (tp - t) * (tp - t)
                } else {
                  acc += t * t - 2 * t * tp
                }
              } else if tp > 0 {
                acc += tp * tp
              }
            }
            return acc
          }
        }
      }
      s += 0.5 * delta * pen
      return s
    }
    /// Largest violation max(−𝒞P)_+ of the constraint values in `cNew` (computed from `xu` first).
    func maxViolation() -> Double {
      guard constrained else { return 0 }
      program.constraints(xu, into: &cNew)
      return cNew.withUnsafeBufferPointer { c in
        var v = 0.0
        for k in 0..<c.count { v = Swift.max(v, -c[k]) }
        return v
      }
    }
    func violationScale() -> Double {
      xu.withUnsafeBufferPointer { a in
        var m = 1.0
        for k in 0..<a.count { m = Swift.max(m, abs(a[k])) }
        return m
      }
    }
    /// c̄ = max_b of the block bounds in `blockBounds`.
    func largestBlockBound() -> Double {
      var c = 0.0
      for b in 0..<B { c = Swift.max(c, blockBounds[b]) }
      return c
    }
    /// The dual bound at v = −∇ℓ (`lossGrad`) with c̄ from `blockBounds`; kept as the best dual point when it is.
    func offerDual() -> Double {
      let v = lossGrad.map { -$0 }
      let bound = CertifiedLoop.dualBound(v: v, y: y, loss: loss, dualNormBound: largestBlockBound(), beta: beta)
      if !constrained && bound > bestDual.bound { bestDual = (bound, v) }
      return bound
    }
    /// The certificate of the unconstrained program at the predictions `prediction` (uses tbuf, grad as scratch).
    func offerDual(prediction: [Double]) -> Double {
      _ = prediction.withUnsafeBufferPointer { a in
        y.withUnsafeBufferPointer { q in lossGrad.withUnsafeMutableBufferPointer { g in loss.valueAndGradient(a, q, gradient: g) } }
      }
      program.adjoint(lossGrad, scale: -1, multipliers: nil, into: &tbuf)
      program.liftAdjoint(tbuf, into: &grad)
      program.blockNorms(grad, into: &blockBounds)
      return offerDual()
    }
    /// Semismooth Newton on the support (`SupportNewton`) when its cost is covered by the flops the iterations have
    /// earned and earlier attempts not spent (so it never more than doubles the work): offers its point and
    /// certificate, and moves the iterate there when it beats the iterate's value `current`. Nil when it did not
    /// run, else whether the iterate moved.
    func tryNewton(current: Double) -> Bool? {
      newtonBalance += iterationFlops * Double(iterations - earnedAt)
      earnedAt = iterations
      guard !loop.isCertified else { return nil }
      // The support, and the zero blocks whose dual constraint the last certificate found violated (they would
      // enter: a support Newton on the iterate's support alone cannot reach the optimum without them).
      program.blockNorms(u, into: &supportNorms)
      entering.removeAll(keepingCapacity: true)
      for b in 0..<B where supportNorms[b] == 0 && blockBounds[b] > beta { entering.append(b) }
      let m = (supportNorms.reduce(0) { $1 > 0 ? $0 + 1 : $0 } + entering.count) * program.blockSize
      rate.record(iteration: iterations, gap: loop.relativeGap)
      // The cheaper of the Newtons that fit: on the support (m unknowns) or on the scales (n×n).
      let onSupport = newton != nil && m > 0 && m <= newtonCap
        && MemoryBudget.doubles(MemoryBudget.product(n + 3 * m, m)) <= options.memoryBudget.bytes / 4
        ? SupportNewton.cost(rows: n, unknowns: m) : Double.infinity
      let onScales = scalesCost ?? .infinity
      // The scales also once a support Newton did not certify: its support came from the iterate and may miss
      // blocks (raw, ill-conditioned data), where the scales' blocks enter and leave on their own.
      let useScales = onScales.isFinite && (onScales <= onSupport || (supportMissed && !scalesTried))
      // The prediction starts one attempt per solve: the attempt runs to the tolerance or to a stall, and another
      // from a point FISTA moved a little would mostly repeat it (an unreachable tolerance would repeat it forever).
      let predicted = useScales && !scalesTried ? (rate.remaining(to: options.tolerance) ?? 0) * iterationFlops / KernelNewton.predictionMargin : 0
      let cost = useScales ? onScales : onSupport
      guard cost.isFinite, cost <= Swift.max(newtonBalance, predicted) else { return nil }
      newtonBalance -= cost
      let point: (u: Matrix, prediction: [Double], objective: Double)?
      if useScales, let kernel {
        scalesTried = true
        let k = kernel(u)
        newtonSteps += k?.steps ?? 0
        point = k.map { ($0.u, $0.prediction, $0.objective) }
      } else {
        let k = newton?(u, entering)
        newtonSteps += k?.steps ?? 0
        point = k.map { ($0.u, $0.prediction, $0.objective) }
      }
      guard let r = point else { return false }
      if loop.offerUpper(r.objective) { bestU = r.u }
      loop.offerLower(offerDual(prediction: r.prediction))
      if !useScales && !loop.isCertified { supportMissed = true }
      guard r.objective < current else { return false }
      u = r.u
      program.lift(u, into: &xu)
      return true
    }
    /// Certificate at the current iterate (uses tbuf, grad, lam as scratch). Returns (UB, LB).
    func certify(polish: Bool = false) -> (Double, Double) {
      lossAndGradient(xu)
      // T = −𝒜ᵀ∇ℓ + 𝒞ᵀΛ, Λ = (Γ − δ𝒞P)_+ (the multiplier estimate of the next AL update).
      if constrained {
        program.constraints(xu, into: &cNew)
        gamma.withUnsafeBufferPointer { g in
          cNew.withUnsafeBufferPointer { cp in
            lam.withUnsafeMutableBufferPointer { l in for k in 0..<cp.count { l[k] = Swift.max(0, g[k] - delta * cp[k]) } }
          }
        }
      }
      program.adjoint(lossGrad, scale: -1, multipliers: constrained ? lam : nil, into: &tbuf)
      program.liftAdjoint(tbuf, into: &grad)
      program.blockNorms(grad, into: &blockBounds)
      if constrained && polish { polishWork.improve(&blockBounds, start: lam, lossGradient: lossGrad) }
      var lb = offerDual()
      if let refitter, loop.relativeGap <= refitGap, let refit = refitter(u) {
        // The magnitude refit: a point at least as good, and a dual point bounding at second order.
        if loop.offerUpper(refit.objective) { bestU = refit.u }
        lb = Swift.max(lb, offerDual(prediction: refit.prediction))
        lossAndGradient(xu)  // the iterate's ŷ and gradient again, for the upper bound below
      }
      // Upper bound: the recovered network's objective (`considerUpper` keeps it only for a point of the program).
      if constrained { program.networkPrediction(xu, into: &yhat) }
      let ub = loss.value(yhat, y) + beta * program.penalty(u)
      if constrained { mismatch = maxViolation() / violationScale() }
      return (ub, lb)
    }
    /// Keeps the current iterate (value `ub`) as the best network if it is a point of the program and beats the
    /// best so far: feasible as it is, or repaired when its mismatch is within the tolerance; copies without
    /// allocating unless it repairs.
    func considerUpper(_ ub: Double) {
      guard constrained && !program.isFeasible(xu) else {
        if loop.offerUpper(ub) {
          u.withUnsafeBufferPointer { src in bestU.withUnsafeMutableBufferPointer { dst in for k in 0..<src.count { dst[k] = src[k] } } }
        }
        return
      }
      guard mismatch <= options.tolerance, ub < loop.upper else { return }
      var candidate = u, xc = xu, yc = yhat
      guard program.repair(&candidate, products: &xc) else { return }
      program.networkPrediction(xc, into: &yc)
      if loop.offerUpper(loss.value(yc, y) + beta * program.penalty(candidate)) { bestU = candidate }
    }

    var previousViolation = Double.infinity
    outerLoop: while true {
      // FISTA on the (augmented) objective with the current Γ, δ.
      var t = 1.0
      z = u
      xz = xu
      let innerTol = constrained ? gradScale * Swift.max(alInnerStart * Double.pow(alInnerDecay, Double(outer)), 1e-13) : 0
      var inner = 0
      var innerConverged = false
      while true {
        if iterations >= options.maxIterations {
          loop.stopReason = .maxIterations
          break outerLoop
        }
        gradientRHS(xz)
        program.liftAdjoint(tbuf, into: &grad)
        eta *= 1.05
        var fNew = 0.0
        var backtracks = 0
        while true {
          proxStep(z: z, grad: grad, eta: eta, into: &uNew)
          program.lift(uNew, into: &xuNew)
          fNew = smoothValue(xuNew)
          // Quadratic upper bound f(U⁺) ≤ f(Z) + ⟨∇f(Z), U⁺ − Z⟩ + ‖U⁺ − Z‖²/(2η), tested through the Bregman
          // divergence.
          let sq = squaredDistance(uNew, z)
          if bregman() <= sq / (2 * eta) || backtracks > 60 { break }
          eta *= 0.5
          backtracks += 1
        }
        if !fNew.isFinite {
          loop.stopReason = .diverged
          break outerLoop
        }
        iterations += 1
        inner += 1
        // Gradient-mapping norm ‖U⁺ − Z‖/η and adaptive restart test ⟨Z − U⁺, U⁺ − U⟩ > 0.
        let (mapNorm, restartDot) = mappingAndRestart(z: z, new: uNew, current: u)
        swap(&uPrev, &u)
        swap(&u, &uNew)
        swap(&xuPrev, &xu)
        swap(&xu, &xuNew)
        var momentum = 0.0
        if restartDot > 0 {
          t = 1
        } else {
          let tNext = (1 + (1 + 4 * t * t).squareRoot()) / 2
          momentum = (t - 1) / tNext
          t = tNext
        }
        extrapolate(u, uPrev, momentum, into: &z)
        extrapolate(xu, xuPrev, momentum, into: &xz)

        let innerDone = constrained && mapNorm / eta <= innerTol
        if iterations % Swift.max(1, options.checkEvery) == 0 || innerDone {
          checks += 1
          let nearlyDone = loop.relativeGap <= 100 * options.tolerance
          let (ub, lb) = certify(polish: innerDone || (nearlyDone && checks % 5 == 0))
          loop.offerLower(lb)
          considerUpper(ub)
          if loop.checkpoint(iteration: iterations) { break outerLoop }
          if let moved = tryNewton(current: ub) {
            if moved {
              // Restart the momentum at the Newton point.
              t = 1
              uPrev = u
              xuPrev = xu
              z = u
              xz = xu
            }
            if loop.checkpoint(iteration: iterations) { break outerLoop }
          }
        }
        if innerDone { innerConverged = true }
        if innerDone || (constrained && inner >= alInnerCap) { break }
      }
      // Augmented-Lagrangian update: Γ ← (Γ − δ𝒞P)_+, δ ← 2δ if the violation did not fall.
      guard constrained else { continue }
      outer += 1
      violation = maxViolation()
      cNew.withUnsafeBufferPointer { c in
        gamma.withUnsafeMutableBufferPointer { gm in for k in 0..<c.count { gm[k] = Swift.max(0, gm[k] - delta * c[k]) } }
      }
      if innerConverged && violation > alDecrease * previousViolation && violation > 1e-10 * violationScale() { delta = Swift.min(delta * alGrowth, 1e12) }
      previousViolation = violation
      if outer >= options.maxOuterIterations {
        loop.stopReason = .maxIterations
        break
      }
    }
    var (ub, lb) = certify(polish: true)
    considerUpper(ub)
    if loop.upper.isFinite {
      // Return the best network seen (a point of the program).
      swap(&u, &bestU)
      program.lift(u, into: &xu)
      (ub, lb) = certify(polish: true)
    }
    violation = maxViolation()
    loop.offerLower(lb)
    var report = loop.report(iterations: iterations, outerIterations: outer, constraintViolation: violation, objective: ub)
    report.dataPasses = 2 * Double(iterations)
    report.newtonSteps = constrained ? nil : newtonSteps
    return Result(u: u, multipliers: gamma, penalty: delta, report: report, dualPoint: bestDual.point, step: eta,
      newtonBalance: newtonBalance + iterationFlops * Double(iterations - earnedAt))
  }

  // MARK: - Kernels

  /// U⁺ = prox_{ηβ‖·‖}(Z − η∇) (§3.7).
  func proxStep(z: Matrix, grad: Matrix, eta: Double, into out: inout Matrix) {
    program.proximal(z, plus: grad, scaledBy: -eta, threshold: eta * program.beta, into: &out)
  }

  /// ‖A − B‖_F².
  func squaredDistance(_ a: Matrix, _ b: Matrix) -> Double {
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        var s = 0.0
        for k in 0..<ap.count {
          let t = ap[k] - bp[k]
          s += t * t
        }
        return s
      }
    }
  }

  func mappingAndRestart(z: Matrix, new: Matrix, current: Matrix) -> (Double, Double) {
    z.withUnsafeBufferPointer { zp in
      new.withUnsafeBufferPointer { np in
        current.withUnsafeBufferPointer { cp in
          var m = 0.0, dot = 0.0
          for k in 0..<zp.count {
            let a = zp[k] - np[k]
            m += a * a
            dot += a * (np[k] - cp[k])
          }
          return (m.squareRoot(), dot)
        }
      }
    }
  }

  /// ‖𝒜𝒳‖² by 30 power iterations on (𝒜𝒳)(𝒜𝒳)ᵀ, plus ‖𝒞‖² of room for the augmented-Lagrangian term when
  /// constrained (backtracking adjusts the step).
  func estimateOperatorNormSquared() -> Double {
    let n = program.sampleCount, ps = program.productShape
    var r = [Double](repeating: 1, count: n)
    var t = Matrix(rows: ps.rows, columns: ps.columns)
    var g = Matrix(rows: program.blockShape.rows, columns: program.blockShape.columns)
    var xg = t
    var lambda = 0.0
    let rows = program.loss.rows
    for _ in 0..<30 {
      let nr = rows.sum(r.dot(r)).squareRoot()
      if nr == 0 { return 1 }
      r.scal(1 / nr)
      program.adjoint(r, scale: 1, multipliers: nil, into: &t)
      program.liftAdjoint(t, into: &g)
      program.lift(g, into: &xg)
      program.predict(xg, into: &r)
      lambda = rows.sum(r.dot(r)).squareRoot()
    }
    var base = lambda
    if program.isConstrained { base += program.constraintNormSquared }
    return Swift.max(base, 1e-12)
  }
}

/// `out = prox_{t‖·‖}(A + s·B)` block by block (columns of `blockSize` rows): `w ← w · max(0, 1 − t/‖w‖)`, the
/// proximal map of the group ℓ₂ penalty (MATH.md §3.7), with the sum formed in the same pass.
func blockSoftThreshold(_ a: Matrix, plus b: Matrix, scaledBy s: Double, threshold t: Double, blockSize d: Int, into out: inout Matrix) {
  let blocks = a.count / Swift.max(1, d)
  a.withUnsafeBufferPointer { ap in
    b.withUnsafeBufferPointer { bp in
      out.withUnsafeMutableBufferPointer { o in
        for blk in 0..<blocks {
          var sq = 0.0
          for i in 0..<d {
            let k = i + blk * d
            let w = ap[k] + s * bp[k]
            o[k] = w
            sq += w * w
          }
          let nrm = sq.squareRoot()
          let f = nrm > t ? 1 - t / nrm : 0
          for i in 0..<d { o[i + blk * d] *= f }
        }
      }
    }
  }
}

/// out = a + μ(a − b).
func extrapolate(_ a: Matrix, _ b: Matrix, _ mu: Double, into out: inout Matrix) {
  a.withUnsafeBufferPointer { ap in
    b.withUnsafeBufferPointer { bp in
      out.withUnsafeMutableBufferPointer { o in
        for k in 0..<ap.count { o[k] = ap[k] + mu * (ap[k] - bp[k]) }
      }
    }
  }
}
