import RealModule

/// ADMM for the cone-constrained group lasso C-ReLU (MATH.md §3.3), in the splitting of Bai, Gautam & Sojoudi
/// (2022) adapted so that the only linear system is d×d and factored once. With B = 2P blocks (U = [V W],
/// masks [M M], signs σ = [+1…, −1…], S = 2M − 1), the program is
///
///     min_{U, Z, A}  ℓ(rowsum(σ ⊙ M ⊙ A), y) + I{S ⊙ A ≥ 0} + β Σ_b ‖z_b‖₂
///     s.t.           U = Z (d×B),   X U = A (n×B, one column per block).
///
/// Scaled ADMM with penalties ρ (U = Z) and ρω (XU = A), duals Λ (d×B) and Μ (n×B):
/// * U ← K⁻¹ [(Z − Λ) + ω Xᵀ(A − Μ)],  K = I + ω XᵀX  (d×d, inverted once; two GEMMs: Xᵀ·(n×B), K⁻¹·(d×B));
/// * XU ← X·U (one GEMM);
/// * Z ← prox_{(β/ρ)‖·‖}(U + Λ) per block (§3.7);
/// * A ← argmin ℓ(rowsum(σ⊙M⊙A)) + I{S⊙A ≥ 0} + (ρω/2)‖A − (XU + Μ)‖²: row j decouples to a scalar monotone
///   equation in ŷ_j (`ConeRowProjection`);
/// * Λ += U − Z, Μ += XU − A; ρ adapted by residual balancing (Λ, Μ rescaled).
///
/// Certificate (§3.5): after the A-step `ρω Μ ∈ ∂(ℓ + I)(A)`, so `T = −ρωΜ = σ⊙M⊙v + S⊙γ` with v = −∇ℓ(ŷ(A)),
/// γ ≥ 0; `‖Xᵀ T_b‖ ≥ max_{u∈K_b,‖u‖≤1} σ_b vᵀD_bXu` bounds c(v) on the sampled patterns, giving the lower
/// bound. The upper bound is the true ReLU network objective of Z (blocks → neurons, §3.3), accepted only when
/// Z is a point of the program: every block's cone violation is rounding (`ConeRepair.isFeasible`),
/// or (repair) each nonzero block's realised pattern 1[X z_b ≥ 0] is one of the sampled patterns, in which case the
/// block is moved to that pattern's column (merging same-sign blocks, which can only lower the penalty) and the
/// returned point satisfies the cone constraints exactly, or else (with the patterns' gates) the violating blocks
/// are shifted along their gates into their cones (`ConeRepair`).
/// Buffers are allocated once per solve; an iteration allocates nothing.
/// ADMM constants: over-relaxation α, residual-balancing ratio and period (ρ ← 2ρ or ρ/2 when the normalised
/// primal and dual residuals differ by more than the ratio), and the gap below which the active-set polish runs
/// (at iterations spaced 20, 40, 80, … apart).
private let admmRelaxation = 1.6
private let admmBalance = 2.0
private let admmRhoEvery = 10
private let admmPolishThreshold = 0.2
struct ConeADMMSolver {
  /// The constrained program (its constraints are the sign constraints S ⊙ XU ≥ 0 that the A-step projects on).
  let base: ReLUBlockProgram
  /// Weight ω = 1/‖X‖₂² of the XU = A constraint relative to U = Z.
  let omega: Double

  init(program: ReLUBlockProgram) {
    precondition(program.isConstrained, "ADMM solves the cone-constrained program")
    base = program
    omega = 1 / program.liftNormSquared
  }

  var n: Int { base.n }
  var d: Int { base.d }
  var blocks: Int { base.blocks }

  func solve(
    start: Matrix?, multipliers: Matrix?, penalty: Double?, options: ConvexSolverOptions, patternIndex: [PatternKey: Int],
    layout: BlockLayout
  ) -> ProximalGradientSolver<ReLUBlockProgram>.Result {
    var loop = CertifiedLoop(options: options)
    let x = base.x, masks = base.masks, signs = base.signs, y = base.targets, loss = base.loss.kind, beta = base.beta
    let B = blocks, n = self.n, d = self.d, total = n * B
    // K⁻¹ = (I + ω XᵀX)⁻¹, once (K ≥ I, so the Cholesky factorisation cannot fail for finite X).
    var kmat = Matrix.product(x, x, transA: .transpose, alpha: omega)
    for i in 0..<d { kmat[i, i] += 1 }
    let kinv = (try? Cholesky(kmat).solve(Matrix.identity(d))) ?? Matrix.identity(d)

    var z = start ?? Matrix(rows: d, columns: B)
    var u = z, lam = Matrix(rows: d, columns: B), rhs = Matrix(rows: d, columns: B)
    var xu = Matrix.product(x, z)
    var a = xu
    // Start A feasible: project onto the sign constraints.
    masks.withUnsafeBufferPointer { m in
      a.withUnsafeMutableBufferPointer { ap in
        for k in 0..<total { ap[k] = m[k] != 0 ? Swift.max(0, ap[k]) : Swift.min(0, ap[k]) }
      }
    }
    var aOld = a, zOld = z
    var mu = Matrix(rows: n, columns: B)
    var work = Matrix(rows: n, columns: B)
    var xz = Matrix(rows: n, columns: B)
    var grad = Matrix(rows: d, columns: B)
    var yhat = [Double](repeating: 0, count: n)
    var lossGrad = [Double](repeating: 0, count: n)
    var blockBounds = [Double](repeating: 0, count: B)
    var polishWork = MultiplierPolish(program: base, active: true)
    var bestZ = z
    var repairBuffer = Matrix(rows: d, columns: B)
    var zCand = Matrix(rows: d, columns: B)
    base.predict(a, into: &yhat)
    var rows = ConeRowProjection(n: n, blocks: B, start: yhat)

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
      base.certificateRHS(lossGrad: lossGrad, gamma: g, into: &mu)
      mu.scale(by: -1 / (rho * omega))
    }

    var iterations = 0
    var rhoUpdates = 0
    var checks = 0

    /// Lower bound from the current (A, Μ) and upper bound from Z (with the feasibility verdict).
    func certify(polish: Bool, candidate: ActiveSetPolish.Result? = nil) -> (ub: Double, lb: Double, feasible: Bool, repaired: Bool) {
      if let cand = candidate {
        lossGrad = cand.lossGrad
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
      grad.gemm(x, work, transA: .transpose)
      grad.withUnsafeBufferPointer { p in
        for b in 0..<B {
          var c = 0.0
          for i in 0..<d { c += p[i + b * d] * p[i + b * d] }
          blockBounds[b] = c.squareRoot()
        }
      }
      if polish {
        polishWork.improve(&blockBounds, start: base.multipliers(inRHS: work, lossGrad: lossGrad), lossGradient: lossGrad)
        // Exact cone maxima (NNLS) for the blocks whose bound exceeds β: only they can raise c̄ above β.
        let over = (0..<B).filter { blockBounds[$0] > beta * (1 + 1e-3 * options.tolerance) }
        if over.count <= exactBlockLimit {
          for b in over {
            blockBounds[b] = Swift.min(blockBounds[b], base.coneMaximum(block: b, lossGrad: lossGrad).residualNorm)
          }
        }
      }
      var cbar = 0.0
      for b in 0..<B { cbar = Swift.max(cbar, blockBounds[b]) }
      let lb = CertifiedLoop.dualBound(v: lossGrad.map { -$0 }, y: y, loss: loss, dualNormBound: cbar, beta: beta)

      // Upper bound: the ReLU network of Z.
      xz.gemm(x, z)
      let pen = base.groupNormSum(z)
      base.networkPrediction(xz, into: &yhat)
      let ub = loss.value(yhat, y) + beta * pen
      if ConeRepair.isFeasible(xu: xz, masks: masks) { return (ub, lb, true, false) }
      // Repair: every nonzero block must realise a sampled pattern.
      let ok = repair(xz: xz, z: z, into: &repairBuffer, patternIndex: patternIndex, layout: layout)
      if ok { return (loss.value(yhat, y) + beta * base.groupNormSum(repairBuffer), lb, true, true) }
      // Gate shift (`ConeRepair`): each violating block moved along its pattern's gate into its cone, or dropped.
      if let cones = base.cones {
        z.withUnsafeBufferPointer { src in repairBuffer.withUnsafeMutableBufferPointer { dst in for k in 0..<src.count { dst[k] = src[k] } } }
        cones.repair(&repairBuffer, xu: &xz)
        base.networkPrediction(xz, into: &yhat)
        return (loss.value(yhat, y) + beta * base.groupNormSum(repairBuffer), lb, true, true)
      }
      return (ub, lb, false, false)
    }

    /// ADMM state at a candidate point U with certificate right-hand side T (n×B): the fixed-point relations of the
    /// splitting (U = Z, XU = A, ρΛ = XᵀT, ρωΜ = −T).
    func restart(from point: Matrix, t: Matrix) {
      point.withUnsafeBufferPointer { s in
        z.withUnsafeMutableBufferPointer { dst in for k in 0..<s.count { dst[k] = s[k] } }
        u.withUnsafeMutableBufferPointer { dst in for k in 0..<s.count { dst[k] = s[k] } }
        zOld.withUnsafeMutableBufferPointer { dst in for k in 0..<s.count { dst[k] = s[k] } }
      }
      a.gemm(x, z)
      let scaleMu = -1 / (rho * omega)
      masks.withUnsafeBufferPointer { m in
        t.withUnsafeBufferPointer { tp in
          a.withUnsafeMutableBufferPointer { ap in
            aOld.withUnsafeMutableBufferPointer { ao in
              mu.withUnsafeMutableBufferPointer { mp in
                for k in 0..<total {
                  ap[k] = m[k] != 0 ? Swift.max(0, ap[k]) : Swift.min(0, ap[k])
                  ao[k] = ap[k]
                  mp[k] = scaleMu * tp[k]
                }
              }
            }
          }
        }
      }
      lam.gemm(x, t, transA: .transpose, alpha: 1 / rho)
      base.predict(a, into: &rows.yhat)
    }

    let rhoCheck = admmRhoEvery
    var nextPolish = 0
    var polishInterval = Swift.max(20, 2 * Swift.max(1, options.checkEvery))
    /// Cone multipliers γ = (S ⊙ (T + σ⊙M⊙∇ℓ))_+, T = −ρωΜ, from the ADMM state (∇ℓ at A): the polish's
    /// multipliers outside its working set, and the warm-start multipliers of the result.
    func admmMultipliers() -> Matrix {
      lossGradient(at: a)
      var gamma = Matrix(rows: n, columns: B)
      masks.withUnsafeBufferPointer { m in
        mu.withUnsafeBufferPointer { mp in
          gamma.withUnsafeMutableBufferPointer { gm in
            for b in 0..<B {
              for j in 0..<n {
                let k = j + b * n
                gm[k] = Swift.max(0, (2 * m[k] - 1) * (-rho * omega * mp[k] + signs[b] * m[k] * lossGrad[j]))
              }
            }
          }
        }
      }
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
      u.gemm(x, work, transA: .transpose, alpha: omega, beta: 1)
      rhs.gemm(kinv, u)
      swap(&u, &rhs)
      xu.gemm(x, u)
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
      let thr = beta / rho
      u.withUnsafeBufferPointer { up in
        lam.withUnsafeBufferPointer { lp in
          z.withUnsafeMutableBufferPointer { o in
            for b in 0..<B {
              var s = 0.0
              for i in 0..<d {
                let k = i + b * d
                let w = up[k] + lp[k]
                o[k] = w
                s += w * w
              }
              let nrm = s.squareRoot()
              let f = nrm > thr ? 1 - thr / nrm : 0
              for i in 0..<d { o[i + b * d] *= f }
            }
          }
        }
      }
      // A-step: T = XU + Μ into work.
      swap(&aOld, &a)
      xu.withUnsafeBufferPointer { q in
        mu.withUnsafeBufferPointer { mp in
          work.withUnsafeMutableBufferPointer { w in for k in 0..<total { w[k] = q[k] + mp[k] } }
        }
      }
      rows.solve(t: work, masks: masks, signs: signs, y: y, loss: loss, rhoA: rho * omega, into: &a)
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
          if let cand = ActiveSetPolish(program: base).run(z: z, a: a, gammaOther: gammaADMM) {
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
      iterations: iterations, outerIterations: rhoUpdates, constraintViolation: base.coneViolation(of: outZ),
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
    let g = base.x.multiply(base.targets, trans: .transpose).norm2
    let r = base.beta / Swift.max(1e-300, g * omega)
    return r.isFinite && r > 0 ? r : 1
  }

  /// Moves each nonzero block of Z to the column of its realised pattern 1[X z_b ≥ 0] (same sign half), merging
  /// blocks that land on the same column. Returns false if some realised pattern is not sampled.
  func repair(xz: Matrix, z: Matrix, into out: inout Matrix, patternIndex: [PatternKey: Int], layout: BlockLayout) -> Bool {
    let n = self.n, d = self.d, B = blocks
    out.withUnsafeMutableBufferPointer { o in for k in 0..<o.count { o[k] = 0 } }
    var ok = true
    z.withUnsafeBufferPointer { zp in
      xz.withUnsafeBufferPointer { q in
        out.withUnsafeMutableBufferPointer { o in
          for b in 0..<B {
            var nrm = 0.0
            for i in 0..<d { nrm += zp[i + b * d] * zp[i + b * d] }
            if nrm == 0 { continue }
            let key = PatternKey(n: n) { j in q[j + b * n] >= 0 }
            guard let i = patternIndex[key] else {
              ok = false
              return
            }
            let col = layout.block(pattern: i, sign: base.signs[b])
            for r in 0..<d { o[r + col * d] += zp[r + b * d] }
          }
        }
      }
    }
    return ok
  }
}

/// A 0/1 pattern of length n packed into 64-bit words (hashable), for looking up sampled patterns.
struct PatternKey: Hashable, Sendable {
  var words: [UInt64]
  init(n: Int, bit: (Int) -> Bool) {
    var w = [UInt64](repeating: 0, count: (n + 63) / 64)
    for j in 0..<n where bit(j) { w[j >> 6] |= 1 << UInt64(j & 63) }
    words = w
  }
}
