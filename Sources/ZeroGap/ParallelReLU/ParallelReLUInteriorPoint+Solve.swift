import Foundation

extension ParallelReLUInteriorPoint {
  /// The result of a solve: the best point of the program (d × B·K blocks, `ParallelReLUBlocks` order), its report,
  /// and measurements of the linear algebra.
  struct Result {
    var blocks: Matrix
    var report: ConvexSolverReport
    /// The relative residual of the last Newton solve, the mean number of radially shifted blocks.
    var lastNewtonResidual: Double
    var meanShifted: Double
  }

  /// Runs Mehrotra's predictor–corrector until the certified relative gap is at most `options.tolerance`, or
  /// `maxIterations` steps, or the iterate stalls (three steps shorter than 10⁻⁴, a non-interior scaling, a
  /// factorisation that fails at every regularisation); the best point and bounds seen are returned in every case.
  func solve(options: ConvexSolverOptions, maxIterations: Int = 100) -> Result {
    // The GEMMs here are small (n × Kd by Kd × B); the branches are spread over the cores instead
    // (bench/PARALLEL_SOLVER.md §7, pitfall 5: two BLAS threads on such products were 100× slower).
    let blasThreads = BLAS.threadCount
    BLAS.setThreadCount(1)
    defer { BLAS.setThreadCount(blasThreads) }
    let q = d + 1, nBlocks = blockCount, nu = barrierDegree
    var loop = CertifiedLoop(options: options)
    // Start: u = 0, t = 1, s = z = e (the cones' identities).
    var u = [Double](repeating: 0, count: nBlocks * d), t = [Double](repeating: 1, count: nBlocks)
    var s = Slacks(zeros: self)
    for blk in 0..<nBlocks { s.cone[blk * q] = 1 }
    for e in s.first.indices { s.first[e] = 1 }
    for e in s.second.indices { s.second[e] = 1 }
    var z = s
    let fty = predictAdjoint(program.targets)
    var bestBlocks = Matrix(rows: d, columns: nBlocks)
    var iterations = 0, smallSteps = 0, lastResidual = 0.0, shiftedTotal = 0
    loop.stopReason = .maxIterations
    // Buffers reused by every step: the scaling (η, w̄, λ, Ω and √Ω on the LP rows), the residuals, the two
    // complementarity targets and the directions.
    var eta = [Double](repeating: 0, count: nBlocks), w = [Double](repeating: 0, count: nBlocks * q)
    var lambda = Slacks(zeros: self), omega = lambda, rootOmega = lambda
    var rp = lambda, rc = lambda, xi = lambda, v = lambda, trial = lambda
    var rdu = u, rdt = t
    var affine = Direction(zeros: self), step = affine

    while true {
      // Residuals r_p = Ax − s, r_d = Px + q − Aᵀz (one product with G and one with Gᵀ).
      residuals(u: u, t: t, s: s, z: z, fty: fty, rp: &rp, rdu: &rdu, rdt: &rdt)
      let gapSZ = s.dot(z)
      let mu = gapSZ / nu

      // Dust-free copies can only certify once the iterate's own duality measure is near the tolerance.
      certify(u: u, multipliers: z, loop: &loop, best: &bestBlocks, dust: gapSZ <= 100 * options.tolerance * abs(loop.upper))
      if loop.checkpoint(iteration: iterations) { break }
      if iterations >= maxIterations || iterations >= options.maxIterations { break }

      // NT scaling: λ = Wz, and Ω = z/s on the LP rows.
      guard scale(s: s, z: z, eta: &eta, w: &w, lambda: &lambda, omega: &omega, rootOmega: &rootOmega) else {
        loop.stopReason = .stalled
        break
      }
      var system: ParallelReLUNewtonSystem? = nil
      for reg in [0, 1e-8, 1e-6, 1e-4] {
        if let f = try? ParallelReLUNewtonSystem(ipm: self, eta: eta, w: w, omega1: omega.first, omega2: omega.second, regularisation: reg) {
          system = f
          break
        }
      }
      guard var newton = system else {
        loop.stopReason = .stalled
        break
      }
      shiftedTotal += newton.shifted.count

      // Predictor (affine scaling): r_c = −λ∘λ. (It only sets σ and the corrector's second-order term: no refinement.)
      complementarity(lambda: lambda, sigmaMu: 0, affine: nil, eta: eta, w: w, into: &rc)
      direction(&affine, rc: rc, rp: rp, rdu: rdu, rdt: rdt, lambda: lambda, omega: omega, rootOmega: rootOmega, eta: eta, w: w, newton: &newton, refine: 0, xi: &xi, v: &v)
      let alphaAffine = Swift.min(1, maxStep(s: s, z: z, affine))
      trial = s
      trial.add(affine.ds, scaledBy: alphaAffine)
      var trialZ = z
      trialZ.add(affine.dz, scaledBy: alphaAffine)
      let sigma = Foundation.pow(Swift.min(1, Swift.max(0, trial.dot(trialZ) / gapSZ)), 3)
      // Corrector: r_c = −λ∘λ + σμe − (W⁻¹Δs_a)∘(WΔz_a).
      complementarity(lambda: lambda, sigmaMu: sigma * mu, affine: affine, eta: eta, w: w, into: &rc)
      direction(&step, rc: rc, rp: rp, rdu: rdu, rdt: rdt, lambda: lambda, omega: omega, rootOmega: rootOmega, eta: eta, w: w, newton: &newton, refine: 1, xi: &xi, v: &v)
      let alpha = Swift.min(1, 0.99 * maxStep(s: s, z: z, step))
      guard alpha.isFinite else {
        loop.stopReason = .stalled
        break
      }
      for e in u.indices { u[e] += alpha * step.du[e] }
      for e in t.indices { t[e] += alpha * step.dt[e] }
      s.add(step.ds, scaledBy: alpha)
      z.add(step.dz, scaledBy: alpha)
      lastResidual = newton.lastResidual
      // Past the accuracy the factorisation supports the directions are noise: keep the best bounds.
      if newton.lastResidual > 1e-6 {
        loop.stopReason = .stalled
        break
      }
      iterations += 1
      smallSteps = alpha < 1e-4 ? smallSteps + 1 : 0
      if smallSteps >= 3 {
        loop.stopReason = .stalled
        break
      }
    }
    // An interior point spreads O(μ) over every block: return the sparsest clean copy that is still certified.
    var objective = loop.upper
    if loop.isCertified, let (sparse, value) = sparsest(bestBlocks, lower: loop.lower, tolerance: options.tolerance) {
      bestBlocks = sparse
      objective = value
    }
    let violation = program.constraintViolation(bestBlocks)
    let report = loop.report(iterations: iterations, outerIterations: 0, constraintViolation: violation, objective: objective)
    return Result(blocks: bestBlocks, report: report, lastNewtonResidual: lastResidual, meanShifted: Double(shiftedTotal) / Double(Swift.max(1, iterations)))
  }

  /// A search direction: Δu, Δt, Δs, Δz.
  struct Direction {
    var du: [Double], dt: [Double], ds: Slacks, dz: Slacks

    init(zeros ipm: ParallelReLUInteriorPoint) {
      du = [Double](repeating: 0, count: ipm.blockCount * ipm.d)
      dt = [Double](repeating: 0, count: ipm.blockCount)
      ds = Slacks(zeros: ipm)
      dz = ds
    }
  }

  /// r_p = A(u, t) − s and r_d = (FᵀFu − Fᵀy − Aᵀz)_u, β − z_t, with Gu and Gᵀ(·) once each:
  /// (Aᵀz)_u + Fᵀ(y − Fu) = Gᵀc + cone and first-layer terms with c_b = S2_b z₂_b − E_b(Fu − y).
  func residuals(u: [Double], t: [Double], s: Slacks, z: Slacks, fty: [Double], rp: inout Slacks, rdu: inout [Double], rdt: inout [Double]) {
    let q = d + 1, d = self.d
    let h = hidden(u)
    var fu = [Double](repeating: 0, count: n)
    for b in 0..<branches { for j in 0..<n { fu[j] += lossWeights[b * n + j] * h[b * n + j] } }
    for e in rp.second.indices { rp.second[e] = secondSigns[e] * h[e] - s.second[e] }
    let first = firstLayer(u)
    for e in rp.first.indices { rp.first[e] = first[e] - s.first[e] }
    for blk in 0..<blockCount {
      rp.cone[blk * q] = t[blk] - s.cone[blk * q]
      for c in 0..<d { rp.cone[blk * q + 1 + c] = u[blk * d + c] - s.cone[blk * q + 1 + c] }
    }
    // Aᵀz with the loss folded into the second-layer part: Gᵀ(S2 z₂ − E Fu) = (Aᵀz)_G − FᵀFu.
    var folded = z
    for b in 0..<branches {
      for j in 0..<n { folded.second[b * n + j] = secondSigns[b * n + j] * z.second[b * n + j] - lossWeights[b * n + j] * fu[j] }
    }
    let (gu, gt) = constraintAdjoint(folded, signed: false)
    for e in rdu.indices { rdu[e] = -gu[e] - fty[e] }
    for blk in 0..<blockCount { rdt[blk] = program.beta - gt[blk] }
  }

  /// The NT scaling of every cone (η, w̄), λ = Wz on the cones and √(sz) on the LP rows, Ω = z/s and √Ω; false when
  /// a pair is not interior.
  func scale(s: Slacks, z: Slacks, eta: inout [Double], w: inout [Double], lambda: inout Slacks, omega: inout Slacks, rootOmega: inout Slacks) -> Bool {
    let q = d + 1, chunks = ParallelChunks.count(blockCount, grain: Self.blockGrain)
    var exterior = [Bool](repeating: false, count: chunks)
    s.cone.withUnsafeBufferPointer { sp in
      z.cone.withUnsafeBufferPointer { zp in
        w.withUnsafeMutableBufferPointer { wp in
          lambda.cone.withUnsafeMutableBufferPointer { lp in
            eta.withUnsafeMutableBufferPointer { ep in
              exterior.withUnsafeMutableBufferPointer { fp in
                let sb = SharedPointer(reading: sp), zb = SharedPointer(reading: zp), wb = SharedPointer(wp), lb = SharedPointer(lp)
                let eb = SharedPointer(ep), flags = SharedPointer(fp)
                ParallelChunks.forEach(blockCount, grain: Self.blockGrain) { chunk, range in
                  for blk in range {
                    let o = blk * q
                    guard let e = SecondOrderCone.scaling(sb.base + o, zb.base + o, q, into: wb.base + o) else {
                      flags[chunk] = true
                      return
                    }
                    eb[blk] = e
                    SecondOrderCone.apply(eta: e, wb.base + o, zb.base + o, q, inverse: false, into: lb.base + o)
                  }
                }
              }
            }
          }
        }
      }
    }
    let interior = !exterior.contains(true)
    guard interior else { return false }
    for (sv, zv, part) in [(s.first, z.first, 0), (s.second, z.second, 1)] {
      for e in sv.indices {
        guard sv[e] > 0, zv[e] > 0 else { return false }
        let l = (sv[e] * zv[e]).squareRoot(), o = zv[e] / sv[e]
        if part == 0 {
          lambda.first[e] = l
          omega.first[e] = o
          rootOmega.first[e] = o.squareRoot()
        } else {
          lambda.second[e] = l
          omega.second[e] = o
          rootOmega.second[e] = o.squareRoot()
        }
      }
    }
    return true
  }

  /// The complementarity target r_c = −λ∘λ + σμe, minus (W⁻¹Δs_a)∘(WΔz_a) for the corrector.
  func complementarity(lambda: Slacks, sigmaMu: Double, affine: Direction?, eta: [Double], w: [Double], into rc: inout Slacks) {
    let q = d + 1
    let none = [Double](repeating: 0, count: 1)
    let dsCone = affine?.ds.cone ?? none, dzCone = affine?.dz.cone ?? none, corrector = affine != nil
    lambda.cone.withUnsafeBufferPointer { lp in
      w.withUnsafeBufferPointer { wp in
        dsCone.withUnsafeBufferPointer { dsp in
          dzCone.withUnsafeBufferPointer { dzp in
            rc.cone.withUnsafeMutableBufferPointer { rp in
              let l = SharedPointer(reading: lp), wb = SharedPointer(reading: wp), ds = SharedPointer(reading: dsp), dz = SharedPointer(reading: dzp)
              let out = SharedPointer(rp)
              ParallelChunks.forEachItem(blockCount, grain: Self.blockGrain, scratch: 3 * q) { _, blk, a in
                let o = blk * q, b = a + q, c = b + q
                SecondOrderCone.product(l.base + o, l.base + o, q, into: c)
                for e in 0..<q { out[o + e] = -c[e] }
                out[o] += sigmaMu
                guard corrector else { return }
                SecondOrderCone.apply(eta: eta[blk], wb.base + o, ds.base + o, q, inverse: true, into: a)
                SecondOrderCone.apply(eta: eta[blk], wb.base + o, dz.base + o, q, inverse: false, into: b)
                SecondOrderCone.product(a, b, q, into: c)
                for e in 0..<q { out[o + e] -= c[e] }
              }
            }
          }
        }
      }
    }
    for e in rc.first.indices { rc.first[e] = -lambda.first[e] * lambda.first[e] + sigmaMu }
    for e in rc.second.indices { rc.second[e] = -lambda.second[e] * lambda.second[e] + sigmaMu }
    if let affine {
      for e in rc.first.indices { rc.first[e] -= affine.ds.first[e] * affine.dz.first[e] }
      for e in rc.second.indices { rc.second[e] -= affine.ds.second[e] * affine.dz.second[e] }
    }
  }

  /// One Newton direction for the complementarity target r_c: with ξ = λ \ r_c,
  /// v = W⁻²(−r_p) + W⁻¹ξ, H Δx = Aᵀv − r_d, Δz = W⁻²(−r_p − AΔx) + W⁻¹ξ, Δs = W(ξ − WΔz)
  /// (on the LP rows W = √(s/z): Δs = ξ/√Ω − Δz/Ω). `xi` and `v` are scratch.
  func direction(
    _ out: inout Direction, rc: Slacks, rp: Slacks, rdu: [Double], rdt: [Double], lambda: Slacks, omega: Slacks, rootOmega: Slacks,
    eta: [Double], w: [Double], newton: inout ParallelReLUNewtonSystem, refine: Int, xi: inout Slacks, v: inout Slacks
  ) {
    let q = d + 1
    lambda.cone.withUnsafeBufferPointer { lp in
      rc.cone.withUnsafeBufferPointer { rcp in
        rp.cone.withUnsafeBufferPointer { rpp in
          w.withUnsafeBufferPointer { wp in
            xi.cone.withUnsafeMutableBufferPointer { xp in
              v.cone.withUnsafeMutableBufferPointer { vp in
                let l = SharedPointer(reading: lp), r = SharedPointer(reading: rcp), p = SharedPointer(reading: rpp), wb = SharedPointer(reading: wp)
                let x = SharedPointer(xp), vv = SharedPointer(vp)
                ParallelChunks.forEachItem(blockCount, grain: Self.blockGrain, scratch: 2 * q) { _, blk, a in
                  let o = blk * q, e = eta[blk], b = a + q
                  SecondOrderCone.divide(l.base + o, r.base + o, q, into: x.base + o)
                  SecondOrderCone.apply(eta: e, wb.base + o, x.base + o, q, inverse: true, into: a)
                  SecondOrderCone.applyInverseSquare(eta: e, wb.base + o, p.base + o, q, into: b)
                  for c in 0..<q { vv[o + c] = a[c] - b[c] }
                }
              }
            }
          }
        }
      }
    }
    for e in xi.first.indices {
      xi.first[e] = rc.first[e] / lambda.first[e]
      v.first[e] = -omega.first[e] * rp.first[e] + rootOmega.first[e] * xi.first[e]
    }
    for e in xi.second.indices {
      xi.second[e] = rc.second[e] / lambda.second[e]
      v.second[e] = -omega.second[e] * rp.second[e] + rootOmega.second[e] * xi.second[e]
    }
    var (au, at) = constraintAdjoint(v)
    for e in au.indices { au[e] -= rdu[e] }
    for e in at.indices { at[e] -= rdt[e] }
    (out.du, out.dt) = newton.solve(au, at, refine: refine)
    let adx = constraintMap(out.du, out.dt)
    rp.cone.withUnsafeBufferPointer { rpp in
      adx.cone.withUnsafeBufferPointer { ap in
        w.withUnsafeBufferPointer { wp in
          xi.cone.withUnsafeBufferPointer { xp in
            out.ds.cone.withUnsafeMutableBufferPointer { dsp in
              out.dz.cone.withUnsafeMutableBufferPointer { dzp in
                let p = SharedPointer(reading: rpp), ad = SharedPointer(reading: ap), wb = SharedPointer(reading: wp), x = SharedPointer(reading: xp)
                let dz = SharedPointer(dzp), ds = SharedPointer(dsp)
                ParallelChunks.forEachItem(blockCount, grain: Self.blockGrain, scratch: 2 * q) { _, blk, a in
                  let o = blk * q, e = eta[blk], c = a + q
                  for k in 0..<q { a[k] = -p[o + k] - ad[o + k] }
                  SecondOrderCone.applyInverseSquare(eta: e, wb.base + o, a, q, into: dz.base + o)
                  SecondOrderCone.apply(eta: e, wb.base + o, x.base + o, q, inverse: true, into: c)
                  for k in 0..<q { dz[o + k] += c[k] }
                  SecondOrderCone.apply(eta: e, wb.base + o, dz.base + o, q, inverse: false, into: c)
                  for k in 0..<q { c[k] = x[o + k] - c[k] }
                  SecondOrderCone.apply(eta: e, wb.base + o, c, q, inverse: false, into: ds.base + o)
                }
              }
            }
          }
        }
      }
    }
    for e in xi.first.indices {
      let dz = omega.first[e] * (-rp.first[e] - adx.first[e]) + rootOmega.first[e] * xi.first[e]
      out.dz.first[e] = dz
      out.ds.first[e] = xi.first[e] / rootOmega.first[e] - dz / omega.first[e]
    }
    for e in xi.second.indices {
      let dz = omega.second[e] * (-rp.second[e] - adx.second[e]) + rootOmega.second[e] * xi.second[e]
      out.dz.second[e] = dz
      out.ds.second[e] = xi.second[e] / rootOmega.second[e] - dz / omega.second[e]
    }
  }

  /// The largest α with (s, z) + α(Δs, Δz) in the cones (+∞ when unbounded).
  func maxStep(s: Slacks, z: Slacks, _ dir: Direction) -> Double {
    let q = d + 1
    var steps = [Double](repeating: .infinity, count: ParallelChunks.count(blockCount, grain: Self.blockGrain))
    s.cone.withUnsafeBufferPointer { sp in
      z.cone.withUnsafeBufferPointer { zp in
        dir.ds.cone.withUnsafeBufferPointer { dsp in
          dir.dz.cone.withUnsafeBufferPointer { dzp in
            steps.withUnsafeMutableBufferPointer { stp in
              let sb = SharedPointer(reading: sp), zb = SharedPointer(reading: zp), ds = SharedPointer(reading: dsp), dz = SharedPointer(reading: dzp)
              let out = SharedPointer(stp)
              ParallelChunks.forEach(blockCount, grain: Self.blockGrain) { chunk, range in
                var a = Double.infinity
                for blk in range {
                  a = Swift.min(a, SecondOrderCone.step(sb.base + blk * q, ds.base + blk * q, q))
                  a = Swift.min(a, SecondOrderCone.step(zb.base + blk * q, dz.base + blk * q, q))
                }
                out[chunk] = a
              }
            }
          }
        }
      }
    }
    var a = steps.min() ?? .infinity
    func rows(_ x: [Double], _ dx: [Double]) { for e in x.indices where dx[e] < 0 { a = Swift.min(a, -x[e] / dx[e]) } }
    rows(s.first, dir.ds.first)
    rows(s.second, dir.ds.second)
    rows(z.first, dir.dz.first)
    rows(z.second, dir.dz.second)
    return a
  }

  /// out = W⁻²x for every cone.
  func applyInverseSquare(_ eta: [Double], _ w: [Double], _ x: [Double], into out: inout [Double]) {
    let q = d + 1
    w.withUnsafeBufferPointer { wp in
      x.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
          for blk in 0..<blockCount {
            SecondOrderCone.applyInverseSquare(eta: eta[blk], wp.baseAddress! + blk * q, xp.baseAddress! + blk * q, q, into: op.baseAddress! + blk * q)
          }
        }
      }
    }
  }

  // MARK: Certificate

  /// Offers the iterate's bounds to the loop: the network objective of the iterate and, with `dust`, of dust-free
  /// copies (vectors with ‖u_bk‖ < τ·max‖u‖ set to 0) that are points of the program, and §3.5's dual bound at each
  /// of their residuals with the iterate's multipliers.
  func certify(u: [Double], multipliers z: Slacks, loop: inout CertifiedLoop, best: inout Matrix, dust: Bool = true) {
    let norms = vectorNorms(u)
    let top = norms.max() ?? 0
    var candidates: [[Double]] = [u]
    if top > 0, dust {
      let h0 = signedHidden(u)
      for tau in [1e-8, 1e-6, 1e-4, 1e-3] {
        if let c = dustFree(u, norms: norms, below: tau * top, signedHidden: h0) { candidates.append(c) }
      }
    }
    let y = program.targets
    // The convex objective ½‖Fc − y‖² + βΣ‖c_bk‖ of every candidate within 1e-7 of the cones (the solver's own rows;
    // the facet rows describe the same cones) is cheap; only the best one that could lower the upper bound is
    // checked exactly, repaired if need be (cone projection, node moves: still a point of the program), and
    // evaluated as a network (equal to the convex objective on a point of the program).
    var ranked: [(value: Double, point: [Double])] = []
    for c in candidates where quickViolation(c) <= 1e-7 * Swift.max(1, top) {
      let r = zip(predict(c), y).map { $0 - $1 }
      ranked.append((0.5 * r.reduce(0) { $0 + $1 * $1 } + program.beta * vectorNorms(c).reduce(0, +), c))
    }
    ranked.sort { $0.value < $1.value }
    var boundAtIterate = false
    for candidate in ranked.prefix(2) where candidate.value < loop.upper {
      guard let (point, value) = programPoint(candidate.point) else { continue }
      if loop.offerUpper(value) { best = point }
      offerLowerBound(u: point.storage, multipliers: z, loop: &loop)
      boundAtIterate = point.storage == u
      break
    }
    if !boundAtIterate { offerLowerBound(u: u, multipliers: z, loop: &loop) }
  }

  /// The copy of `blocks` with the most vectors ‖u_bk‖ < τ·max‖u‖ removed (τ from 10⁻³ down to 10⁻⁹; a branch whose
  /// second-layer rows that would violate keeps its vectors) that is a point of the program whose network objective
  /// is still certified by `lower` to `tolerance`; nil when no copy is.
  func sparsest(_ blocks: Matrix, lower: Double, tolerance: Double) -> (Matrix, Double)? {
    let u = blocks.storage, norms = vectorNorms(u)
    let top = norms.max() ?? 0
    guard top > 0 else { return nil }
    let h0 = signedHidden(u)
    for tau in [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9] {
      guard let c = dustFree(u, norms: norms, below: tau * top, signedHidden: h0), let (point, value) = programPoint(c) else { continue }
      if ConvexSolverReport.relative(value, lower) <= tolerance { return (point, value) }
    }
    return nil
  }

  /// S2_b ⊙ G u_b for every branch (the second-layer rows at u).
  func signedHidden(_ u: [Double]) -> [Double] {
    var h = hidden(u)
    for e in h.indices { h[e] *= secondSigns[e] }
    return h
  }

  /// u with its vectors of norm below `threshold` set to 0 (nil when there are none), except in the branches whose
  /// second-layer rows that would violate (`restoreViolatedBranches`).
  func dustFree(_ u: [Double], norms: [Double], below threshold: Double, signedHidden h0: [Double]) -> [Double]? {
    guard norms.contains(where: { $0 > 0 && $0 < threshold }) else { return nil }
    var c = u
    for blk in 0..<blockCount where norms[blk] < threshold { for e in 0..<d { c[blk * d + e] = 0 } }
    restoreViolatedBranches(&c, original: u, norms: norms, signedHidden: h0)
    return c
  }

  /// The blocks c as a point of the program — as they are when feasible to rounding, else repaired (cone
  /// projection, node moves) — with the objective of its network; nil when the repair fails.
  func programPoint(_ c: [Double]) -> (Matrix, Double)? {
    var point = Matrix(rows: d, columns: blockCount, columnMajor: c)
    var p = program.products(point)
    guard program.isFeasible(p) || program.repair(&point, products: &p) else { return nil }
    var yhat = [Double](repeating: 0, count: n)
    program.networkPrediction(p, into: &yhat)
    return (point, program.loss.value(yhat, program.targets) + program.beta * program.penalty(point))
  }

  /// Gives back their vectors of `original` to the branches of a cleaned copy `c` whose second-layer rows the
  /// clean-up pushed below 0 (or further below) beyond rounding: 10⁻¹³ of the branch's max‖u_bk‖·max‖x_j‖.
  func restoreViolatedBranches(_ c: inout [Double], original u: [Double], norms: [Double], signedHidden h0: [Double]) {
    let K = vectorsPerBranch, hc = hidden(c)
    for b in 0..<branches {
      let allowance = 1e-13 * (norms[(b * K)..<((b + 1) * K)].max() ?? 0) * maxRowNorm
      guard (0..<n).contains(where: { secondSigns[b * n + $0] * hc[b * n + $0] < Swift.min(h0[b * n + $0], 0) - allowance }) else { continue }
      for e in (b * K * d)..<((b + 1) * K * d) { c[e] = u[e] }
    }
  }

  /// ‖u_bk‖ for every block.
  func vectorNorms(_ u: [Double]) -> [Double] {
    (0..<blockCount).map { blk in
      var s = 0.0
      for c in 0..<d { s += u[blk * d + c] * u[blk * d + c] }
      return s.squareRoot()
    }
  }

  /// The largest violation of the solver's cone rows at u (first-layer rows, second-layer rows), relative to ‖X‖.
  func quickViolation(_ u: [Double]) -> Double {
    var worst = 0.0
    for v in firstLayer(u) { worst = Swift.max(worst, -v) }
    let h = hidden(u)
    for e in h.indices { worst = Swift.max(worst, -secondSigns[e] * h[e] / scale.squareRoot()) }
    return worst
  }

  /// §3.5's bound at v = y − Fu: `c̄ = max_bk ‖G_kᵀ(E_b v + S2_b μ_b) + R_iᵀπ_bk‖` with μ, π ≥ 0 the iterate's
  /// second- and first-layer multipliers (weak duality per block: c̄ ≥ c(v)).
  func offerLowerBound(u: [Double], multipliers z: Slacks, loop: inout CertifiedLoop) {
    let y = program.targets, K = vectorsPerBranch, r1 = coneRows
    let yhat = predict(u)
    let v = zip(y, yhat).map { $0 - $1 }
    var c = [Double](repeating: 0, count: branches * n)
    for b in 0..<branches {
      for j in 0..<n { c[b * n + j] = lossWeights[b * n + j] * v[j] + secondSigns[b * n + j] * Swift.max(0, z.second[b * n + j]) }
    }
    let gv = hiddenAdjoint(c)
    var cbar = 0.0
    for blk in 0..<blockCount {
      let i = (blk % K) % p1
      var s = 0.0
      for e in 0..<d {
        var a = gv[blk * d + e]
        for r in 0..<r1 { a += Swift.max(0, z.first[blk * r1 + r]) * rows[(i * r1 + r) * d + e] }
        s += a * a
      }
      cbar = Swift.max(cbar, s.squareRoot())
    }
    // Rounding of the sums above: a relative allowance keeps c̄ an upper bound.
    cbar *= 1 + 1e-12
    loop.offerDual(v: v, y: y, loss: program.loss, dualNormBound: cbar, beta: program.beta)
  }
}
