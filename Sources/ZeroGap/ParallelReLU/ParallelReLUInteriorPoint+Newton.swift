import Dispatch

/// The Newton system of `ParallelReLUInteriorPoint`, factorised through its structure (`bench/PARALLEL_SOLVER.md` §3):
///
///     H = FᵀF + AᵀW⁻²A = blockdiag_bk(C_bk) + Σ_b (S2_b G)ᵀ Ω2_b (S2_b G) + FᵀF,
///     C_bk = W_bk⁻² + diag(0, R_iᵀ Ω1_bk R_i)      ((d+1)×(d+1) per block).
///
/// 1. t eliminated per block: the Schur complement on u is `C' = η⁻²(I − ŵŵᵀ) + κŵŵᵀ + R_iᵀΩ1R_i`,
///    κ = η⁻²/(2w̄₀² − 1), a sum of PSD terms, kept as a factor `C'⁻¹ = LᵢᵀLᵢ` (closed form for d = 2 by
///    Cauchy–Binet, a QR of the square root otherwise).
/// 2. Radial shift: the m_a blocks with κ < 10⁻²γ get `C̃' = C' + γŵŵᵀ`, so H = H̃ − EΓEᵀ, removed exactly by a
///    capacitance `Γ⁻¹ − EᵀH̃⁻¹E` built from n-vectors.
/// 3. Per branch: `N_b = G C̃'⁻¹ Gᵀ`, `M_b = S2 N_b S2 + Ω2_b⁻¹` (equilibrated, Cholesky),
///    `G Ã_b⁻¹ Gᵀ = S2 Ñ_b M_b⁻¹ Ω2_b⁻¹ S2` (without the cancelling difference N − N S2M⁻¹S2N).
/// 4. Loss: `S = I + Σ_b D2_b (G Ã_b⁻¹ Gᵀ) D2_b` (equilibrated, Cholesky) and `H̃⁻¹ = Ã⁻¹ − Ã⁻¹FᵀS⁻¹FÃ⁻¹`.
struct ParallelReLUNewtonSystem {
  let ipm: ParallelReLUInteriorPoint
  let eta: [Double], w: [Double], omega1: [Double], omega2: [Double]
  /// Per block: c_tt, c_tu (d), ŵ (d), Lᵢ (d×d row-major, lower) with C̃'⁻¹ = LᵢᵀLᵢ.
  var ctt: [Double], ctu: [Double], what: [Double], li: [Double]
  /// Per branch: N_b, the Cholesky factor of the equilibrated M_b (n×n each), and M_b's equilibration.
  var nb: [Double], mFactor: [Double], mScale: [Double]
  /// The factor of the equilibrated S and its equilibration.
  var sFactor: [Double], sScale: [Double]
  /// The shifted blocks, and the factor of their equilibrated capacitance.
  var shifted: [Int] = [], capFactor: [Double] = [], capScale: [Double] = []
  /// Solves and operator applications so far (for the measurements).
  var solves = 0, applications = 0
  /// The relative residual of the last solve.
  var lastResidual = 0.0

  enum Failure: Error { case notPositiveDefinite }

  /// - Parameters: eta, w: the NT scaling of every cone (η and w̄); omega1, omega2: z/s on the LP rows;
  ///   regularisation: ρ/γ added to C' (escalated by the caller when a factorisation breaks down).
  init(ipm: ParallelReLUInteriorPoint, eta: [Double], w: [Double], omega1: [Double], omega2: [Double], regularisation: Double) throws(Failure) {
    self.ipm = ipm
    self.eta = eta
    self.w = w
    self.omega1 = omega1
    self.omega2 = omega2
    let n = ipm.n, d = ipm.d, q = d + 1, K = ipm.vectorsPerBranch, B = ipm.branches, r1 = ipm.coneRows, nBlocks = ipm.blockCount
    let gamma = ipm.scale, reg = regularisation * gamma
    ctt = [Double](repeating: 0, count: nBlocks)
    ctu = [Double](repeating: 0, count: nBlocks * d)
    what = [Double](repeating: 0, count: nBlocks * d)
    li = [Double](repeating: 0, count: nBlocks * d * d)
    var kappaShift = [Double](repeating: 0, count: nBlocks)
    for blk in 0..<nBlocks {
      let ie2 = 1 / (eta[blk] * eta[blk]), w0 = w[blk * q]
      var nw = 0.0
      for c in 0..<d { nw += w[blk * q + 1 + c] * w[blk * q + 1 + c] }
      nw = nw.squareRoot()
      for c in 0..<d { what[blk * d + c] = nw > 0 ? w[blk * q + 1 + c] / nw : (c == 0 ? 1 : 0) }
      let den = 2 * w0 * w0 - 1
      ctt[blk] = ie2 * den
      for c in 0..<d { ctu[blk * d + c] = -2 * ie2 * w0 * w[blk * q + 1 + c] }
      let kappa = ie2 / den
      if kappa < 1e-2 * gamma {
        shifted.append(blk)
        kappaShift[blk] = kappa + gamma
      } else {
        kappaShift[blk] = kappa
      }
    }
    // Square-root factor per block: V = [√η⁻² (I − ŵŵᵀ), √(κ + γ_shift) ŵ, R_iᵀ√Ω1, √ρ I] (d × m_v).
    var failed = false
    if d == 2 {
      var v0 = [Double](repeating: 0, count: r1 + 4), v1 = v0
      for blk in 0..<nBlocks {
        let i = (blk % K) % ipm.p1, ie2 = 1 / (eta[blk] * eta[blk])
        let w0 = what[blk * 2], w1 = what[blk * 2 + 1], rq = kappaShift[blk].squareRoot()
        // Columns (v0_p, v1_p) of V: ŵ⊥, the radial column, the rows, and √ρ I; a, b, c are VVᵀ's entries and
        // det = Σ_{p<q} (v0_p v1_q − v0_q v1_p)² (Cauchy–Binet: a sum of squares, no cancellation).
        var m = 0
        func add(_ x0: Double, _ x1: Double) {
          v0[m] = x0
          v1[m] = x1
          m += 1
        }
        add(-w1 * ie2.squareRoot(), w0 * ie2.squareRoot())
        add(rq * w0, rq * w1)
        for r in 0..<r1 {
          let o = omega1[blk * r1 + r].squareRoot()
          add(ipm.rows[(i * r1 + r) * 2] * o, ipm.rows[(i * r1 + r) * 2 + 1] * o)
        }
        if reg > 0 {
          add(reg.squareRoot(), 0)
          add(0, reg.squareRoot())
        }
        var a = 0.0, b = 0.0, c = 0.0, det = 0.0
        for p in 0..<m {
          a += v0[p] * v0[p]
          c += v1[p] * v1[p]
          b += v0[p] * v1[p]
          for q in (p + 1)..<Swift.max(p + 1, m) {
            let minor = v0[p] * v1[q] - v0[q] * v1[p]
            det += minor * minor
          }
        }
        guard det > 0, a > 0, det.isFinite else {
          failed = true
          break
        }
        // C'⁻¹ = [[c, −b], [−b, a]]/det = LᵢᵀLᵢ with the lower Lᵢ = [[1/√a, 0], [−b/√(a·det), √(a/det)]].
        li[blk * 4] = 1 / a.squareRoot()
        li[blk * 4 + 1] = 0
        li[blk * 4 + 2] = -b / (a * det).squareRoot()
        li[blk * 4 + 3] = (a / det).squareRoot()
      }
    } else {
      let mv = d + 1 + r1 + (reg > 0 ? d : 0)
      var vt = [Double](repeating: 0, count: mv * d), tau = [Double](repeating: 0, count: d), r = [Double](repeating: 0, count: d * d)
      for blk in 0..<nBlocks where !failed {
        let i = (blk % K) % ipm.p1, ie2 = 1 / (eta[blk] * eta[blk]), rq = kappaShift[blk].squareRoot()
        // Vᵀ (mv × d, column-major): rows are V's columns.
        for c in 0..<d {
          for e in 0..<d { vt[e + c * mv] = ie2.squareRoot() * ((e == c ? 1 : 0) - what[blk * d + e] * what[blk * d + c]) }
          vt[d + c * mv] = rq * what[blk * d + c]
          for row in 0..<r1 { vt[d + 1 + row + c * mv] = ipm.rows[(i * r1 + row) * d + c] * omega1[blk * r1 + row].squareRoot() }
          if reg > 0 { for e in 0..<d { vt[d + 1 + r1 + e + c * mv] = e == c ? reg.squareRoot() : 0 } }
        }
        let ok = vt.withUnsafeMutableBufferPointer { vp in
          tau.withUnsafeMutableBufferPointer { tp in
            r.withUnsafeMutableBufferPointer { rp in LAPACK.qrFactorR(vp.baseAddress!, rows: mv, columns: d, tau: tp.baseAddress!, into: rp.baseAddress!) }
          }
        }
        // C' = RᵀR (R upper, column-major d×d); Lᵢ = R⁻ᵀ, i.e. Lᵢ[e][c] = (R⁻¹)[c][e].
        guard ok, (0..<d).allSatisfy({ abs(r[$0 + $0 * d]) > 0 }) else {
          failed = true
          break
        }
        for e in 0..<d {
          // Column e of R⁻¹ by back substitution: R x = e_e.
          var x = [Double](repeating: 0, count: d)
          for row in stride(from: d - 1, through: 0, by: -1) {
            var s = row == e ? 1.0 : 0
            for c in (row + 1)..<d { s -= r[row + c * d] * x[c] }
            x[row] = s / r[row + row * d]
          }
          for c in 0..<d { li[blk * d * d + e * d + c] = x[c] }
        }
      }
    }
    if failed { throw .notPositiveDefinite }

    // Per branch (in parallel): N_b, M_b's factor, and its contribution to S.
    let kd = K * d
    var nbArr = [Double](repeating: 0, count: B * n * n)
    var mfArr = [Double](repeating: 0, count: B * n * n)
    var msArr = [Double](repeating: 0, count: B * n)
    // Threads only where the per-branch work pays for them (small problems spend longer waking workers).
    let work = Double(B) * Double(n) * Double(n) * Double(kd + n)
    let workers = work < 4e6 ? 1 : Swift.max(1, Swift.min(ParallelReLUInteriorPoint.workerCount, B))
    var partialS = [[Double]](repeating: [Double](repeating: 0, count: n * n), count: workers)
    var branchFailed = [Bool](repeating: false, count: workers)
    let liCopy = li, gCopy = ipm.g, ipmLocal = ipm, om2 = omega2
    nbArr.withUnsafeMutableBufferPointer { nbp in
      mfArr.withUnsafeMutableBufferPointer { mfp in
        msArr.withUnsafeMutableBufferPointer { msp in
          partialS.withUnsafeMutableBufferPointer { psp in
            branchFailed.withUnsafeMutableBufferPointer { bfp in
              let nbBase = SharedPointer(nbp.baseAddress!), mfBase = SharedPointer(mfp.baseAddress!), msBase = SharedPointer(msp.baseAddress!)
              let psBase = SharedPointer(psp.baseAddress!), bfBase = SharedPointer(bfp.baseAddress!)
              DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var gy = [Double](repeating: 0, count: n * kd)
                var nt = [Double](repeating: 0, count: n * n), t = nt, qt = nt
                var sPart = [Double](repeating: 0, count: n * n)
                let lo = worker * B / workers, hi = (worker + 1) * B / workers
                gCopy.withUnsafeBufferPointer { gp in
                  for b in lo..<hi {
                    // GY_b[:, (k, e)] = Σ_c G[:, (k, c)] Lᵢ[e][c]; N_b = GY GYᵀ.
                    for k in 0..<K {
                      let blk = b * K + k
                      for e in 0..<d {
                        let col = (k * d + e) * n
                        for j in 0..<n { gy[col + j] = 0 }
                        for c in 0...e {
                          let l = liCopy[blk * d * d + e * d + c]
                          if l == 0 { continue }
                          let src = (k * d + c) * n
                          for j in 0..<n { gy[col + j] += l * gp[src + j] }
                        }
                      }
                    }
                    let nbb = nbBase.base + b * n * n, mf = mfBase.base + b * n * n, ms = msBase.base + b * n
                    gy.withUnsafeBufferPointer { gyp in
                      RawBLAS.gemm(.none, .transpose, m: n, n: n, k: kd, alpha: 1, gyp.baseAddress!, lda: n, gyp.baseAddress!, ldb: n, beta: 0, nbb, ldc: n)
                    }
                    let s2 = b * n
                    for c in 0..<n {
                      for r in 0..<n { nt[r + c * n] = ipmLocal.secondSigns[s2 + r] * nbb[r + c * n] * ipmLocal.secondSigns[s2 + c] }
                    }
                    for j in 0..<n { ms[j] = (nt[j + j * n] + 1 / om2[s2 + j]).squareRoot() }
                    for c in 0..<n {
                      for r in 0..<n { mf[r + c * n] = (nt[r + c * n] + (r == c ? 1 / om2[s2 + r] : 0)) / (ms[r] * ms[c]) }
                    }
                    guard LAPACK.potrfInPlace(mf, order: n) else {
                      bfBase.base[worker] = true
                      return
                    }
                    // T = M⁻¹Ω2⁻¹, Q̃ = Ñ T (symmetrised), Q = S2 Q̃ S2, S += D2 Q D2.
                    for e in t.indices { t[e] = 0 }
                    for j in 0..<n { t[j + j * n] = (1 / om2[s2 + j]) / ms[j] }
                    t.withUnsafeMutableBufferPointer { tp in LAPACK.potrsInPlace(UnsafePointer(mf), order: n, tp.baseAddress!, rightHandSides: n) }
                    for c in 0..<n { for r in 0..<n { t[r + c * n] /= ms[r] } }
                    nt.withUnsafeBufferPointer { ntp in
                      t.withUnsafeBufferPointer { tp in
                        qt.withUnsafeMutableBufferPointer { qp in
                          RawBLAS.gemm(.none, .none, m: n, n: n, k: n, alpha: 1, ntp.baseAddress!, lda: n, tp.baseAddress!, ldb: n, beta: 0, qp.baseAddress!, ldc: n)
                        }
                      }
                    }
                    for c in 0..<n {
                      let dc = ipmLocal.secondMasks[s2 + c]
                      if dc == 0 { continue }
                      for r in 0..<n where ipmLocal.secondMasks[s2 + r] != 0 {
                        let qv = 0.5 * (qt[r + c * n] + qt[c + r * n]) * ipmLocal.secondSigns[s2 + r] * ipmLocal.secondSigns[s2 + c]
                        sPart[r + c * n] += qv
                      }
                    }
                  }
                }
                psBase.base[worker] = sPart
              }
            }
          }
        }
      }
    }
    nb = nbArr
    mFactor = mfArr
    mScale = msArr
    if branchFailed.contains(true) { throw .notPositiveDefinite }
    var s = [Double](repeating: 0, count: n * n)
    for part in partialS { for e in s.indices { s[e] += part[e] } }
    for j in 0..<n { s[j + j * n] += 1 }
    let sd = (0..<n).map { s[$0 + $0 * n].squareRoot() }
    for c in 0..<n { for r in 0..<n { s[r + c * n] /= sd[r] * sd[c] } }
    guard s.withUnsafeMutableBufferPointer({ LAPACK.potrfInPlace($0.baseAddress!, order: n) }) else { throw .notPositiveDefinite }
    sScale = sd
    sFactor = s
    if !shifted.isEmpty { try factorCapacitance(gamma: gamma) }
  }

  /// The capacitance `Γ⁻¹ − EᵀH̃⁻¹E` of the radial shift, from n-vectors only:
  /// a_j = C̃_j⁻¹ŵ_j, g_j = S2 G_j a_j, φ_j = FÃ⁻¹e_j = E_b(G_j a_j − N_b S2 M_b⁻¹ g_j),
  /// e_iᵀH̃⁻¹e_j = [same branch](δ_ij ŵ_i·a_j − g_iᵀM_b⁻¹g_j) − φ_iᵀS⁻¹φ_j.
  private mutating func factorCapacitance(gamma: Double) throws(Failure) {
    let n = ipm.n, d = ipm.d, K = ipm.vectorsPerBranch, m = shifted.count
    var gv = [Double](repeating: 0, count: m * n), mg = gv, phi = gv
    var diag = [Double](repeating: 0, count: m)
    for (idx, blk) in shifted.enumerated() {
      let b = blk / K, k = blk % K
      var wv = [Double](repeating: 0, count: d)
      for c in 0..<d { wv[c] = what[blk * d + c] }
      let a = applyCInverse(block: blk, wv)
      var ga = [Double](repeating: 0, count: n)
      for c in 0..<d where a[c] != 0 { for j in 0..<n { ga[j] += a[c] * ipm.g[j, k * d + c] } }
      for c in 0..<d { diag[idx] += wv[c] * a[c] }
      for j in 0..<n { gv[idx * n + j] = ipm.secondSigns[b * n + j] * ga[j] }
      var sol = Array(gv[(idx * n)..<((idx + 1) * n)])
      solveM(branch: b, &sol)
      for j in 0..<n { mg[idx * n + j] = sol[j] }
      // N_b (S2 ⊙ M⁻¹g)
      var t = [Double](repeating: 0, count: n)
      for j in 0..<n { t[j] = ipm.secondSigns[b * n + j] * sol[j] }
      var nt = [Double](repeating: 0, count: n)
      nb.withUnsafeBufferPointer { np in
        t.withUnsafeBufferPointer { tp in
          nt.withUnsafeMutableBufferPointer { op in
            RawBLAS.gemv(.none, m: n, n: n, alpha: 1, np.baseAddress! + b * n * n, lda: n, tp.baseAddress!, beta: 0, op.baseAddress!)
          }
        }
      }
      for j in 0..<n { phi[idx * n + j] = ipm.lossWeights[b * n + j] * (ga[j] - nt[j]) }
    }
    // S⁻¹φ for all shifted blocks at once.
    var sphi = phi
    solveS(&sphi, columns: m)
    var cap = [Double](repeating: 0, count: m * m)
    // −gᵀM⁻¹g within a branch, −φᵀS⁻¹φ everywhere (GEMMs over the n-vectors).
    var gmg = [Double](repeating: 0, count: m * m), pp = gmg
    gv.withUnsafeBufferPointer { gp in
      mg.withUnsafeBufferPointer { mp in
        gmg.withUnsafeMutableBufferPointer { op in
          RawBLAS.gemm(.transpose, .none, m: m, n: m, k: n, alpha: 1, gp.baseAddress!, lda: n, mp.baseAddress!, ldb: n, beta: 0, op.baseAddress!, ldc: m)
        }
      }
    }
    phi.withUnsafeBufferPointer { fp in
      sphi.withUnsafeBufferPointer { sp in
        pp.withUnsafeMutableBufferPointer { op in
          RawBLAS.gemm(.transpose, .none, m: m, n: m, k: n, alpha: 1, fp.baseAddress!, lda: n, sp.baseAddress!, ldb: n, beta: 0, op.baseAddress!, ldc: m)
        }
      }
    }
    for c in 0..<m {
      for r in 0..<m {
        let same = shifted[r] / K == shifted[c] / K
        var e = -0.5 * (pp[r + c * m] + pp[c + r * m])
        if same { e -= 0.5 * (gmg[r + c * m] + gmg[c + r * m]) }
        if r == c { e += diag[r] }
        cap[r + c * m] = (r == c ? 1 / gamma : 0) - e
      }
    }
    capScale = (0..<m).map { abs(cap[$0 + $0 * m]).squareRoot() }
    guard capScale.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw .notPositiveDefinite }
    for c in 0..<m { for r in 0..<m { cap[r + c * m] /= capScale[r] * capScale[c] } }
    guard cap.withUnsafeMutableBufferPointer({ LAPACK.potrfInPlace($0.baseAddress!, order: m) }) else { throw .notPositiveDefinite }
    capFactor = cap
  }

  // MARK: Solves

  /// C̃'⁻¹r for one block (d entries).
  func applyCInverse(block blk: Int, _ r: [Double]) -> [Double] {
    let d = ipm.d
    var v = [Double](repeating: 0, count: d), out = v
    for e in 0..<d { for c in 0...e { v[e] += li[blk * d * d + e * d + c] * r[c] } }
    for c in 0..<d { for e in c..<d { out[c] += li[blk * d * d + e * d + c] * v[e] } }
    return out
  }

  /// C̃'⁻¹ applied to every block of r (B·K·d) in place.
  func applyCInverse(_ r: inout [Double]) {
    let d = ipm.d, count = ipm.blockCount
    li.withUnsafeBufferPointer { lp in
      r.withUnsafeMutableBufferPointer { rp in
        if d == 2 {
          for blk in 0..<count {
            let o = blk * 2, lo = blk * 4
            let v0 = lp[lo] * rp[o], v1 = lp[lo + 2] * rp[o] + lp[lo + 3] * rp[o + 1]
            rp[o] = lp[lo] * v0 + lp[lo + 2] * v1
            rp[o + 1] = lp[lo + 3] * v1
          }
          return
        }
        var v = [Double](repeating: 0, count: d)
        for blk in 0..<count {
          let o = blk * d, lo = blk * d * d
          for e in 0..<d {
            var s = 0.0
            for c in 0...e { s += lp[lo + e * d + c] * rp[o + c] }
            v[e] = s
          }
          for c in 0..<d {
            var s = 0.0
            for e in c..<d { s += lp[lo + e * d + c] * v[e] }
            rp[o + c] = s
          }
        }
      }
    }
  }

  /// M_b⁻¹x in place (x of length n).
  func solveM(branch b: Int, _ x: inout [Double]) {
    let n = ipm.n
    for j in 0..<n { x[j] /= mScale[b * n + j] }
    mFactor.withUnsafeBufferPointer { mp in
      x.withUnsafeMutableBufferPointer { xp in RawBLAS.choleskySolve(mp.baseAddress! + b * n * n, order: n, xp.baseAddress!) }
    }
    for j in 0..<n { x[j] /= mScale[b * n + j] }
  }

  /// S⁻¹X in place (X n×columns).
  func solveS(_ x: inout [Double], columns: Int) {
    let n = ipm.n
    for c in 0..<columns { for j in 0..<n { x[j + c * n] /= sScale[j] } }
    sFactor.withUnsafeBufferPointer { sp in
      x.withUnsafeMutableBufferPointer { xp in LAPACK.potrsInPlace(sp.baseAddress!, order: n, xp.baseAddress!, rightHandSides: columns) }
    }
    for c in 0..<columns { for j in 0..<n { x[j + c * n] /= sScale[j] } }
  }

  /// Ã⁻¹(r_u, r_t): the block-diagonal and second-layer part (t eliminated, Woodbury per branch).
  func solveA(_ ru: [Double], _ rt: [Double]) -> (u: [Double], t: [Double]) {
    let n = ipm.n, d = ipm.d
    var y = ru
    for blk in 0..<ipm.blockCount where rt[blk] != 0 {
      let f = rt[blk] / ctt[blk]
      for c in 0..<d { y[blk * d + c] -= ctu[blk * d + c] * f }
    }
    applyCInverse(&y)
    var gg = ipm.hidden(y)
    for e in gg.indices { gg[e] *= ipm.secondSigns[e] }
    var x = [Double](repeating: 0, count: n)
    for b in 0..<ipm.branches {
      for j in 0..<n { x[j] = gg[b * n + j] }
      solveM(branch: b, &x)
      for j in 0..<n { gg[b * n + j] = ipm.secondSigns[b * n + j] * x[j] }
    }
    var corr = ipm.hiddenAdjoint(gg)
    applyCInverse(&corr)
    for e in y.indices { y[e] -= corr[e] }
    var t = [Double](repeating: 0, count: ipm.blockCount)
    for blk in 0..<ipm.blockCount {
      var s = rt[blk]
      for c in 0..<d { s -= ctu[blk * d + c] * y[blk * d + c] }
      t[blk] = s / ctt[blk]
    }
    return (y, t)
  }

  /// H̃⁻¹r (the shifted matrix): Ã⁻¹r − Ã⁻¹FᵀS⁻¹FÃ⁻¹r.
  mutating func solveShifted(_ ru: [Double], _ rt: [Double]) -> (u: [Double], t: [Double]) {
    let y1 = solveA(ru, rt)
    var wv = ipm.predict(y1.u)
    solveS(&wv, columns: 1)
    let y2 = solveA(ipm.predictAdjoint(wv), [Double](repeating: 0, count: ipm.blockCount))
    var out = y1
    for e in out.u.indices { out.u[e] -= y2.u[e] }
    for e in out.t.indices { out.t[e] -= y2.t[e] }
    return out
  }

  /// H⁻¹r = H̃⁻¹(r + E Cap⁻¹ EᵀH̃⁻¹r).
  mutating func solveOnce(_ ru: [Double], _ rt: [Double]) -> (u: [Double], t: [Double]) {
    var x = solveShifted(ru, rt)
    let m = shifted.count, d = ipm.d
    guard m > 0 else { return x }
    var e = [Double](repeating: 0, count: m)
    for (idx, blk) in shifted.enumerated() {
      var s = 0.0
      for c in 0..<d { s += x.u[blk * d + c] * what[blk * d + c] }
      e[idx] = s / capScale[idx]
    }
    capFactor.withUnsafeBufferPointer { cp in
      e.withUnsafeMutableBufferPointer { ep in LAPACK.potrsInPlace(cp.baseAddress!, order: m, ep.baseAddress!, rightHandSides: 1) }
    }
    var ec = [Double](repeating: 0, count: ipm.blockCount * d)
    for (idx, blk) in shifted.enumerated() {
      let c0 = e[idx] / capScale[idx]
      for c in 0..<d { ec[blk * d + c] = c0 * what[blk * d + c] }
    }
    let y = solveShifted(ec, [Double](repeating: 0, count: ipm.blockCount))
    for k in x.u.indices { x.u[k] += y.u[k] }
    for k in x.t.indices { x.t[k] += y.t[k] }
    return x
  }

  /// H(x) = FᵀFx_u + AᵀW⁻²Ax.
  mutating func apply(_ du: [Double], _ dt: [Double]) -> (u: [Double], t: [Double]) {
    applications += 1
    var a = ipm.constraintMap(du, dt)
    var scaled = a.cone
    ipm.applyInverseSquare(eta, w, a.cone, into: &scaled)
    a.cone = scaled
    for e in a.first.indices { a.first[e] *= omega1[e] }
    for e in a.second.indices { a.second[e] *= omega2[e] }
    var (gu, gt) = ipm.constraintAdjoint(a)
    let ff = ipm.predictAdjoint(ipm.predict(du))
    for e in gu.indices { gu[e] += ff[e] }
    return (gu, gt)
  }

  /// Solves H Δx = r with the factorisation and at most `refine` steps of iterative refinement against H (only while
  /// the relative residual is above `tolerance`; a correction that does not lower it is dropped).
  mutating func solve(_ ru: [Double], _ rt: [Double], refine: Int = 1, tolerance: Double = 1e-11) -> (u: [Double], t: [Double]) {
    var x = solveOnce(ru, rt)
    solves += 1
    guard refine > 0 else { return x }
    let scale = Swift.max(ru.reduce(0) { Swift.max($0, abs($1)) }, rt.reduce(0) { Swift.max($0, abs($1)) }, 1e-300)
    var hx = apply(x.u, x.t)
    var eu = zip(ru, hx.u).map { $0 - $1 }, et = zip(rt, hx.t).map { $0 - $1 }
    var res = Swift.max(eu.reduce(0) { Swift.max($0, abs($1)) }, et.reduce(0) { Swift.max($0, abs($1)) }) / scale
    for _ in 0..<refine where res > tolerance {
      let c = solveOnce(eu, et)
      solves += 1
      let cu = zip(x.u, c.u).map { $0 + $1 }, ct = zip(x.t, c.t).map { $0 + $1 }
      hx = apply(cu, ct)
      let eu2 = zip(ru, hx.u).map { $0 - $1 }, et2 = zip(rt, hx.t).map { $0 - $1 }
      let res2 = Swift.max(eu2.reduce(0) { Swift.max($0, abs($1)) }, et2.reduce(0) { Swift.max($0, abs($1)) }) / scale
      guard res2 < res else { break }
      (x, eu, et, res) = ((cu, ct), eu2, et2, res2)
    }
    lastResidual = res
    return x
  }
}
