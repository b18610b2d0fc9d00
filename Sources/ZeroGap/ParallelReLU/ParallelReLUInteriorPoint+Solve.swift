import Foundation

extension ParallelReLUInteriorPoint {
  /// Threads for the per-branch work (the machine's cores).
  static var workerCount: Int { Swift.max(1, ProcessInfo.processInfo.activeProcessorCount) }

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
    let q = d + 1, nBlocks = blockCount, r1 = coneRows, nu = barrierDegree
    let y = program.targets
    var loop = CertifiedLoop(options: options)
    // Start: u = 0, t = 1, s = z = e (the cones' identities).
    var u = [Double](repeating: 0, count: nBlocks * d), t = [Double](repeating: 1, count: nBlocks)
    var cone = [Double](repeating: 0, count: nBlocks * q)
    for blk in 0..<nBlocks { cone[blk * q] = 1 }
    var s = Slacks(cone: cone, first: [Double](repeating: 1, count: nBlocks * r1), second: [Double](repeating: 1, count: branches * n))
    var z = s
    let fty = predictAdjoint(y)
    var bestBlocks = Matrix(rows: d, columns: nBlocks)
    var iterations = 0, smallSteps = 0, lastResidual = 0.0, shiftedTotal = 0
    loop.stopReason = .maxIterations
    var eta = [Double](repeating: 0, count: nBlocks), w = [Double](repeating: 0, count: nBlocks * q)
    while true {
      // Residuals r_p = Ax − s, r_d = Px + q − Aᵀz.
      let ax = constraintMap(u, t)
      let rp = ax - s
      let (gu, gt) = constraintAdjoint(z)
      let ffu = predictAdjoint(predict(u))
      var rdu = [Double](repeating: 0, count: nBlocks * d), rdt = [Double](repeating: 0, count: nBlocks)
      for e in rdu.indices { rdu[e] = ffu[e] - fty[e] - gu[e] }
      for blk in 0..<nBlocks { rdt[blk] = program.beta - gt[blk] }
      let gapSZ = s.dot(z)
      let mu = gapSZ / nu

      certify(u: u, multipliers: z, loop: &loop, best: &bestBlocks)
      if loop.checkpoint(iteration: iterations) { break }
      if iterations >= maxIterations || iterations >= options.maxIterations { break }

      // NT scaling.
      var interior = true
      s.cone.withUnsafeBufferPointer { sp in
        z.cone.withUnsafeBufferPointer { zp in
          w.withUnsafeMutableBufferPointer { wp in
            for blk in 0..<nBlocks {
              guard let e = SecondOrderCone.scaling(sp.baseAddress! + blk * q, zp.baseAddress! + blk * q, q, into: wp.baseAddress! + blk * q) else {
                interior = false
                return
              }
              eta[blk] = e
            }
          }
        }
      }
      guard interior, s.first.allSatisfy({ $0 > 0 }), s.second.allSatisfy({ $0 > 0 }),
        z.first.allSatisfy({ $0 > 0 }), z.second.allSatisfy({ $0 > 0 })
      else {
        loop.stopReason = .stalled
        break
      }
      var lambdaCone = [Double](repeating: 0, count: nBlocks * q)
      applyScaling(eta, w, z.cone, inverse: false, into: &lambdaCone)
      let lambda1 = zip(s.first, z.first).map { ($0 * $1).squareRoot() }, lambda2 = zip(s.second, z.second).map { ($0 * $1).squareRoot() }
      let omega1 = zip(z.first, s.first).map { $0 / $1 }, omega2 = zip(z.second, s.second).map { $0 / $1 }
      var system: ParallelReLUNewtonSystem? = nil
      for reg in [0, 1e-8, 1e-6, 1e-4] {
        if let f = try? ParallelReLUNewtonSystem(ipm: self, eta: eta, w: w, omega1: omega1, omega2: omega2, regularisation: reg) {
          system = f
          break
        }
      }
      guard var newton = system else {
        loop.stopReason = .stalled
        break
      }
      shiftedTotal += newton.shifted.count

      // One Newton direction for the complementarity target r_c (ξ = λ \ r_c).
      func direction(_ rc: Slacks, refine: Int) -> (du: [Double], dt: [Double], ds: Slacks, dz: Slacks) {
        var xq = [Double](repeating: 0, count: nBlocks * q)
        lambdaCone.withUnsafeBufferPointer { lp in
          rc.cone.withUnsafeBufferPointer { rp in
            xq.withUnsafeMutableBufferPointer { xp in
              for blk in 0..<nBlocks {
                SecondOrderCone.divide(lp.baseAddress! + blk * q, rp.baseAddress! + blk * q, q, into: xp.baseAddress! + blk * q)
              }
            }
          }
        }
        let x1 = zip(rc.first, lambda1).map { $0 / $1 }, x2 = zip(rc.second, lambda2).map { $0 / $1 }
        // v = W⁻²(−r_p) + W⁻¹ξ, then rhs = −r_d + Aᵀv.
        var wxq = [Double](repeating: 0, count: nBlocks * q), w2rp = wxq
        applyScaling(eta, w, xq, inverse: true, into: &wxq)
        applyInverseSquare(eta, w, rp.cone, into: &w2rp)
        var v = Slacks(cone: zip(wxq, w2rp).map { $0 - $1 }, first: [], second: [])
        v.first = (0..<(nBlocks * r1)).map { -omega1[$0] * rp.first[$0] + x1[$0] * (z.first[$0] / lambda1[$0]) }
        v.second = (0..<(branches * n)).map { -omega2[$0] * rp.second[$0] + x2[$0] * (z.second[$0] / lambda2[$0]) }
        let (au, at) = constraintAdjoint(v)
        let (du, dt) = newton.solve(zip(au, rdu).map { $0 - $1 }, zip(at, rdt).map { $0 - $1 }, refine: refine)
        // Δz = W⁻²(−r_p − AΔx) + W⁻¹ξ, Δs = W(ξ − WΔz).
        let adx = constraintMap(du, dt)
        var dz = Slacks(cone: [], first: [], second: [])
        var tmp = [Double](repeating: 0, count: nBlocks * q)
        applyInverseSquare(eta, w, zip(rp.cone, adx.cone).map { -$0 - $1 }, into: &tmp)
        dz.cone = zip(tmp, wxq).map { $0 + $1 }
        dz.first = (0..<(nBlocks * r1)).map { omega1[$0] * (-rp.first[$0] - adx.first[$0]) + x1[$0] * (z.first[$0] / lambda1[$0]) }
        dz.second = (0..<(branches * n)).map { omega2[$0] * (-rp.second[$0] - adx.second[$0]) + x2[$0] * (z.second[$0] / lambda2[$0]) }
        var wdz = [Double](repeating: 0, count: nBlocks * q), dsq = wdz
        applyScaling(eta, w, dz.cone, inverse: false, into: &wdz)
        applyScaling(eta, w, zip(xq, wdz).map { $0 - $1 }, inverse: false, into: &dsq)
        // LP rows: W = √(s/z): Δs = W(ξ − WΔz) = √(s/z)·x − (s/z)Δz.
        var ds = Slacks(cone: dsq, first: dz.first, second: dz.second)
        for e in ds.first.indices {
          let ratio: Double = s.first[e] / z.first[e], root: Double = s.first[e] / lambda1[e]
          ds.first[e] = root * x1[e] - ratio * dz.first[e]
        }
        for e in ds.second.indices {
          let ratio: Double = s.second[e] / z.second[e], root: Double = s.second[e] / lambda2[e]
          ds.second[e] = root * x2[e] - ratio * dz.second[e]
        }
        return (du, dt, ds, dz)
      }

      func maxStep(_ ds: Slacks, _ dz: Slacks) -> Double {
        var a = Double.infinity
        s.cone.withUnsafeBufferPointer { sp in
          z.cone.withUnsafeBufferPointer { zp in
            ds.cone.withUnsafeBufferPointer { dsp in
              dz.cone.withUnsafeBufferPointer { dzp in
                for blk in 0..<nBlocks {
                  a = Swift.min(a, SecondOrderCone.step(sp.baseAddress! + blk * q, dsp.baseAddress! + blk * q, q))
                  a = Swift.min(a, SecondOrderCone.step(zp.baseAddress! + blk * q, dzp.baseAddress! + blk * q, q))
                }
              }
            }
          }
        }
        for (x, dx) in [(s.first, ds.first), (s.second, ds.second), (z.first, dz.first), (z.second, dz.second)] {
          for e in x.indices where dx[e] < 0 { a = Swift.min(a, -x[e] / dx[e]) }
        }
        return a
      }

      // Predictor (affine scaling): r_c = −λ∘λ.
      var lamlam = [Double](repeating: 0, count: nBlocks * q)
      lambdaCone.withUnsafeBufferPointer { lp in
        lamlam.withUnsafeMutableBufferPointer { op in
          for blk in 0..<nBlocks { SecondOrderCone.product(lp.baseAddress! + blk * q, lp.baseAddress! + blk * q, q, into: op.baseAddress! + blk * q) }
        }
      }
      // (The predictor only sets σ and the corrector's second-order term: no refinement.)
      let affine = direction(Slacks(cone: lamlam.map { -$0 }, first: lambda1.map { -$0 * $0 }, second: lambda2.map { -$0 * $0 }), refine: 0)
      let alphaAffine = Swift.min(1, maxStep(affine.ds, affine.dz))
      var sa = s, za = z
      sa.add(affine.ds, scaledBy: alphaAffine)
      za.add(affine.dz, scaledBy: alphaAffine)
      let sigma = Foundation.pow(Swift.min(1, Swift.max(0, sa.dot(za) / gapSZ)), 3)
      // Corrector: r_c = −λ∘λ + σμe − (W⁻¹Δs_a)∘(WΔz_a).
      var wds = [Double](repeating: 0, count: nBlocks * q), wdz = wds, cor = wds
      applyScaling(eta, w, affine.ds.cone, inverse: true, into: &wds)
      applyScaling(eta, w, affine.dz.cone, inverse: false, into: &wdz)
      wds.withUnsafeBufferPointer { ap in
        wdz.withUnsafeBufferPointer { bp in
          cor.withUnsafeMutableBufferPointer { op in
            for blk in 0..<nBlocks { SecondOrderCone.product(ap.baseAddress! + blk * q, bp.baseAddress! + blk * q, q, into: op.baseAddress! + blk * q) }
          }
        }
      }
      var rcCone = [Double](repeating: 0, count: nBlocks * q)
      for e in rcCone.indices { rcCone[e] = -lamlam[e] - cor[e] + (e % q == 0 ? sigma * mu : 0) }
      let rc = Slacks(
        cone: rcCone,
        first: (0..<(nBlocks * r1)).map { -lambda1[$0] * lambda1[$0] + sigma * mu - affine.ds.first[$0] * affine.dz.first[$0] },
        second: (0..<(branches * n)).map { -lambda2[$0] * lambda2[$0] + sigma * mu - affine.ds.second[$0] * affine.dz.second[$0] })
      let step = direction(rc, refine: 1)
      let alpha = Swift.min(1, 0.99 * maxStep(step.ds, step.dz))
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

  /// out = W x (or W⁻¹x) for every cone.
  func applyScaling(_ eta: [Double], _ w: [Double], _ x: [Double], inverse: Bool, into out: inout [Double]) {
    let q = d + 1
    w.withUnsafeBufferPointer { wp in
      x.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
          for blk in 0..<blockCount {
            SecondOrderCone.apply(eta: eta[blk], wp.baseAddress! + blk * q, xp.baseAddress! + blk * q, q, inverse: inverse, into: op.baseAddress! + blk * q)
          }
        }
      }
    }
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

  /// Offers the iterate's bounds to the loop: the network objective of the iterate and of dust-free copies (vectors
  /// with ‖u_bk‖ < τ·max‖u‖ set to 0) that are points of the program, and §3.5's dual bound at each of their
  /// residuals with the iterate's multipliers.
  func certify(u: [Double], multipliers z: Slacks, loop: inout CertifiedLoop, best: inout Matrix) {
    let norms = vectorNorms(u)
    let top = norms.max() ?? 0
    var candidates: [[Double]] = [u]
    if top > 0 {
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
    for candidate in ranked.prefix(2) where candidate.value < loop.upper {
      guard let (point, value) = programPoint(candidate.point) else { continue }
      if loop.offerUpper(value) { best = point }
      offerLowerBound(u: point.storage, multipliers: z, loop: &loop)
      break
    }
    offerLowerBound(u: u, multipliers: z, loop: &loop)
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
