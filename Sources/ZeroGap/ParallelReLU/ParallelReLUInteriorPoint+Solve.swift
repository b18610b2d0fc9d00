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
  ///
  /// When it stalls uncertified from a start far from balanced (t/z above `balanceLimit` on the cones: β tiny against
  /// the targets' scale, where the Newton systems lose accuracy early), it runs once more from the balanced start and
  /// returns the better bounds of the two: each run's lower bound and point bound the same program, so the bracket
  /// (largest lower bound, best point) is sound.
  func solve(options: ConvexSolverOptions, maxIterations: Int = 100) -> Result {
    // The GEMMs here are small (n × Kd by Kd × B); the branches are spread over the cores instead
    // (bench/PARALLEL_SOLVER.md §7, pitfall 5: two BLAS threads on such products were 100× slower).
    ThreadPlan.withSerialBLAS { solveSerially(options: options, maxIterations: maxIterations) }
  }

  private func solveSerially(options: ConvexSolverOptions, maxIterations: Int) -> Result {
    let first = attempt(options: options, maxIterations: maxIterations, balanced: false)
    guard first.report.stopReason == .stalled, first.report.relativeGap > options.tolerance, startIsUnbalanced else { return first }
    let second = attempt(options: options, maxIterations: maxIterations, balanced: true)
    let better = second.report.objective < first.report.objective ? second : first
    var report = better.report
    report.lowerBound = Swift.max(first.report.lowerBound, second.report.lowerBound)
    report.iterations = first.report.iterations + second.report.iterations
    report.seconds = first.report.seconds + second.report.seconds
    report.stopReason = report.relativeGap <= options.tolerance ? .converged : second.report.stopReason
    return Result(
      blocks: better.blocks, report: report, lastNewtonResidual: second.lastNewtonResidual,
      meanShifted: 0.5 * (first.meanShifted + second.meanShifted))
  }

  /// The cones' t/z at the scaled start above which a stalled solve is retried from the balanced one (the bench's
  /// programs start at t/z ≤ 10³).
  static let balanceLimit = 1e4

  /// Whether the scaled start's t/z = μ₀/β² on the cones exceeds `balanceLimit`.
  var startIsUnbalanced: Bool {
    let (mu0, beta) = (startingMu, program.beta)
    return mu0 > 0 && beta > 0 && mu0 / (beta * beta) > Self.balanceLimit
  }

  /// μ₀ = 30·½‖y‖²/ν: s·z at the start is 30 times the objective at u = 0.
  var startingMu: Double { 30 * 0.5 * program.targets.reduce(0) { $0 + $1 * $1 } / barrierDegree }

  /// One predictor–corrector run from the scaled or the balanced start (`solve`).
  func attempt(options: ConvexSolverOptions, maxIterations: Int, balanced: Bool) -> Result {
    let q = d + 1, nBlocks = blockCount, nu = barrierDegree
    var loop = CertifiedLoop(options: options)
    var u = [Double](repeating: 0, count: nBlocks * d)
    var (t, s, z) = startingPoint(balanced: balanced)
    let fty = predictAdjoint(program.targets)
    var bestBlocks = Matrix(rows: d, columns: nBlocks)
    var iterations = 0, smallSteps = 0, lastResidual = 0.0, shiftedTotal = 0
    loop.stopReason = .maxIterations
    // Buffers reused by every step: the scaling (η, w̄, λ, Ω and √Ω on the LP rows), the residuals, the two
    // complementarity targets and the directions.
    var eta = [Double](repeating: 0, count: nBlocks), w = [Double](repeating: 0, count: nBlocks * q)
    var lambda = Slacks(zeros: self), omega = lambda, rootOmega = lambda
    var rp = lambda, rc = lambda, xi = lambda
    var rdu = u, rdt = t
    var affine = Direction(zeros: self), step = affine
    var newton = ParallelReLUNewtonSystem(ipm: self)

    while true {
      // Residuals r_p = Ax − s, r_d = Px + q − Aᵀz (one product with G and one with Gᵀ).
      let atIterate = pointProducts(u)
      residuals(u: u, t: t, at: atIterate, s: s, z: z, fty: fty, rp: &rp, rdu: &rdu, rdt: &rdt)
      let gapSZ = complementarityGap(s: s, z: z)
      let mu = gapSZ / nu

      // Far from the optimum (s·z above 5 % of the objective) the bounds cannot certify: they are offered every third
      // step and at the last. Dust-free copies, repaired points (node moves: up to half a solve's time when taken at
      // every step) and the predictor's point can only certify once the iterate's own duality measure is near the
      // tolerance.
      // (Before the first upper bound, at the first step, no s·z is near.)
      let objective = loop.upper.isFinite ? abs(loop.upper) : 0
      let last = iterations >= maxIterations || iterations >= options.maxIterations
      let nearTolerance = gapSZ <= 100 * options.tolerance * objective
      if last || gapSZ <= 0.05 * objective || iterations % 3 == 0 {
        certify(u: u, at: atIterate, multipliers: z, loop: &loop, best: &bestBlocks, near: nearTolerance || last)
      }
      if loop.checkpoint(iteration: iterations) || last { break }

      // NT scaling: λ = Wz, and Ω = z/s on the LP rows.
      guard scale(s: s, z: z, eta: &eta, w: &w, lambda: &lambda, omega: &omega, rootOmega: &rootOmega) else {
        loop.stopReason = .stalled
        break
      }
      var factored = false
      for reg in Self.regularisations where !factored {
        factored = (try? newton.factor(eta: eta, w: w, omega1: omega.first, omega2: omega.second, regularisation: reg)) != nil
      }
      guard factored else {
        loop.stopReason = .stalled
        break
      }
      shiftedTotal += newton.shifted.count

      // Predictor (affine scaling): r_c = −λ∘λ. (It only sets σ and the corrector's second-order term: no refinement.)
      complementarity(lambda: lambda, sigmaMu: 0, affine: nil, eta: eta, w: w, into: &rc)
      direction(&affine, rc: rc, rp: rp, rdu: rdu, rdt: rdt, lambda: lambda, omega: omega, rootOmega: rootOmega, eta: eta, w: w, newton: &newton, refine: 0, xi: &xi)
      let alphaAffine = maxStep(s: s, z: z, affine, upTo: 1)
      let sigma = Foundation.pow(Swift.min(1, Swift.max(0, complementarityGap(s: s, z: z, after: affine, alphaAffine) / gapSZ)), 3)
      // Near the end the predictor's point u + 0.99·α_a·Δu_a (with z + 0.99·α_a·Δz_a) often certifies a step early.
      if nearTolerance {
        certifyAlong(affine, 0.99 * alphaAffine, u: u, z: z, loop: &loop, best: &bestBlocks)
        if loop.checkpoint(iteration: iterations) { break }
      }
      // Corrector: r_c = −λ∘λ + σμe − (W⁻¹Δs_a)∘(WΔz_a).
      complementarity(lambda: lambda, sigmaMu: sigma * mu, affine: affine, eta: eta, w: w, into: &rc)
      // The corrector is refined against H, and its residual checked, once the system can be ill-conditioned (s·z
      // below 10⁻³ of the objective; before that the residuals are 10⁻¹⁵–10⁻¹¹ and the check costs a product with H):
      // up to three corrections, each only while the residual is above 10⁻¹¹ and falling (one was not enough on the
      // raw-unit diabetes data, whose residual then passed the 10⁻⁶ stop rule two steps before the certificate).
      let refine = gapSZ <= 1e-3 * objective ? 3 : 0
      direction(&step, rc: rc, rp: rp, rdu: rdu, rdt: rdt, lambda: lambda, omega: omega, rootOmega: rootOmega, eta: eta, w: w, newton: &newton, refine: refine, xi: &xi)
      let alpha = Swift.min(1, 0.99 * maxStep(s: s, z: z, step, upTo: 1 / 0.99))
      guard alpha.isFinite else {
        loop.stopReason = .stalled
        break
      }
      take(step, alpha, u: &u, t: &t, s: &s, z: &z)
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
    // Stalled uncertified: one thorough look at the last iterate, with the repairs skipped so far (out of steps, the
    // last step's bounds already took it).
    if !loop.isCertified, loop.stopReason == .stalled {
      certify(u: u, at: pointProducts(u), multipliers: z, loop: &loop, best: &bestBlocks, near: true)
      _ = loop.checkpoint(iteration: iterations)
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

  /// The regularisations ρ/γ of C' tried in turn when a factorisation breaks down.
  static let regularisations: [Double] = [0, 1e-8, 1e-6, 1e-4]

  /// The starting point (t, s, z) at u = 0, scaled to the problem (bench/PARALLEL_SOLVER.md §9, sixth round). With
  /// μ₀ = 30·½‖y‖²/ν (so s·z starts at 30 times the objective at u = 0, an upper bound of p*):
  /// - each cone: t = s = (μ₀/β, 0) and z = (β, 0), dual feasible in t (β − z_t = 0) and centred (s∘z = μ₀e);
  /// - the LP rows: s = 0.3·√γ·t and z = z_t/(0.3·√γ) (s·z = μ₀; γ = mean ‖x_j‖², the rows' scale).
  /// `balanced`: z_t = max(β, √(μ₀/balanceLimit)), t = μ₀/z_t, so that t/z ≤ `balanceLimit` (dual infeasible in t
  /// where β is below that). Where y = 0 (p* = 0 at u = 0), the unit start t = 1, s = z = e.
  func startingPoint(balanced: Bool = false) -> (t: [Double], s: Slacks, z: Slacks) {
    let q = d + 1, beta = program.beta
    let mu0 = startingMu, rowScale = 0.3 * scale.squareRoot()
    let scaled = mu0 > 0 && mu0.isFinite && beta > 0 && (mu0 / beta).isFinite
    let zCone = scaled ? (balanced ? Swift.max(beta, (mu0 / Self.balanceLimit).squareRoot()) : beta) : 1
    let tCone = scaled ? mu0 / zCone : 1
    let (sRow, zRow) = scaled ? (rowScale * tCone, zCone / rowScale) : (1, 1)
    let t = [Double](repeating: tCone, count: blockCount)
    var s = Slacks(zeros: self), z = s
    for blk in 0..<blockCount {
      s.cone[blk * q] = tCone
      z.cone[blk * q] = zCone
    }
    for e in s.first.indices {
      s.first[e] = sRow
      z.first[e] = zRow
    }
    for e in s.second.indices {
      s.second[e] = sRow
      z.second[e] = zRow
    }
    return (t, s, z)
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

  /// sᵀz, or (s + αΔs)ᵀ(z + αΔz) after a step along `dir`: the cones and first-layer rows per block on all cores.
  func complementarityGap(s: Slacks, z: Slacks, after dir: Direction? = nil, _ alpha: Double = 0) -> Double {
    let q = d + 1, r1 = coneRows, chunks = ParallelChunks.count(blockCount, grain: Self.blockGrain)
    let none = Slacks(cone: [], first: [], second: [])
    let ds = dir?.ds ?? none, dz = dir?.dz ?? none, moving = dir != nil
    var partial = [Double](repeating: 0, count: chunks)
    withPointers(s.cone, z.cone, ds.cone, dz.cone) { sq, zq, dsq, dzq in
      withPointers(s.first, z.first, ds.first, dz.first) { s1, z1, ds1, dz1 in
        partial.withUnsafeMutableBufferPointer { pp in
          let out = SharedPointer(pp)
          ParallelChunks.forEach(blockCount, grain: Self.blockGrain) { chunk, range in
            @inline(__always) func part(_ x: SharedPointer<Double>, _ y: SharedPointer<Double>, _ dx: SharedPointer<Double>, _ dy: SharedPointer<Double>, width: Int) -> Double {
              var sum = 0.0
              let lo = range.lowerBound * width, hi = range.upperBound * width
              if moving {
                for e in lo..<hi { sum += (x[e] + alpha * dx[e]) * (y[e] + alpha * dy[e]) }
              } else {
                for e in lo..<hi { sum += x[e] * y[e] }
              }
              return sum
            }
            out[chunk] = part(sq, zq, dsq, dzq, width: q) + part(s1, z1, ds1, dz1, width: r1)
          }
        }
      }
    }
    var sum = partial.reduce(0, +)
    for e in s.second.indices {
      sum += moving ? (s.second[e] + alpha * ds.second[e]) * (z.second[e] + alpha * dz.second[e]) : s.second[e] * z.second[e]
    }
    return sum
  }

  /// (u, t, s, z) += α·step, per block on all cores.
  func take(_ step: Direction, _ alpha: Double, u: inout [Double], t: inout [Double], s: inout Slacks, z: inout Slacks) {
    let q = d + 1, r1 = coneRows, d = self.d
    func axpy(_ y: inout [Double], _ x: [Double], width: Int) {
      x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
          let xs = SharedPointer(reading: xp), ys = SharedPointer(yp)
          ParallelChunks.forEach(blockCount, grain: 4 * Self.blockGrain) { _, range in
            for e in (range.lowerBound * width)..<(range.upperBound * width) { ys[e] += alpha * xs[e] }
          }
        }
      }
    }
    axpy(&u, step.du, width: d)
    axpy(&t, step.dt, width: 1)
    axpy(&s.cone, step.ds.cone, width: q)
    axpy(&z.cone, step.dz.cone, width: q)
    axpy(&s.first, step.ds.first, width: r1)
    axpy(&z.first, step.dz.first, width: r1)
    for e in s.second.indices {
      s.second[e] += alpha * step.ds.second[e]
      z.second[e] += alpha * step.dz.second[e]
    }
  }

  /// r_p = A(u, t) − s and r_d = (FᵀFu − Fᵀy − Aᵀz)_u, β − z_t, from the products `p` at u and one product with Gᵀ:
  /// (Aᵀz)_u + Fᵀ(y − Fu) = Gᵀc + cone and first-layer terms with c_b = S2_b z₂_b − E_b(Fu − y).
  func residuals(
    u: [Double], t: [Double], at p: PointProducts, s: Slacks, z: Slacks, fty: [Double], rp: inout Slacks, rdu: inout [Double], rdt: inout [Double]
  ) {
    let q = d + 1, r1 = coneRows, d = self.d
    let fu = p.prediction
    for e in rp.second.indices { rp.second[e] = secondSigns[e] * p.hidden[e] - s.second[e] }
    withPointers(u, t, s.cone, s.first) { uP, tP, sq, s1 in
      withPointers(p.first) { a1 in
        rp.cone.withUnsafeMutableBufferPointer { rqp in
          rp.first.withUnsafeMutableBufferPointer { r1p in
            let rq = SharedPointer(rqp), rf = SharedPointer(r1p)
            ParallelChunks.forEach(blockCount, grain: Self.blockGrain) { _, range in
              for blk in range {
                rq[blk * q] = tP[blk] - sq[blk * q]
                for c in 0..<d { rq[blk * q + 1 + c] = uP[blk * d + c] - sq[blk * q + 1 + c] }
              }
              for e in (range.lowerBound * r1)..<(range.upperBound * r1) { rf[e] = a1[e] - s1[e] }
            }
          }
        }
      }
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
  /// a pair is not interior. The cones and first-layer rows per block on all cores, the second-layer rows after.
  func scale(s: Slacks, z: Slacks, eta: inout [Double], w: inout [Double], lambda: inout Slacks, omega: inout Slacks, rootOmega: inout Slacks) -> Bool {
    let q = d + 1, r1 = coneRows, chunks = ParallelChunks.count(blockCount, grain: Self.blockGrain)
    var exterior = [Bool](repeating: false, count: chunks)
    withPointers(s.cone, z.cone, s.first, z.first) { sb, zb, s1, z1 in
      w.withUnsafeMutableBufferPointer { wp in
        lambda.cone.withUnsafeMutableBufferPointer { lp in
          lambda.first.withUnsafeMutableBufferPointer { l1p in
            omega.first.withUnsafeMutableBufferPointer { o1p in
              rootOmega.first.withUnsafeMutableBufferPointer { r1p in
                eta.withUnsafeMutableBufferPointer { ep in
                  exterior.withUnsafeMutableBufferPointer { fp in
                    let wb = SharedPointer(wp), lb = SharedPointer(lp), l1 = SharedPointer(l1p), o1 = SharedPointer(o1p), ro1 = SharedPointer(r1p)
                    let eb = SharedPointer(ep), flags = SharedPointer(fp)
                    ParallelChunks.forEach(blockCount, grain: Self.blockGrain) { chunk, range in
                      @inline(__always) func scaleCones(_ q: Int) -> Bool {
                        for blk in range {
                          let o = blk * q
                          guard let e = SecondOrderCone.scaling(sb.base + o, zb.base + o, q, into: wb.base + o) else { return false }
                          eb[blk] = e
                          SecondOrderCone.apply(eta: e, wb.base + o, zb.base + o, q, inverse: false, into: lb.base + o)
                        }
                        return true
                      }
                      guard q == 3 ? scaleCones(3) : scaleCones(q) else {
                        flags[chunk] = true
                        return
                      }
                      for e in (range.lowerBound * r1)..<(range.upperBound * r1) {
                        guard s1[e] > 0, z1[e] > 0 else {
                          flags[chunk] = true
                          return
                        }
                        let o = z1[e] / s1[e]
                        l1[e] = (s1[e] * z1[e]).squareRoot()
                        o1[e] = o
                        ro1[e] = o.squareRoot()
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    guard !exterior.contains(true) else { return false }
    for e in s.second.indices {
      let sv = s.second[e], zv = z.second[e]
      guard sv > 0, zv > 0 else { return false }
      let o = zv / sv
      lambda.second[e] = (sv * zv).squareRoot()
      omega.second[e] = o
      rootOmega.second[e] = o.squareRoot()
    }
    return true
  }

  /// The complementarity target r_c = −λ∘λ + σμe, minus (W⁻¹Δs_a)∘(WΔz_a) for the corrector. The cones and
  /// first-layer rows per block on all cores, the second-layer rows after.
  func complementarity(lambda: Slacks, sigmaMu: Double, affine: Direction?, eta: [Double], w: [Double], into rc: inout Slacks) {
    let q = d + 1, r1 = coneRows
    let none = Slacks(cone: [], first: [], second: [])
    let ds = affine?.ds ?? none, dz = affine?.dz ?? none, corrector = affine != nil
    withPointers(lambda.cone, w, ds.cone, dz.cone) { l, wb, dsq, dzq in
      withPointers(lambda.first, eta, ds.first, dz.first) { l1, etaP, ds1, dz1 in
        rc.cone.withUnsafeMutableBufferPointer { rp in
          rc.first.withUnsafeMutableBufferPointer { r1p in
            let out = SharedPointer(rp), out1 = SharedPointer(r1p)
            ParallelChunks.forEach(blockCount, grain: Self.blockGrain) { _, range in
              withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * q) { tmp in
                let a = tmp.baseAddress!, b = a + q, c = b + q
                @inline(__always) func cones(_ q: Int) {
                  for blk in range {
                    let o = blk * q
                    SecondOrderCone.product(l.base + o, l.base + o, q, into: c)
                    for e in 0..<q { out[o + e] = -c[e] }
                    out[o] += sigmaMu
                    guard corrector else { continue }
                    SecondOrderCone.apply(eta: etaP[blk], wb.base + o, dsq.base + o, q, inverse: true, into: a)
                    SecondOrderCone.apply(eta: etaP[blk], wb.base + o, dzq.base + o, q, inverse: false, into: b)
                    SecondOrderCone.product(a, b, q, into: c)
                    for e in 0..<q { out[o + e] -= c[e] }
                  }
                }
                if q == 3 { cones(3) } else { cones(q) }
              }
              for e in (range.lowerBound * r1)..<(range.upperBound * r1) {
                out1[e] = -l1[e] * l1[e] + sigmaMu - (corrector ? ds1[e] * dz1[e] : 0)
              }
            }
          }
        }
      }
    }
    for e in rc.second.indices {
      rc.second[e] = -lambda.second[e] * lambda.second[e] + sigmaMu - (corrector ? ds.second[e] * dz.second[e] : 0)
    }
  }

  /// One Newton direction for the complementarity target r_c: with ξ = λ \ r_c,
  /// v = W⁻²(−r_p) + W⁻¹ξ, H Δx = Aᵀv − r_d, Δz = W⁻²(−r_p − AΔx) + W⁻¹ξ, Δs = W(ξ − WΔz)
  /// (on the LP rows W = √(s/z): Δs = ξ/√Ω − Δz/Ω). `xi` is scratch. Two fused passes per block on all cores: ξ, v and
  /// Aᵀv − r_d (v is never stored: the second-layer part of Aᵀv, one product with Gᵀ, comes first); then AΔx and
  /// (Δz, Δs). The second-layer rows (n per branch) run serially around them.
  func direction(
    _ out: inout Direction, rc: Slacks, rp: Slacks, rdu: [Double], rdt: [Double], lambda: Slacks, omega: Slacks, rootOmega: Slacks,
    eta: [Double], w: [Double], newton: inout ParallelReLUNewtonSystem, refine: Int, xi: inout Slacks
  ) {
    let q = d + 1, r1 = coneRows, d = self.d
    // Second-layer rows: ξ₂, v₂, and Gᵀ(S2 ⊙ v₂).
    var signedV2 = [Double](repeating: 0, count: branches * n)
    for e in xi.second.indices {
      xi.second[e] = rc.second[e] / lambda.second[e]
      signedV2[e] = secondSigns[e] * (-omega.second[e] * rp.second[e] + rootOmega.second[e] * xi.second[e])
    }
    var au = hiddenAdjoint(signedV2)
    var at = [Double](repeating: 0, count: blockCount)
    withPointers(lambda.cone, rc.cone, rp.cone, w) { l, r, p, wb in
      withPointers(lambda.first, rc.first, rp.first, eta) { l1, rc1, rp1, etaP in
        withPointers(omega.first, rootOmega.first, rdu, rdt) { om1, ro1, rduP, rdtP in
          withPointers(rows) { rowsP in
            firstPattern.withUnsafeBufferPointer { pp in
              xi.cone.withUnsafeMutableBufferPointer { xp in
                xi.first.withUnsafeMutableBufferPointer { x1p in
                  au.withUnsafeMutableBufferPointer { aup in
                    at.withUnsafeMutableBufferPointer { atp in
                      let x = SharedPointer(xp), x1 = SharedPointer(x1p), auP = SharedPointer(aup), atP = SharedPointer(atp)
                      let pattern = SharedPointer(reading: pp)
                      ParallelChunks.forEach(blockCount, grain: Self.blockGrain) { _, range in
                        withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * q + r1) { tmp in
                          let a = tmp.baseAddress!, b = a + q, v = b + q, v1 = v + q
                          @inline(__always) func blocks(_ q: Int, _ r1: Int, _ d: Int) {
                            for blk in range {
                              let o = blk * q, e = etaP[blk]
                              SecondOrderCone.divide(l.base + o, r.base + o, q, into: x.base + o)
                              SecondOrderCone.apply(eta: e, wb.base + o, x.base + o, q, inverse: true, into: a)
                              SecondOrderCone.applyInverseSquare(eta: e, wb.base + o, p.base + o, q, into: b)
                              for c in 0..<q { v[c] = a[c] - b[c] }
                              for row in 0..<r1 {
                                let k = blk * r1 + row
                                x1[k] = rc1[k] / l1[k]
                                v1[row] = -om1[k] * rp1[k] + ro1[k] * x1[k]
                              }
                              // Aᵀv on the block: v_cone,1..d + R_iᵀv₁ into the u-part, v_cone,0 into the t-part.
                              for c in 0..<d { auP[blk * d + c] += v[1 + c] - rduP[blk * d + c] }
                              Self.addRowAdjoint(rowsP.base + pattern[blk] * r1 * d, r1: r1, d: d, v1, into: auP.base + blk * d)
                              atP[blk] = v[0] - rdtP[blk]
                            }
                          }
                          if q == 3 && r1 == 2 { blocks(3, 2, 2) } else { blocks(q, r1, d) }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    (out.du, out.dt) = newton.solve(au, at, refine: refine)
    // Second-layer rows of AΔx = S2 ⊙ GΔu, then (Δz, Δs) there.
    let h = hidden(out.du)
    for e in xi.second.indices {
      let dz = omega.second[e] * (-rp.second[e] - secondSigns[e] * h[e]) + rootOmega.second[e] * xi.second[e]
      out.dz.second[e] = dz
      out.ds.second[e] = xi.second[e] / rootOmega.second[e] - dz / omega.second[e]
    }
    withPointers(rp.cone, out.du, w, xi.cone) { p, du, wb, x in
      withPointers(rp.first, out.dt, xi.first, eta) { rp1, dt, x1, etaP in
        withPointers(omega.first, rootOmega.first, rows) { om1, ro1, rowsP in
          firstPattern.withUnsafeBufferPointer { pp in
            out.ds.cone.withUnsafeMutableBufferPointer { dsp in
              out.dz.cone.withUnsafeMutableBufferPointer { dzp in
                out.ds.first.withUnsafeMutableBufferPointer { ds1p in
                  out.dz.first.withUnsafeMutableBufferPointer { dz1p in
                    let dz = SharedPointer(dzp), ds = SharedPointer(dsp), dz1 = SharedPointer(dz1p), ds1 = SharedPointer(ds1p)
                    let pattern = SharedPointer(reading: pp)
                    ParallelChunks.forEach(blockCount, grain: Self.blockGrain) { _, range in
                      withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * q + r1) { tmp in
                        let a = tmp.baseAddress!, c = a + q, adx = c + q
                        @inline(__always) func blocks(_ q: Int, _ r1: Int, _ d: Int) {
                          for blk in range {
                            let o = blk * q, e = etaP[blk]
                            // −r_p − AΔx on the cone: AΔx = (Δt, Δu).
                            a[0] = -p[o] - dt[blk]
                            for k in 1..<q { a[k] = -p[o + k] - du[blk * d + k - 1] }
                            SecondOrderCone.applyInverseSquare(eta: e, wb.base + o, a, q, into: dz.base + o)
                            SecondOrderCone.apply(eta: e, wb.base + o, x.base + o, q, inverse: true, into: c)
                            for k in 0..<q { dz[o + k] += c[k] }
                            SecondOrderCone.apply(eta: e, wb.base + o, dz.base + o, q, inverse: false, into: c)
                            for k in 0..<q { c[k] = x[o + k] - c[k] }
                            SecondOrderCone.apply(eta: e, wb.base + o, c, q, inverse: false, into: ds.base + o)
                            // First-layer rows: AΔx = R_i Δu.
                            Self.rowProduct(rowsP.base + pattern[blk] * r1 * d, r1: r1, d: d, du.base + blk * d, into: adx)
                            for row in 0..<r1 {
                              let k = blk * r1 + row
                              let z = om1[k] * (-rp1[k] - adx[row]) + ro1[k] * x1[k]
                              dz1[k] = z
                              ds1[k] = x1[k] / ro1[k] - z / om1[k]
                            }
                          }
                        }
                        if q == 3 && r1 == 2 { blocks(3, 2, 2) } else { blocks(q, r1, d) }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// The largest α ≤ `cap` with (s, z) + α(Δs, Δz) in the cones. The first-layer rows and the second-order cones per
  /// block on all cores (a cone's exact step only where the step so far would leave it), the second-layer rows (n per
  /// branch) after.
  func maxStep(s: Slacks, z: Slacks, _ dir: Direction, upTo cap: Double) -> Double {
    let q = d + 1, r1 = coneRows
    var steps = [Double](repeating: cap, count: ParallelChunks.count(blockCount, grain: Self.blockGrain))
    withPointers(s.cone, z.cone, dir.ds.cone, dir.dz.cone) { sb, zb, ds, dz in
      withPointers(s.first, z.first, dir.ds.first, dir.dz.first) { s1, z1, ds1, dz1 in
        steps.withUnsafeMutableBufferPointer { stp in
          let out = SharedPointer(stp)
          ParallelChunks.forEach(blockCount, grain: Self.blockGrain) { chunk, range in
            @inline(__always) func steps(_ q: Int) -> Double {
              var a = cap
              for e in (range.lowerBound * r1)..<(range.upperBound * r1) {
                if ds1[e] < 0 { a = Swift.min(a, -s1[e] / ds1[e]) }
                if dz1[e] < 0 { a = Swift.min(a, -z1[e] / dz1[e]) }
              }
              for blk in range {
                a = SecondOrderCone.step(sb.base + blk * q, ds.base + blk * q, q, upTo: a)
                a = SecondOrderCone.step(zb.base + blk * q, dz.base + blk * q, q, upTo: a)
              }
              return a
            }
            out[chunk] = q == 3 ? steps(3) : steps(q)
          }
        }
      }
    }
    var a = steps.min() ?? cap
    for e in s.second.indices {
      if dir.ds.second[e] < 0 { a = Swift.min(a, -s.second[e] / dir.ds.second[e]) }
      if dir.dz.second[e] < 0 { a = Swift.min(a, -z.second[e] / dir.dz.second[e]) }
    }
    return a
  }

  // MARK: Certificate

  /// Offers the iterate's bounds to the loop: the network objective of the iterate and, when `near` the tolerance, of
  /// dust-free copies (vectors with ‖u_bk‖ < τ·max‖u‖ set to 0), each a point of the program as it is or, when
  /// `near`, once repaired; and §3.5's dual bound at the residual with the iterate's multipliers.
  func certify(u: [Double], at p: PointProducts, multipliers z: Slacks, loop: inout CertifiedLoop, best: inout Matrix, near: Bool = true) {
    let norms = vectorNorms(u)
    let top = norms.max() ?? 0
    var candidates: [(point: [Double], products: PointProducts, norms: [Double])] = [(u, p, norms)]
    if top > 0, near {
      let h0 = signed(hidden: p.hidden)
      for tau in [1e-8, 1e-6, 1e-4, 1e-3] {
        if let c = dustFree(u, norms: norms, below: tau * top, signedHidden: h0) { candidates.append((c, pointProducts(c), vectorNorms(c))) }
      }
    }
    let y = program.targets
    // The convex objective ½‖Fc − y‖² + βΣ‖c_bk‖ of every candidate within 1e-7 of the cones (the solver's own rows;
    // the facet rows describe the same cones) is cheap; only the best one that could lower the upper bound is
    // checked exactly, repaired if need be (cone projection, node moves: still a point of the program), and
    // evaluated as a network (equal to the convex objective on a point of the program).
    var ranked: [(value: Double, point: [Double], prediction: [Double])] = []
    for c in candidates where quickViolation(c.products) <= 1e-7 * Swift.max(1, top) {
      var loss = 0.0
      for j in 0..<n { loss += (c.products.prediction[j] - y[j]) * (c.products.prediction[j] - y[j]) }
      ranked.append((0.5 * loss + program.beta * c.norms.reduce(0, +), c.point, c.products.prediction))
    }
    ranked.sort { $0.value < $1.value }
    var boundAtIterate = false
    for candidate in ranked.prefix(2) where candidate.value < loop.upper {
      guard let (point, value) = programPoint(candidate.point, repair: near) else { continue }
      if loop.offerUpper(value) { best = point }
      // A repaired point has its own prediction.
      let unchanged = point.storage == candidate.point
      offerLowerBound(prediction: unchanged ? candidate.prediction : predict(point.storage), multipliers: z, loop: &loop)
      boundAtIterate = point.storage == u
      break
    }
    if !boundAtIterate { offerLowerBound(prediction: p.prediction, multipliers: z, loop: &loop) }
  }

  /// Offers the bounds of the point (u + αΔu, z + αΔz) along `dir` (`certify` with dust-free copies). The lower bound
  /// reads only the LP rows' multipliers, clipped at 0, so any α gives a valid bound.
  func certifyAlong(_ dir: Direction, _ alpha: Double, u: [Double], z: Slacks, loop: inout CertifiedLoop, best: inout Matrix) {
    let point = zip(u, dir.du).map { $0 + alpha * $1 }
    var multipliers = z
    for e in z.first.indices { multipliers.first[e] += alpha * dir.dz.first[e] }
    for e in z.second.indices { multipliers.second[e] += alpha * dir.dz.second[e] }
    certify(u: point, at: pointProducts(point), multipliers: multipliers, loop: &loop, best: &best)
  }

  /// The copy of `blocks` with the most vectors ‖u_bk‖ < τ·max‖u‖ removed (τ from 10⁻³ down to 10⁻⁹; a branch whose
  /// second-layer rows that would violate keeps its vectors) that is a point of the program whose network objective
  /// is still certified by `lower` to `tolerance`; nil when no copy is.
  func sparsest(_ blocks: Matrix, lower: Double, tolerance: Double) -> (Matrix, Double)? {
    let u = blocks.storage, norms = vectorNorms(u)
    let top = norms.max() ?? 0
    guard top > 0 else { return nil }
    let h0 = signed(hidden: hidden(u))
    for tau in [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9] {
      guard let c = dustFree(u, norms: norms, below: tau * top, signedHidden: h0), let (point, value) = programPoint(c) else { continue }
      if ConvexSolverReport.relative(value, lower) <= tolerance { return (point, value) }
    }
    return nil
  }

  /// S2_b ⊙ h_b for every branch, h = G u (n×B): the second-layer rows at u.
  func signed(hidden h: [Double]) -> [Double] { zip(secondSigns, h).map { $0 * $1 } }

  /// u with its vectors of norm below `threshold` set to 0 (nil when there are none), except in the branches whose
  /// second-layer rows that would violate (`restoreViolatedBranches`).
  func dustFree(_ u: [Double], norms: [Double], below threshold: Double, signedHidden h0: [Double]) -> [Double]? {
    guard norms.contains(where: { $0 > 0 && $0 < threshold }) else { return nil }
    var c = u
    for blk in 0..<blockCount where norms[blk] < threshold { for e in 0..<d { c[blk * d + e] = 0 } }
    restoreViolatedBranches(&c, original: u, norms: norms, signedHidden: h0)
    return c
  }

  /// The blocks c as a point of the program — as they are when feasible to rounding, else (with `repair`) repaired
  /// (cone projection, node moves) — with the objective of its network; nil when it is not one.
  func programPoint(_ c: [Double], repair: Bool = true) -> (Matrix, Double)? {
    var point = Matrix(rows: d, columns: blockCount, columnMajor: c)
    var p = program.products(point)
    guard program.isFeasible(p) || (repair && program.repair(&point, products: &p)) else { return nil }
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
    var norms = [Double](repeating: 0, count: blockCount)
    let d = self.d
    u.withUnsafeBufferPointer { up in
      norms.withUnsafeMutableBufferPointer { np in
        let uP = SharedPointer(reading: up), out = SharedPointer(np)
        ParallelChunks.forEach(blockCount, grain: 4 * Self.blockGrain) { _, range in
          for blk in range {
            var s = 0.0
            for c in 0..<d { s += uP[blk * d + c] * uP[blk * d + c] }
            out[blk] = s.squareRoot()
          }
        }
      }
    }
    return norms
  }

  /// The largest violation of the solver's cone rows at a point with products `p` (first-layer rows, second-layer
  /// rows), relative to ‖X‖.
  func quickViolation(_ p: PointProducts) -> Double {
    var worst = 0.0
    for v in p.first { worst = Swift.max(worst, -v) }
    for e in p.hidden.indices { worst = Swift.max(worst, -secondSigns[e] * p.hidden[e] / scale.squareRoot()) }
    return worst
  }

  /// §3.5's bound at v = y − Fu (`prediction` = Fu): `c̄ = max_bk ‖G_kᵀ(E_b v + S2_b μ_b) + R_iᵀπ_bk‖` with μ, π ≥ 0
  /// the iterate's second- and first-layer multipliers (weak duality per block: c̄ ≥ c(v)).
  func offerLowerBound(prediction yhat: [Double], multipliers z: Slacks, loop: inout CertifiedLoop) {
    let y = program.targets, r1 = coneRows
    let v = zip(y, yhat).map { $0 - $1 }
    var c = [Double](repeating: 0, count: branches * n)
    for b in 0..<branches {
      for j in 0..<n { c[b * n + j] = lossWeights[b * n + j] * v[j] + secondSigns[b * n + j] * Swift.max(0, z.second[b * n + j]) }
    }
    let gv = hiddenAdjoint(c), d = self.d, pattern = firstPattern
    var largest = [Double](repeating: 0, count: ParallelChunks.count(blockCount, grain: Self.blockGrain))
    withPointers(gv, z.first, rows) { g, z1, rowsP in
      largest.withUnsafeMutableBufferPointer { lp in
        let out = SharedPointer(lp)
        ParallelChunks.forEach(blockCount, grain: Self.blockGrain) { chunk, range in
          var m = 0.0
          for blk in range {
            let i = pattern[blk]
            var s = 0.0
            for e in 0..<d {
              var a = g[blk * d + e]
              for r in 0..<r1 { a += Swift.max(0, z1[blk * r1 + r]) * rowsP[(i * r1 + r) * d + e] }
              s += a * a
            }
            m = Swift.max(m, s.squareRoot())
          }
          out[chunk] = m
        }
      }
    }
    var cbar = largest.max() ?? 0
    // Rounding of the sums above: a relative allowance keeps c̄ an upper bound.
    cbar *= 1 + 1e-12
    loop.offerDual(v: v, y: y, loss: program.loss, dualNormBound: cbar, beta: program.beta)
  }
}
