import RealModule

/// ADMM for a constrained `SplittableProgram` (MATH.md §3.3 for C-ReLU), in the splitting of Bai, Gautam & Sojoudi
/// (2022) adapted so that the only linear system is d×d and factored once:
///
///     min_{U, Z, A}  ℓ(𝒜A, y) + I{𝒞A ≥ 0} + β Σ_b ‖z_b‖₂
///     s.t.           U = Z (d×B),   𝒳U = A (the products).
///
/// Scaled ADMM with penalties ρ (U = Z) and ρω (𝒳U = A), duals Λ (d×B) and Μ (products' shape), ω = 1/‖𝒳‖²:
/// * U ← K⁻¹ [(Z − Λ) + ω 𝒳ᵀ(A − Μ)],  K = I + ω·liftGram  (d×d, inverted once; two GEMMs);
/// * 𝒳U (one GEMM);
/// * Z ← prox_{(β/ρ)‖·‖}(U + Λ) per block (§3.7);
/// * A ← argmin ℓ(𝒜A) + I{𝒞A ≥ 0} + (ρω/2)‖A − (𝒳U + Μ)‖²: the program's `ProductProximal` (C-ReLU: row j
///   decouples to a scalar monotone equation in ŷ_j, `ConeRowProjection`);
/// * Λ += U − Z, Μ += 𝒳U − A; ρ adapted by residual balancing (Λ, Μ rescaled).
///
/// Certificate (§3.5): after the A-step `ρω Μ ∈ ∂(ℓ + I)(A)`, so `T = −ρωΜ = 𝒜ᵀv + 𝒞ᵀγ` with v = −∇ℓ(𝒜A), γ ≥ 0
/// (C-ReLU: σ⊙M⊙v + S⊙γ), and `c̄ = max_b ‖(𝒳ᵀT)_b‖` bounds c(v), giving the lower bound; near the end the
/// multipliers are polished (`MultiplierPolish`) and the program's exact block bounds (C-ReLU: NNLS cone maxima)
/// taken. The upper bound is the objective of Z's network, accepted only at a point of the program: as it is
/// (`isFeasible`), or after the program's `repair` (C-ReLU: each block moved to the sampled pattern it realises,
/// else shifted along its gate into its cone). Near the solution the program's `splittingPolish` (C-ReLU:
/// `ActiveSetPolish`) proposes a candidate, certified like any other, and ADMM restarts from it.
/// Buffers are allocated once per solve; an iteration allocates nothing.
/// ADMM constants: over-relaxation α, residual-balancing ratio and period (ρ ← 2ρ or ρ/2 when the normalised
/// primal and dual residuals differ by more than the ratio), and the gap below which the active-set polish runs
/// (at iterations spaced 20, 40, 80, … apart).
private let admmRelaxation = 1.6
private let admmBalance = 2.0
private let admmRhoEvery = 10
private let admmPolishThreshold = 0.2
struct ConeADMMSolver<Program: SplittableProgram> {
  /// The constrained program.
  let base: Program
  /// Weight ω = 1/‖𝒳‖² of the 𝒳U = A constraint relative to U = Z.
  let omega: Double

  init(program: Program) {
    precondition(program.isConstrained, "ADMM solves a constrained program")
    base = program
    omega = 1 / program.liftNormSquared
  }

  func solve(start: Matrix?, multipliers: Matrix?, penalty: Double?, options: ConvexSolverOptions) -> ProximalGradientSolver<Program>.Result {
    var loop = CertifiedLoop(options: options)
    let y = base.targets, loss = base.loss, beta = base.beta
    let B = base.blockCount, n = base.sampleCount, d = base.blockSize
    let ps = base.productShape, total = ps.rows * ps.columns
    // K⁻¹ = (I + ω 𝒳ᵀ𝒳)⁻¹ on a block, once (K ≥ I, so the Cholesky factorisation cannot fail for finite data).
    var kmat = base.liftGram
    kmat.scale(by: omega)
    for i in 0..<d { kmat[i, i] += 1 }
    let kinv = (try? Cholesky(kmat).solve(Matrix.identity(d))) ?? Matrix.identity(d)

    var z = start ?? Matrix(rows: d, columns: B)
    var u = z, lam = Matrix(rows: d, columns: B), rhs = Matrix(rows: d, columns: B)
    var xu = base.products(z)
    var a = xu
    // Start A feasible: project onto the constraints.
    base.projectProducts(&a)
    var aOld = a, zOld = z
    var mu = Matrix(rows: ps.rows, columns: ps.columns)
    var work = mu
    var xz = mu
    var grad = Matrix(rows: d, columns: B)
    var yhat = [Double](repeating: 0, count: n)
    var lossGrad = [Double](repeating: 0, count: n)
    var blockBounds = [Double](repeating: 0, count: B)
    var polishWork = MultiplierPolish(program: base, active: true)
    var bestZ = z
    var repairBuffer = Matrix(rows: d, columns: B)
    var zCand = Matrix(rows: d, columns: B)
    base.predict(a, into: &yhat)
    var rows = base.makeProductStep(start: yhat)

    /// ŷ = rowsum(σ ⊙ M ⊙ A) into `yhat` and ∇ℓ(ŷ) into `lossGrad`.
    func lossGradient(at m: Matrix) {
      base.predict(m, into: &yhat)
      _ = yhat.withUnsafeBufferPointer { p in
        y.withUnsafeBufferPointer { q in lossGrad.withUnsafeMutableBufferPointer { g in base.loss.valueAndGradient(p, q, gradient: g) } }
      }
    }
    /// Keeps a copy of the best feasible point seen (no allocation).
    func keepBest(_ src: Matrix) {
      src.withUnsafeBufferPointer { s in bestZ.withUnsafeMutableBufferPointer { dst in for k in 0..<s.count { dst[k] = s[k] } } }
    }

    var rho = penalty ?? initialPenalty(start: start)
    if let g = multipliers, g.rows == n, g.columns == B {
      // γ given: ρωΜ = −(σ⊙M⊙v + S⊙γ) with v from the start's prediction.
      lossGradient(at: a)
      base.adjoint(lossGrad, scale: -1, multipliers: g, into: &mu)
      mu.scale(by: -1 / (rho * omega))
    }

    var iterations = 0
    var rhoUpdates = 0
    var checks = 0

    /// Lower bound from the current (A, Μ) and upper bound from Z (with the feasibility verdict).
    func certify(polish: Bool, candidate: (u: Matrix, t: Matrix, lossGradient: [Double])? = nil) -> (ub: Double, lb: Double, feasible: Bool, repaired: Bool) {
      if let cand = candidate {
        lossGrad = cand.lossGradient
        work = cand.t
        z.withUnsafeBufferPointer { s in zCand.withUnsafeMutableBufferPointer { dst in for k in 0..<s.count { dst[k] = s[k] } } }
        swap(&z, &zCand)
        z = cand.u
      } else {
        lossGradient(at: a)
        let scale = -rho * omega
        mu.withUnsafeBufferPointer { mp in
          work.withUnsafeMutableBufferPointer { w in for k in 0..<total { w[k] = scale * mp[k] } }
        }
      }
      defer { if candidate != nil { swap(&z, &zCand) } }
      base.liftAdjoint(work, into: &grad)
      base.blockNorms(grad, into: &blockBounds)
      if polish {
        polishWork.improve(&blockBounds, start: base.constraintMultipliers(inRHS: work, lossGradient: lossGrad), lossGradient: lossGrad)
        // Exact block bounds (C-ReLU: NNLS cone maxima) for the blocks whose bound exceeds β: only they can raise c̄
        // above β.
        let over = (0..<B).filter { blockBounds[$0] > beta * (1 + 1e-3 * options.tolerance) }
        if over.count <= exactBlockLimit {
          for b in over {
            if let exact = base.exactBlockBound(b, lossGradient: lossGrad) { blockBounds[b] = Swift.min(blockBounds[b], exact) }
          }
        }
      }
      var cbar = 0.0
      for b in 0..<B { cbar = Swift.max(cbar, blockBounds[b]) }
      let lb = CertifiedLoop.dualBound(v: lossGrad.map { -$0 }, y: y, loss: loss, dualNormBound: cbar, beta: beta)

      // Upper bound: the network of Z, at a point of the program (as it is, or repaired).
      base.lift(z, into: &xz)
      let pen = base.groupNormSum(z)
      base.networkPrediction(xz, into: &yhat)
      let ub = loss.value(yhat, y) + beta * pen
      if base.isFeasible(xz) { return (ub, lb, true, false) }
      z.withUnsafeBufferPointer { src in repairBuffer.withUnsafeMutableBufferPointer { dst in for k in 0..<src.count { dst[k] = src[k] } } }
      guard base.repair(&repairBuffer, products: &xz) else { return (ub, lb, false, false) }
      base.networkPrediction(xz, into: &yhat)
      return (loss.value(yhat, y) + beta * base.groupNormSum(repairBuffer), lb, true, true)
    }

    /// ADMM state at a candidate point U with certificate right-hand side T (n×B): the fixed-point relations of the
    /// splitting (U = Z, XU = A, ρΛ = XᵀT, ρωΜ = −T).
    func restart(from point: Matrix, t: Matrix) {
      point.withUnsafeBufferPointer { s in
        z.withUnsafeMutableBufferPointer { dst in for k in 0..<s.count { dst[k] = s[k] } }
        u.withUnsafeMutableBufferPointer { dst in for k in 0..<s.count { dst[k] = s[k] } }
        zOld.withUnsafeMutableBufferPointer { dst in for k in 0..<s.count { dst[k] = s[k] } }
      }
      base.lift(z, into: &a)
      base.projectProducts(&a)
      let scaleMu = -1 / (rho * omega)
      t.withUnsafeBufferPointer { tp in
        a.withUnsafeBufferPointer { ap in
          aOld.withUnsafeMutableBufferPointer { ao in
            mu.withUnsafeMutableBufferPointer { mp in
              for k in 0..<total {
                ao[k] = ap[k]
                mp[k] = scaleMu * tp[k]
              }
            }
          }
        }
      }
      base.liftAdjoint(t, into: &lam, alpha: 1 / rho, accumulate: false)
      base.predict(a, into: &yhat)
      rows.reset(prediction: yhat)
    }

    let rhoCheck = admmRhoEvery
    var nextPolish = 0
    var polishInterval = Swift.max(20, 2 * Swift.max(1, options.checkEvery))
    /// Constraint multipliers Γ ≥ 0 inside T = −ρωΜ from the ADMM state (∇ℓ at A; C-ReLU: (S ⊙ (T + σ⊙M⊙∇ℓ))_+):
    /// the polish's multipliers outside its working set, and the warm-start multipliers of the result.
    func admmMultipliers() -> Matrix {
      lossGradient(at: a)
      var t = mu
      t.scale(by: -rho * omega)
      var gamma = base.constraintMultipliers(inRHS: t, lossGradient: lossGrad)
      gamma.withUnsafeMutableBufferPointer { g in for k in 0..<g.count { g[k] = Swift.max(0, g[k]) } }
      return gamma
    }
    let checkEvery = Swift.max(1, options.checkEvery)
    mainLoop: while iterations < options.maxIterations {
      // U-step.
      a.withUnsafeBufferPointer { ap in
        mu.withUnsafeBufferPointer { mp in
          work.withUnsafeMutableBufferPointer { w in for k in 0..<total { w[k] = ap[k] - mp[k] } }
        }
      }
      z.withUnsafeBufferPointer { zp in
        lam.withUnsafeBufferPointer { lp in
          u.withUnsafeMutableBufferPointer { up in for k in 0..<(d * B) { up[k] = zp[k] - lp[k] } }
        }
      }
      base.liftAdjoint(work, into: &u, alpha: omega, accumulate: true)
      rhs.gemm(kinv, u)
      swap(&u, &rhs)
      base.lift(u, into: &xu)
      if admmRelaxation != 1 {
        let relax = admmRelaxation
        // Over-relaxation: Û = αU + (1 − α)Z, XÛ = αXU + (1 − α)A.
        z.withUnsafeBufferPointer { zp in
          u.withUnsafeMutableBufferPointer { up in for k in 0..<(d * B) { up[k] = relax * up[k] + (1 - relax) * zp[k] } }
        }
        a.withUnsafeBufferPointer { ap in
          xu.withUnsafeMutableBufferPointer { q in for k in 0..<total { q[k] = relax * q[k] + (1 - relax) * ap[k] } }
        }
      }
      // Z-step.
      swap(&zOld, &z)
      blockSoftThreshold(u, plus: lam, scaledBy: 1, threshold: beta / rho, blockSize: d, into: &z)
      // A-step: T = XU + Μ into work.
      swap(&aOld, &a)
      xu.withUnsafeBufferPointer { q in
        mu.withUnsafeBufferPointer { mp in
          work.withUnsafeMutableBufferPointer { w in for k in 0..<total { w[k] = q[k] + mp[k] } }
        }
      }
      rows.solve(work, penalty: rho * omega, into: &a)
      // Dual updates and residuals.
      var rp = 0.0, rd = 0.0, nu = 0.0, nz = 0.0, nxu = 0.0, na = 0.0, nl = 0.0, nm = 0.0
      u.withUnsafeBufferPointer { up in
        z.withUnsafeBufferPointer { zp in
          zOld.withUnsafeBufferPointer { zo in
            lam.withUnsafeMutableBufferPointer { lp in
              for k in 0..<(d * B) {
                let r = up[k] - zp[k]
                lp[k] += r
                rp += r * r
                let s = zp[k] - zo[k]
                rd += s * s
                nu += up[k] * up[k]
                nz += zp[k] * zp[k]
                nl += lp[k] * lp[k]
              }
            }
          }
        }
      }
      xu.withUnsafeBufferPointer { q in
        a.withUnsafeBufferPointer { ap in
          aOld.withUnsafeBufferPointer { ao in
            mu.withUnsafeMutableBufferPointer { mp in
              for k in 0..<total {
                let r = q[k] - ap[k]
                mp[k] += r
                rp += omega * r * r
                let s = ap[k] - ao[k]
                rd += omega * s * s
                nxu += omega * q[k] * q[k]
                na += omega * ap[k] * ap[k]
                nm += omega * mp[k] * mp[k]
              }
            }
          }
        }
      }
      iterations += 1
      if !rp.isFinite || !rd.isFinite {
        loop.stopReason = .diverged
        break
      }
      if iterations % checkEvery == 0 || iterations == options.maxIterations {
        checks += 1
        let nearly = loop.relativeGap <= 100 * options.tolerance
        let c = certify(polish: nearly && checks % 5 == 0)
        loop.offerLower(c.lb)
        if c.feasible && loop.offerUpper(c.ub) {
          let src = c.repaired ? repairBuffer : z
          keepBest(src)
        }
        // Polish when the bounds are close — using the current network's value even if it is not yet feasible.
        let gapNow = loop.relativeGap
        let gapCandidate = ConvexSolverReport.relative(c.ub, loop.lower)
        if gapNow > options.tolerance && Swift.min(gapNow, abs(gapCandidate)) <= admmPolishThreshold && iterations >= nextPolish {
          nextPolish = iterations + polishInterval
          polishInterval *= 2
          // Active-set Newton polish of the current support, certified like any candidate.
          let gammaADMM = admmMultipliers()
          if let cand = base.splittingPolish(z: z, a: a, multipliers: gammaADMM) {
            let pc = certify(polish: true, candidate: cand)
            loop.offerLower(pc.lb)
            if pc.feasible && loop.offerUpper(pc.ub) {
              let src = pc.repaired ? repairBuffer : cand.u
              keepBest(src)
              if !loop.isCertified {
                // Restart ADMM at the polished point and its multipliers (valid from any start; near a solution it
                // needs far fewer iterations): Z = U = candidate, A = XU on the cone, ρωΜ = −T, ρΛ = XᵀT (= grad).
                restart(from: src, t: cand.t)
              }
            }
          }
        }
        if loop.checkpoint(iteration: iterations) {
          break mainLoop
        }
      }
      // Residual balancing (scaled ADMM: Λ, Μ rescale with 1/ρ).
      if iterations % rhoCheck == 0 {
        let pr = rp.squareRoot() / Swift.max(1e-300, Swift.max(Swift.max(nu, nz) + Swift.max(nxu, na), 0).squareRoot())
        let du = rd.squareRoot() / Swift.max(1e-300, (nl + nm).squareRoot())
        var factor = 1.0
        if pr > admmBalance * du { factor = 2 } else if du > admmBalance * pr { factor = 0.5 }
        if factor != 1 && rhoUpdates < 1000 {
          rhoUpdates += 1
          rho *= factor
          lam.withUnsafeMutableBufferPointer { p in for k in 0..<p.count { p[k] /= factor } }
          mu.withUnsafeMutableBufferPointer { p in for k in 0..<p.count { p[k] /= factor } }
        }
      }
    }
    // Final certificate with polishing; return the best feasible point seen.
    let final = certify(polish: true)
    loop.offerLower(final.lb)
    if final.feasible && loop.offerUpper(final.ub) {
      let src = final.repaired ? repairBuffer : z
      keepBest(src)
    }
    if loop.isCertified { loop.stopReason = .converged }
    // Without any point of the program, the last iterate (repaired by the program's verification).
    let outZ = loop.upper.isFinite ? bestZ : z
    let report = loop.report(
      iterations: iterations, outerIterations: rhoUpdates, constraintViolation: base.constraintViolation(outZ),
      objective: loop.upper.isFinite ? nil : final.ub)
    let gamma = admmMultipliers()
    return .init(u: outZ, multipliers: gamma, penalty: rho, report: report)
  }

  /// Largest number of blocks per certificate for which the exact cone maxima (NNLS, each O(d·n) per Lawson–Hanson
  /// step) are computed; above it the cheaper bounds stand.
  var exactBlockLimit: Int { 512 }

  /// ρ so that the group threshold β/ρ is a fraction of a typical block norm of the least-squares scale:
  /// ρ = β / (‖Xᵀy‖ ω) — the U = Z constraint and the shrinkage then act on comparable scales.
  func initialPenalty(start: Matrix?) -> Double {
    let g = base.splittingScale
    let r = base.beta / Swift.max(1e-300, g * omega)
    return r.isFinite && r > 0 ? r : 1
  }
}
