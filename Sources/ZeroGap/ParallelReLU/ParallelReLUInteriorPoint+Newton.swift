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
/// 3. Per branch, in the cheaper of two spaces (`ParallelReLUInteriorPoint.BranchSpace`):
///    - rows (n×n): `N_b = G C̃'⁻¹ Gᵀ`, `M_b = S2 N_b S2 + Ω2_b⁻¹` (equilibrated, Cholesky),
///      `G Ã_b⁻¹ Gᵀ = S2 Ñ_b M_b⁻¹ Ω2_b⁻¹ S2` (without the cancelling difference N − N S2M⁻¹S2N);
///    - weights (Kd×Kd, where n > 2P₁d makes that smaller): `Ã_b = C̃'_b + GᵀΩ2_bG` itself (equilibrated by Δ,
///      Cholesky LLᵀ), and `D2_b G Ã_b⁻¹ Gᵀ D2_b = ZZᵀ` with Z = G_aΔ⁻¹L⁻ᵀ on the active rows a of D2_b.
/// 4. Loss: `S = I + Σ_b D2_b (G Ã_b⁻¹ Gᵀ) D2_b` (equilibrated, Cholesky) and `H̃⁻¹ = Ã⁻¹ − Ã⁻¹FᵀS⁻¹FÃ⁻¹`.
///
/// The storage is allocated once (`init(ipm:)`) and reused by every step's `factor` (an interior-point solve makes
/// no per-step allocation here beyond the capacitance's growth to its largest size).
struct ParallelReLUNewtonSystem {
  let ipm: ParallelReLUInteriorPoint
  private(set) var eta: [Double] = [], w: [Double] = [], omega1: [Double] = [], omega2: [Double] = []
  /// Per block: c_tt, c_tu (d), ŵ (d), Lᵢ (d×d row-major, lower) with C̃'⁻¹ = LᵢᵀLᵢ, C̃' itself (d×d), and κ
  /// (+ γ where shifted).
  var ctt: [Double], ctu: [Double], what: [Double], li: [Double], cPrime: [Double], kappaShift: [Double]
  /// Per branch: the Cholesky factor of the equilibrated M_b (rows: n×n each) or Ã_b (weights: Kd×Kd each), and its
  /// equilibration.
  var mFactor: [Double], mScale: [Double]
  /// The factor of the equilibrated S and its equilibration.
  var sFactor: [Double], sScale: [Double]
  /// Scratch of `factor`: per chunk of branches a term of S and a failure flag, per chunk of blocks a failure flag.
  private var partialS: [Double], branchFailed: [Bool], blockFailed: [Bool], shiftFlags: [Bool]
  /// The shifted blocks, the factor of their equilibrated capacitance, and per shifted block j (n each) g_j = S2 G_j a_j
  /// (rows only), φ_j = FÃ⁻¹e_j and S⁻¹φ_j (`factorCapacitance`).
  var shifted: [Int] = [], capFactor: [Double] = [], capScale: [Double] = []
  var gv: [Double] = [], phi: [Double] = [], sphi: [Double] = []
  /// Solves and operator applications so far (for the measurements).
  var solves = 0, applications = 0
  /// The relative residual of the last solve.
  var lastResidual = 0.0
  /// Blocks per chunk of the d > 2 factor pass (a QR of (d + 1 + r₁) × d each: thousands of flops per block).
  static let qrGrain = 8

  enum Failure: Error { case notPositiveDefinite }

  /// The storage for `ipm`'s systems (factorised by `factor`).
  init(ipm: ParallelReLUInteriorPoint) {
    self.ipm = ipm
    let n = ipm.n, d = ipm.d, nBlocks = ipm.blockCount, B = ipm.branches
    ctt = [Double](repeating: 0, count: nBlocks)
    kappaShift = ctt
    ctu = [Double](repeating: 0, count: nBlocks * d)
    what = ctu
    li = [Double](repeating: 0, count: nBlocks * d * d)
    cPrime = li
    let order = ipm.branchOrder
    mFactor = [Double](repeating: 0, count: B * order * order)
    mScale = [Double](repeating: 0, count: B * order)
    sFactor = [Double](repeating: 0, count: n * n)
    sScale = [Double](repeating: 0, count: n)
    let workers = ParallelChunks.count(B, grain: ipm.factorGrain)
    partialS = [Double](repeating: 0, count: workers * n * n)
    branchFailed = [Bool](repeating: false, count: workers)
    blockFailed = [Bool](repeating: false, count: ParallelChunks.count(nBlocks, grain: ParallelReLUInteriorPoint.blockGrain))
    shiftFlags = [Bool](repeating: false, count: nBlocks)
  }

  /// The storage for `ipm`'s systems, factorised at one scaling (`factor`).
  init(ipm: ParallelReLUInteriorPoint, eta: [Double], w: [Double], omega1: [Double], omega2: [Double], regularisation: Double) throws(Failure) {
    self.init(ipm: ipm)
    try factor(eta: eta, w: w, omega1: omega1, omega2: omega2, regularisation: regularisation)
  }

  /// Factorises the system at a scaling, in the storage of earlier steps.
  /// - Parameters: eta, w: the NT scaling of every cone (η and w̄); omega1, omega2: z/s on the LP rows;
  ///   regularisation: ρ/γ added to C' (escalated by the caller when a factorisation breaks down).
  mutating func factor(eta: [Double], w: [Double], omega1: [Double], omega2: [Double], regularisation: Double) throws(Failure) {
    self.eta = eta
    self.w = w
    self.omega1 = omega1
    self.omega2 = omega2
    lastResidual = 0
    let d = ipm.d, q = d + 1, r1 = ipm.coneRows, nBlocks = ipm.blockCount
    let gamma = ipm.scale, reg = regularisation * gamma
    // Per block, on all cores: c_tt, c_tu, ŵ, κ (shifted when tiny) and, for d = 2, the closed-form factor Lᵢ, into
    // the storage (moved out of `self` for the pass, so that the closures capture no part of it).
    var ctt: [Double] = [], ctu: [Double] = [], what: [Double] = [], li: [Double] = [], cPrime: [Double] = [], kappaShift: [Double] = []
    var blockFailed: [Bool] = [], shiftFlags: [Bool] = []
    exchangePerBlock(&ctt, &ctu, &what, &li, &cPrime, &kappaShift, &blockFailed, &shiftFlags)
    for e in blockFailed.indices { blockFailed[e] = false }
    let pattern = ipm.firstPattern
    withMutablePointers(&ctt, &ctu, &what, &li) { cttP, ctuP, whatP, liP in
      withMutablePointers(&kappaShift) { kP in
        withMutablePointers(&cPrime) { cpP in
          blockFailed.withUnsafeMutableBufferPointer { fp in
            shiftFlags.withUnsafeMutableBufferPointer { sfp in
              let flags = SharedPointer(fp), shifts = SharedPointer(sfp)
              eta.withUnsafeBufferPointer { ep in
                w.withUnsafeBufferPointer { wp in
                  omega1.withUnsafeBufferPointer { op in
                    ipm.rows.withUnsafeBufferPointer { rp in
                      let etaP = SharedPointer(reading: ep), wP = SharedPointer(reading: wp)
                      let om1 = SharedPointer(reading: op), rowsP = SharedPointer(reading: rp)
                      ParallelChunks.forEach(nBlocks, grain: ParallelReLUInteriorPoint.blockGrain) { chunk, range in
                        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * (r1 + 4)) { columns in
                          let v0 = columns.baseAddress!, v1 = v0 + (r1 + 4)
                          for blk in range {
                            let ie2 = 1 / (etaP[blk] * etaP[blk]), w0 = wP[blk * q]
                            var nw = 0.0
                            for c in 0..<d { nw += wP[blk * q + 1 + c] * wP[blk * q + 1 + c] }
                            nw = nw.squareRoot()
                            for c in 0..<d { whatP[blk * d + c] = nw > 0 ? wP[blk * q + 1 + c] / nw : (c == 0 ? 1 : 0) }
                            let den = 2 * w0 * w0 - 1
                            cttP[blk] = ie2 * den
                            for c in 0..<d { ctuP[blk * d + c] = -2 * ie2 * w0 * wP[blk * q + 1 + c] }
                            let kappa = ie2 / den
                            let shift = kappa < 1e-2 * gamma
                            kP[blk] = shift ? kappa + gamma : kappa
                            shifts[blk] = shift
                            guard d == 2 else { continue }
                            // Columns (v0_p, v1_p) of the square-root factor
                            // V = [√η⁻²(I − ŵŵᵀ), √(κ + γ_shift) ŵ, R_iᵀ√Ω1, √ρ I]: ŵ⊥, the radial column, the rows, and
                            // √ρ I; a, b, c are VVᵀ's entries and det = Σ_{p<q} (v0_p v1_q − v0_q v1_p)² (Cauchy–Binet: a
                            // sum of squares, no cancellation).
                            let i = pattern[blk]
                            let h0 = whatP[blk * 2], h1 = whatP[blk * 2 + 1], rq = kP[blk].squareRoot(), ie = ie2.squareRoot()
                            var m = 0
                            func add(_ x0: Double, _ x1: Double) {
                              v0[m] = x0
                              v1[m] = x1
                              m += 1
                            }
                            add(-h1 * ie, h0 * ie)
                            add(rq * h0, rq * h1)
                            for r in 0..<r1 {
                              let o = om1[blk * r1 + r].squareRoot()
                              add(rowsP[(i * r1 + r) * 2] * o, rowsP[(i * r1 + r) * 2 + 1] * o)
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
                              flags[chunk] = true
                              return
                            }
                            // C' = [[a, b], [b, c]]; C'⁻¹ = [[c, −b], [−b, a]]/det = LᵢᵀLᵢ with the lower
                            // Lᵢ = [[1/√a, 0], [−b/√(a·det), √(a/det)]].
                            cpP[blk * 4] = a
                            cpP[blk * 4 + 1] = b
                            cpP[blk * 4 + 2] = b
                            cpP[blk * 4 + 3] = c
                            liP[blk * 4] = 1 / a.squareRoot()
                            liP[blk * 4 + 1] = 0
                            liP[blk * 4 + 2] = -b / (a * det).squareRoot()
                            liP[blk * 4 + 3] = (a / det).squareRoot()
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
    }
    shifted.removeAll(keepingCapacity: true)
    for blk in 0..<nBlocks where shiftFlags[blk] { shifted.append(blk) }
    var failed = blockFailed.contains(true)
    if d != 2 && !failed {
      // C' = VVᵀ and Lᵢ per block from a QR of Vᵀ, on all cores (a QR of (d + 1 + r₁) × d per block).
      let mv = d + 1 + r1 + (reg > 0 ? d : 0)
      var chunkFailed = [Bool](repeating: false, count: ParallelChunks.count(nBlocks, grain: Self.qrGrain))
      withMutablePointers(&li) { liP in
        withMutablePointers(&cPrime) { cpP in
          withPointers(what, kappaShift, omega1, eta) { whatP, kP, om1, etaP in
            withPointers(ipm.rows) { rowsP in
              pattern.withUnsafeBufferPointer { pp in
                chunkFailed.withUnsafeMutableBufferPointer { cf in
                  let flags = SharedPointer(cf), patternP = SharedPointer(reading: pp)
                  ParallelChunks.forEach(nBlocks, grain: Self.qrGrain) { chunk, range in
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: mv * d + 2 * d + d * d) { tmp in
                      let vt = tmp.baseAddress!, tau = vt + mv * d, r = tau + d, x = r + d * d
                      for blk in range {
                        let i = patternP[blk], ie2 = 1 / (etaP[blk] * etaP[blk]), rq = kP[blk].squareRoot()
                        // Vᵀ (mv × d, column-major): rows are V's columns.
                        for c in 0..<d {
                          for e in 0..<d { vt[e + c * mv] = ie2.squareRoot() * ((e == c ? 1 : 0) - whatP[blk * d + e] * whatP[blk * d + c]) }
                          vt[d + c * mv] = rq * whatP[blk * d + c]
                          for row in 0..<r1 { vt[d + 1 + row + c * mv] = rowsP[(i * r1 + row) * d + c] * om1[blk * r1 + row].squareRoot() }
                          if reg > 0 { for e in 0..<d { vt[d + 1 + r1 + e + c * mv] = e == c ? reg.squareRoot() : 0 } }
                        }
                        // C' = RᵀR (R upper, column-major d×d); Lᵢ = R⁻ᵀ, i.e. Lᵢ[e][c] = (R⁻¹)[c][e].
                        guard LAPACK.qrFactorR(vt, rows: mv, columns: d, tau: tau, into: r), (0..<d).allSatisfy({ abs(r[$0 + $0 * d]) > 0 }) else {
                          flags[chunk] = true
                          return
                        }
                        for e in 0..<d {
                          for f in 0..<d {
                            var sum = 0.0
                            for row in 0...Swift.min(e, f) { sum += r[row + e * d] * r[row + f * d] }
                            cpP[blk * d * d + e * d + f] = sum
                          }
                        }
                        for e in 0..<d {
                          // Column e of R⁻¹ by back substitution: R x = e_e.
                          for row in stride(from: d - 1, through: 0, by: -1) {
                            var s = row == e ? 1.0 : 0
                            for c in (row + 1)..<d { s -= r[row + c * d] * x[c] }
                            x[row] = s / r[row + row * d]
                          }
                          for c in 0..<d { liP[blk * d * d + e * d + c] = x[c] }
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
      failed = chunkFailed.contains(true)
    }
    exchangePerBlock(&ctt, &ctu, &what, &li, &cPrime, &kappaShift, &blockFailed, &shiftFlags)
    if failed { throw .notPositiveDefinite }
    try factorBranchesAndS()
    if !shifted.isEmpty { try factorCapacitance(gamma: gamma) }
  }

  /// The per-branch factors (in `ipm.branchSpace`) and the factor of S, from the per-block factors.
  private mutating func factorBranchesAndS() throws(Failure) {
    let n = ipm.n, d = ipm.d, K = ipm.vectorsPerBranch, B = ipm.branches, order = ipm.branchOrder

    // Per branch (in parallel): N_b, M_b's factor, and its contribution to S, into the storage (moved out as above).
    var mfArr: [Double] = [], msArr: [Double] = [], partialS: [Double] = [], branchFailed: [Bool] = []
    swap(&mfArr, &mFactor)
    swap(&msArr, &mScale)
    swap(&partialS, &self.partialS)
    swap(&branchFailed, &self.branchFailed)
    for e in partialS.indices { partialS[e] = 0 }
    for e in branchFailed.indices { branchFailed[e] = false }
    // Chunks of `factorGrain` branches (each a few LAPACK calls on n×n matrices) on all cores, one term of S each.
    // With the outer products of G, each chunk's N_b come from one GEMM over its branches.
    let workers = ParallelChunks.count(B, grain: ipm.factorGrain)
    let gLocal = ipm.g, liLocal = self.li, cpLocal = self.cPrime, signs = ipm.secondSigns, masks = ipm.secondMasks, om2 = omega2
    let inWeights = ipm.branchSpace == .weights, outer = inWeights ? [] : ipm.outerProducts
    let batched = !outer.isEmpty, terms = ipm.p1 * d * (d + 1) / 2, perChunk = (B + workers - 1) / workers
    mfArr.withUnsafeMutableBufferPointer { mfp in
      msArr.withUnsafeMutableBufferPointer { msp in
        partialS.withUnsafeMutableBufferPointer { psp in
          branchFailed.withUnsafeMutableBufferPointer { bfp in
            withPointers(gLocal.storage, liLocal, signs, masks) { gP, lP, sP, mP in
              withPointers(om2, outer, cpLocal) { oP, outerP, cpP in
                let branch = BranchFactor(n: n, d: d, vectorsPerBranch: K, g: gP, li: lP, signs: sP, masks: mP, omega2: oP)
                let weights = BranchWeightsFactor(n: n, d: d, vectorsPerBranch: K, g: gP, cPrime: cpP, masks: mP, omega2: oP)
                let mfBase = SharedPointer(mfp.baseAddress!), msBase = SharedPointer(msp.baseAddress!)
                let psBase = SharedPointer(psp.baseAddress!), bfBase = SharedPointer(bfp.baseAddress!)
                let workspace = inWeights ? weights.workspaceSize : branch.workspaceSize
                let scratch = workspace + (batched ? perChunk * (terms + n * n) : 0)
                ParallelChunks.forEach(B, grain: ipm.factorGrain) { chunk, range in
                  withUnsafeTemporaryAllocation(of: Double.self, capacity: scratch) { tmp in
                    let ws = tmp.baseAddress!, coefficients = ws + workspace, products = coefficients + perChunk * terms
                    if inWeights {
                      for b in range
                      where !weights.factor(
                        b, factor: mfBase.base + b * order * order, scale: msBase.base + b * order, s: psBase.base + chunk * n * n, workspace: ws)
                      {
                        bfBase.base[chunk] = true
                      }
                      return
                    }
                    if batched {
                      branch.outerCoefficients(range, into: coefficients)
                      RawBLAS.gemm(
                        .none, .none, m: n * n, n: range.count, k: terms, alpha: 1, outerP.base, lda: n * n, coefficients, ldb: terms,
                        beta: 0, products, ldc: n * n)
                    }
                    for b in range {
                      let given = batched ? UnsafePointer(products + (b - range.lowerBound) * n * n) : nil
                      if !branch.factor(b, products: given, factor: mfBase.base + b * n * n, scale: msBase.base + b * n, s: psBase.base + chunk * n * n, workspace: ws) {
                        bfBase.base[chunk] = true
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
    swap(&mfArr, &mFactor)
    swap(&msArr, &mScale)
    let anyFailed = branchFailed.contains(true)
    var s: [Double] = []
    swap(&s, &sFactor)
    for e in s.indices { s[e] = 0 }
    for worker in 0..<workers { for e in s.indices { s[e] += partialS[worker * n * n + e] } }
    swap(&partialS, &self.partialS)
    swap(&branchFailed, &self.branchFailed)
    for j in 0..<n {
      s[j + j * n] += 1
      sScale[j] = s[j + j * n].squareRoot()
    }
    for c in 0..<n { for r in c..<n { s[r + c * n] /= sScale[r] * sScale[c] } }  // the lower triangle: all the Cholesky reads
    let factored = !anyFailed && s.withUnsafeMutableBufferPointer({ LAPACK.potrfInPlace($0.baseAddress!, order: n) })
    swap(&s, &sFactor)
    guard factored else { throw .notPositiveDefinite }
  }

  /// Exchanges the per-block storage with the given arrays (O(1) each): `factor` moves it out for its parallel pass
  /// and back after it.
  private mutating func exchangePerBlock(
    _ ctt: inout [Double], _ ctu: inout [Double], _ what: inout [Double], _ li: inout [Double], _ cPrime: inout [Double],
    _ kappaShift: inout [Double], _ blockFailed: inout [Bool], _ shiftFlags: inout [Bool]
  ) {
    swap(&ctt, &self.ctt)
    swap(&ctu, &self.ctu)
    swap(&what, &self.what)
    swap(&li, &self.li)
    swap(&cPrime, &self.cPrime)
    swap(&kappaShift, &self.kappaShift)
    swap(&blockFailed, &self.blockFailed)
    swap(&shiftFlags, &self.shiftFlags)
  }

  /// One branch's part of the factorisation, on raw pointers (it runs on several threads at once):
  /// N_b = (G Lᵀ)(G Lᵀ)ᵀ with C̃'⁻¹ = LᵀL per block, M_b = S2 N_b S2 + Ω2_b⁻¹ equilibrated and factorised, and the
  /// branch's term of S, D2 (G Ã_b⁻¹ Gᵀ) D2 = D2 S2 Ñ_b M_b⁻¹Ω2_b⁻¹ S2 D2 (Ñ = S2 N S2), computed on the active rows a
  /// of D2 only: T = M_b⁻¹ Ω2_b⁻¹ E_a, Q = (Ñ T)_a (symmetrised).
  struct BranchFactor {
    let n: Int, d: Int, vectorsPerBranch: Int
    let g: SharedPointer<Double>, li: SharedPointer<Double>, signs: SharedPointer<Double>, masks: SharedPointer<Double>, omega2: SharedPointer<Double>

    /// Doubles of scratch per thread: G Lᵀ (n × Kd), Ñ, T and Ñ's active columns (n×n each), the active rows.
    var workspaceSize: Int { n * vectorsPerBranch * d + 3 * n * n + n }

    /// For the branches in `range`, the coefficients of N_b in the outer products of G
    /// (`ParallelReLUInteriorPoint.outerProducts`): column b − range.lowerBound, entry (i, t = (e, f)), is
    /// Σ_{k ∈ {i, i + P₁}} (C̃'⁻¹_bk)_ef with C̃'⁻¹ = LᵢᵀLᵢ.
    func outerCoefficients(_ range: Range<Int>, into coefficients: UnsafeMutablePointer<Double>) {
      let K = vectorsPerBranch, p1 = K / 2, pairs = d * (d + 1) / 2, li = li.base
      for b in range {
        let column = coefficients + (b - range.lowerBound) * p1 * pairs
        for i in 0..<p1 {
          var t = 0
          for e in 0..<d {
            for f in e..<d {
              var sum = 0.0
              for half in 0..<2 {
                let l = li + (b * K + i + half * p1) * d * d
                for r in f..<d { sum += l[r * d + e] * l[r * d + f] }
              }
              column[i * pairs + t] = sum
              t += 1
            }
          }
        }
      }
    }

    /// Factorises branch b into `factor` (n×n) and `scale` (n), adds its term to `s` (n×n); false when M_b is not
    /// positive definite. `products`: N_b when already formed (n×n), else it is formed here from G.
    func factor(
      _ b: Int, products: UnsafePointer<Double>?, factor mf: UnsafeMutablePointer<Double>, scale ms: UnsafeMutablePointer<Double>,
      s: UnsafeMutablePointer<Double>, workspace: UnsafeMutablePointer<Double>
    ) -> Bool {
      let K = vectorsPerBranch, kd = K * d, g = g.base, li = li.base, o = b * n
      let sg = signs.base + o, m2 = masks.base + o, om = omega2.base + o
      let gy = workspace, nt = gy + n * kd, t = nt + n * n, qt = t + n * n
      let active = qt + n * n
      if let given = products {
        for e in 0..<(n * n) { nt[e] = given[e] }
      } else {
        // GY[:, (k, e)] = Σ_{c ≤ e} G[:, (k, c)] Lᵢ[e][c]: per vector k, G_k (n×d) times the d×d array of Lᵢ read
        // column-major (entry (c, e) = Lᵢ[e][c], zero for c > e). N = GY GYᵀ (its lower triangle, then mirrored).
        for k in 0..<K {
          RawBLAS.gemm(.none, .none, m: n, n: d, k: d, alpha: 1, g + k * d * n, lda: n, li + (b * K + k) * d * d, ldb: d, beta: 0, gy + k * d * n, ldc: n)
        }
        RawBLAS.syrkLower(.none, n: n, k: kd, alpha: 1, gy, lda: n, beta: 0, nt, ldc: n)
        for c in 0..<n { for r in (c + 1)..<Swift.max(c + 1, n) { nt[c + r * n] = nt[r + c * n] } }
      }
      // Ñ = S2 N S2.
      for c in 0..<n { for r in 0..<n { nt[r + c * n] *= sg[r] * sg[c] } }
      for j in 0..<n { ms[j] = (nt[j + j * n] + 1 / om[j]).squareRoot() }
      for c in 0..<n {
        for r in 0..<n { mf[r + c * n] = (nt[r + c * n] + (r == c ? 1 / om[r] : 0)) / (ms[r] * ms[c]) }
      }
      guard LAPACK.potrfInPlace(mf, order: n) else { return false }
      let na = ParallelReLUNewtonSystem.activeRows(m2, count: n, into: active)
      guard na > 0 else { return true }
      for e in 0..<(n * na) { t[e] = 0 }
      for a in 0..<na {
        let j = Int(active[a])
        t[j + a * n] = (1 / om[j]) / ms[j]
      }
      LAPACK.potrsInPlace(UnsafePointer(mf), order: n, t, rightHandSides: na)
      for a in 0..<na { for r in 0..<n { t[r + a * n] /= ms[r] } }
      // Only the active rows of Ñ T enter S: (Ñ T)_{A,A} = Ñ_{:,A}ᵀ T (Ñ symmetric), na × na, into nt once its
      // active columns are gathered into qt.
      for a in 0..<na {
        let src = nt + Int(active[a]) * n, dst = qt + a * n
        for r in 0..<n { dst[r] = src[r] }
      }
      RawBLAS.gemm(.transpose, .none, m: na, n: na, k: n, alpha: 1, qt, lda: n, t, ldb: n, beta: 0, nt, ldc: na)
      for a in 0..<na {
        let c = Int(active[a])
        for a2 in 0..<na {
          let r = Int(active[a2])
          s[r + c * n] += 0.5 * (nt[a2 + a * na] + nt[a + a2 * na]) * sg[r] * sg[c]
        }
      }
      return true
    }
  }

  /// One branch's factorisation in the space of its weights (`BranchSpace.weights`), on raw pointers (it runs on
  /// several threads at once): Ã_b = C̃'_b + GᵀΩ2_bG (Kd×Kd; S2² = I) equilibrated, Δ⁻¹Ã_bΔ⁻¹ = LLᵀ, and the branch's
  /// term of S, D2_b G Ã_b⁻¹ Gᵀ D2_b = ZZᵀ with Z = G_aΔ⁻¹L⁻ᵀ over the active rows a of D2_b (E_b² = D2_b).
  struct BranchWeightsFactor {
    let n: Int, d: Int, vectorsPerBranch: Int
    let g: SharedPointer<Double>, cPrime: SharedPointer<Double>, masks: SharedPointer<Double>, omega2: SharedPointer<Double>

    /// Doubles of scratch per thread: √Ω2 G or Z (n × Kd), ZZᵀ (n×n), the active rows.
    var workspaceSize: Int { n * vectorsPerBranch * d + n * n + n }

    /// Factorises branch b into `factor` (Kd×Kd, lower) and `scale` (Kd), adds its term to `s` (n×n); false when Ã_b
    /// is not positive definite.
    func factor(
      _ b: Int, factor af: UnsafeMutablePointer<Double>, scale ds: UnsafeMutablePointer<Double>, s: UnsafeMutablePointer<Double>,
      workspace: UnsafeMutablePointer<Double>
    ) -> Bool {
      let K = vectorsPerBranch, kd = K * d, g = g.base, o = b * n
      let m2 = masks.base + o, om = omega2.base + o
      let z = workspace, zz = z + n * kd, active = zz + n * n
      for j in 0..<n { active[j] = om[j].squareRoot() }
      for c in 0..<kd { for j in 0..<n { z[j + c * n] = active[j] * g[j + c * n] } }
      RawBLAS.syrkLower(.transpose, n: kd, k: n, alpha: 1, z, lda: n, beta: 0, af, ldc: kd)
      for k in 0..<K {
        let cp = cPrime.base + (b * K + k) * d * d, o = k * d
        for f in 0..<d { for e in f..<d { af[(o + e) + (o + f) * kd] += cp[e * d + f] } }
      }
      for i in 0..<kd {
        let v = af[i + i * kd]
        guard v > 0, v.isFinite else { return false }
        ds[i] = v.squareRoot()
      }
      for c in 0..<kd { for r in c..<kd { af[r + c * kd] /= ds[r] * ds[c] } }
      guard LAPACK.potrfInPlace(af, order: kd) else { return false }
      let na = ParallelReLUNewtonSystem.activeRows(m2, count: n, into: active)
      guard na > 0 else { return true }
      // Z = G_a Δ⁻¹ L⁻ᵀ (na × Kd), then ZZᵀ.
      for c in 0..<kd {
        let f = 1 / ds[c], column = g + c * n, out = z + c * na
        for a in 0..<na { out[a] = column[Int(active[a])] * f }
      }
      RawBLAS.solveRightLowerTransposed(rows: na, order: kd, UnsafePointer(af), z, ldb: na)
      RawBLAS.syrkLower(.none, n: na, k: kd, alpha: 1, z, lda: na, beta: 0, zz, ldc: na)
      // Into S's lower triangle (the only part its Cholesky reads): the active rows ascend, so a2 ≥ a is r ≥ c.
      for a in 0..<na {
        let c = Int(active[a])
        for a2 in a..<na { s[Int(active[a2]) + c * n] += zz[a2 + a * na] }
      }
      return true
    }
  }

  /// The rows j < n of a branch's D2 mask that are active, written (as Doubles, into a workspace of doubles) to
  /// `active`; returns their count.
  @inline(__always)
  static func activeRows(_ mask: UnsafePointer<Double>, count n: Int, into active: UnsafeMutablePointer<Double>) -> Int {
    var na = 0
    for j in 0..<n where mask[j] != 0 {
      active[na] = Double(j)
      na += 1
    }
    return na
  }

  /// The capacitance `Γ⁻¹ − EᵀH̃⁻¹E` of the radial shift, from n-vectors only:
  /// a_j = C̃_j⁻¹ŵ_j, g_j = S2 G_j a_j, φ_j = FÃ⁻¹e_j = E_b Ω2_b⁻¹ M_b⁻¹g_j,
  /// e_iᵀH̃⁻¹e_j = [same branch](δ_ij ŵ_i·a_j − g_iᵀM_b⁻¹g_j) − φ_iᵀS⁻¹φ_j.
  private mutating func factorCapacitance(gamma: Double) throws(Failure) {
    let n = ipm.n, d = ipm.d, K = ipm.vectorsPerBranch, m = shifted.count
    // Each shifted block's branch, divided out once (m² integer divisions cost more than the m×m loop's arithmetic).
    let branchOf = shifted.map { $0 / K }
    // φ_j = FÃ⁻¹e_j (n each) and, within a branch, e_iᵀÃ⁻¹e_j.
    var phis = [Double](repeating: 0, count: m * n), inBranch = [Double](repeating: 0, count: m * m)
    var gvs: [Double] = []
    if ipm.branchSpace == .rows {
      // e_iᵀÃ⁻¹e_j = δ_ij ŵ_i·a_j − g_iᵀM_b⁻¹g_j.
      gvs = phis
      var mg = phis, a = [Double](repeating: 0, count: d)
      for (idx, blk) in shifted.enumerated() {
        let b = branchOf[idx], k = blk % K, o = idx * n
        for c in 0..<d { a[c] = what[blk * d + c] }
        a.withUnsafeMutableBufferPointer { applyCInverse($0.baseAddress! - blk * d, blocks: blk..<(blk + 1)) }
        for c in 0..<d { inBranch[idx + idx * m] += what[blk * d + c] * a[c] }
        for c in 0..<d where a[c] != 0 { for j in 0..<n { gvs[o + j] += a[c] * ipm.g[j, k * d + c] } }
        for j in 0..<n {
          gvs[o + j] *= ipm.secondSigns[b * n + j]
          mg[o + j] = gvs[o + j]
        }
        mg.withUnsafeMutableBufferPointer { solveBranch(b, $0.baseAddress! + o) }
        for j in 0..<n { phis[o + j] = ipm.lossWeights[b * n + j] * mg[o + j] / omega2[b * n + j] }
      }
      var gmg = [Double](repeating: 0, count: m * m)
      gvs.withUnsafeBufferPointer { gp in
        mg.withUnsafeBufferPointer { mp in
          gmg.withUnsafeMutableBufferPointer { op in
            RawBLAS.gemm(.transpose, .none, m: m, n: m, k: n, alpha: 1, gp.baseAddress!, lda: n, mp.baseAddress!, ldb: n, beta: 0, op.baseAddress!, ldc: m)
          }
        }
      }
      for c in 0..<m { for r in 0..<m where branchOf[r] == branchOf[c] { inBranch[r + c * m] -= gmg[r + c * m] } }
    } else {
      // a_j = Ã_b⁻¹e_j (the branch's Kd coordinates), e_iᵀÃ⁻¹e_j = ŵ_i·(a_j)_i, φ_j = E_b G a_j.
      let kd = K * d
      var a = [Double](repeating: 0, count: m * kd), ga = [Double](repeating: 0, count: n)
      for (idx, blk) in shifted.enumerated() {
        let b = branchOf[idx], slot = (blk % K) * d, o = idx * kd
        for c in 0..<d { a[o + slot + c] = what[blk * d + c] }
        a.withUnsafeMutableBufferPointer { solveBranch(b, $0.baseAddress! + o) }
        ipm.g.storage.withUnsafeBufferPointer { gp in
          a.withUnsafeBufferPointer { ap in
            ga.withUnsafeMutableBufferPointer { op in
              RawBLAS.gemv(.none, m: n, n: kd, alpha: 1, gp.baseAddress!, lda: n, ap.baseAddress! + o, beta: 0, op.baseAddress!)
            }
          }
        }
        for j in 0..<n { phis[idx * n + j] = ipm.lossWeights[b * n + j] * ga[j] }
      }
      for c in 0..<m {
        for r in 0..<m where branchOf[r] == branchOf[c] {
          let blk = shifted[r], slot = (blk % K) * d
          var v = 0.0
          for e in 0..<d { v += what[blk * d + e] * a[c * kd + slot + e] }
          inBranch[r + c * m] = v
        }
      }
    }
    // S⁻¹φ for all shifted blocks at once, and φᵀS⁻¹φ (one GEMM over the n-vectors).
    var sphis = phis
    solveS(&sphis, columns: m)
    var pp = [Double](repeating: 0, count: m * m)
    phis.withUnsafeBufferPointer { fp in
      sphis.withUnsafeBufferPointer { sp in
        pp.withUnsafeMutableBufferPointer { op in
          RawBLAS.gemm(.transpose, .none, m: m, n: m, k: n, alpha: 1, fp.baseAddress!, lda: n, sp.baseAddress!, ldb: n, beta: 0, op.baseAddress!, ldc: m)
        }
      }
    }
    // Γ⁻¹ − EᵀH̃⁻¹E with e_iᵀH̃⁻¹e_j = [same branch] e_iᵀÃ⁻¹e_j − φ_iᵀS⁻¹φ_j (symmetrised).
    var cap = [Double](repeating: 0, count: m * m)
    for c in 0..<m {
      for r in 0..<m {
        let e = 0.5 * (inBranch[r + c * m] + inBranch[c + r * m]) - 0.5 * (pp[r + c * m] + pp[c + r * m])
        cap[r + c * m] = (r == c ? 1 / gamma : 0) - e
      }
    }
    capScale = (0..<m).map { abs(cap[$0 + $0 * m]).squareRoot() }
    guard capScale.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw .notPositiveDefinite }
    for c in 0..<m { for r in 0..<m { cap[r + c * m] /= capScale[r] * capScale[c] } }
    guard cap.withUnsafeMutableBufferPointer({ LAPACK.potrfInPlace($0.baseAddress!, order: m) }) else { throw .notPositiveDefinite }
    capFactor = cap
    gv = gvs
    phi = phis
    sphi = sphis
  }

  // MARK: Solves

  /// Runs `body` over chunks of the blocks on all cores (a few tens of flops per block).
  func overBlocks(_ body: @Sendable (_ blocks: Range<Int>) -> Void) {
    ParallelChunks.forEach(ipm.blockCount, grain: ParallelReLUInteriorPoint.blockGrain) { _, range in body(range) }
  }

  /// `solveBranch` applied in place to every branch's m = `branchOrder` entries of x (m×B: M_b⁻¹ in rows, Ã_b⁻¹ in
  /// weights), each branch's entries first multiplied by `before` and then by `after` (m×B each, nil: 1), on all cores.
  func solveBranches(_ x: inout [Double], before: [Double]? = nil, after: [Double]? = nil) {
    let n = ipm.branchOrder, none = [1.0]
    (before ?? none).withUnsafeBufferPointer { bp in
      (after ?? none).withUnsafeBufferPointer { ap in
        x.withUnsafeMutableBufferPointer { xp in
          let pre = SharedPointer(reading: bp), post = SharedPointer(reading: ap), shared = SharedPointer(xp)
          let scaleBefore = before != nil, scaleAfter = after != nil
          ParallelChunks.forEach(ipm.branches, grain: ipm.solveGrain) { _, range in
            for b in range {
              let o = b * n
              if scaleBefore { for j in 0..<n { shared[o + j] *= pre[o + j] } }
              solveBranch(b, shared.base + o)
              if scaleAfter { for j in 0..<n { shared[o + j] *= post[o + j] } }
            }
          }
        }
      }
    }
  }

  /// C̃'⁻¹ applied in place to the given blocks of the vector at `r` (d entries per block, block-major).
  func applyCInverse(_ r: UnsafeMutablePointer<Double>, blocks: Range<Int>) {
    let d = ipm.d
    li.withUnsafeBufferPointer { lp in
      if d == 2 {
        for blk in blocks {
          let o = blk * 2, lo = blk * 4
          let v0 = lp[lo] * r[o], v1 = lp[lo + 2] * r[o] + lp[lo + 3] * r[o + 1]
          r[o] = lp[lo] * v0 + lp[lo + 2] * v1
          r[o + 1] = lp[lo + 3] * v1
        }
        return
      }
      withUnsafeTemporaryAllocation(of: Double.self, capacity: d) { v in
        for blk in blocks {
          let o = blk * d, lo = blk * d * d
          for e in 0..<d {
            var s = 0.0
            for c in 0...e { s += lp[lo + e * d + c] * r[o + c] }
            v[e] = s
          }
          for c in 0..<d {
            var s = 0.0
            for e in c..<d { s += lp[lo + e * d + c] * v[e] }
            r[o + c] = s
          }
        }
      }
    }
  }

  /// The inverse of branch b's factorised matrix applied in place: M_b⁻¹x (rows; x has n entries) or Ã_b⁻¹x
  /// (weights; x has Kd entries).
  func solveBranch(_ b: Int, _ x: UnsafeMutablePointer<Double>) {
    let n = ipm.branchOrder
    mScale.withUnsafeBufferPointer { sp in
      for j in 0..<n { x[j] /= sp[b * n + j] }
      mFactor.withUnsafeBufferPointer { mp in RawBLAS.choleskySolve(mp.baseAddress! + b * n * n, order: n, x) }
      for j in 0..<n { x[j] /= sp[b * n + j] }
    }
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

  /// H⁻¹r in two passes over the branches (one product with G and two with Gᵀ in all). With Ã the block-diagonal and
  /// second-layer part (t eliminated), y₁ = Ã⁻¹r, w₁ = S⁻¹Fy₁, the radial-shift coefficients
  /// e = Cap⁻¹(Eᵀy₁ − Φᵀw₁) (Φ = FÃ⁻¹E) and w₂ = w₁ + S⁻¹Φe:
  ///
  ///     H⁻¹r = y₁ + Ã⁻¹(Ee − Fᵀw₂),
  ///
  /// where both Ã⁻¹ products use `I − N_b S2 M_b⁻¹ S2 = S2 Ω2_b⁻¹ M_b⁻¹ S2` (no cancelling difference): per branch,
  /// with h_b = G C̃'⁻¹r′_b and m_b = M_b⁻¹S2 h_b, y₁ = C̃'⁻¹(r′ − Gᵀ(S2 m)) and Fy₁ = Σ_b E_b Ω2_b⁻¹ m_b; and
  /// Ã⁻¹(Ee − Fᵀw₂) = C̃'⁻¹(Ee − Gᵀc) with c_b = S2 M_b⁻¹(Σ_{j∈b} e_j g_j + E_b Ω2_b⁻¹ w₂).
  func solveOnce(_ ru: [Double], _ rt: [Double]) -> (u: [Double], t: [Double]) {
    if ipm.branchSpace == .weights { return solveOnceInWeights(ru, rt) }
    let n = ipm.n, d = ipm.d, B = ipm.branches, K = ipm.vectorsPerBranch
    let negatedSigns = ipm.secondSigns.map { -$0 }
    // r′ = r_u − c_tu r_t / c_tt (t eliminated), y = C̃'⁻¹r′.
    var y = eliminatingT(ru, rt, thenApplyCInverse: true)
    var h = ipm.hidden(y)
    var fy = [Double](repeating: 0, count: n)
    solveBranches(&h, before: ipm.secondSigns)
    for b in 0..<B {
      let o = b * n
      for j in 0..<n {
        fy[j] += ipm.lossWeights[o + j] * h[o + j] / omega2[o + j]
        h[o + j] *= ipm.secondSigns[o + j]
      }
    }
    var corr = ipm.hiddenAdjoint(h)
    corr.withUnsafeMutableBufferPointer { cp in
      y.withUnsafeMutableBufferPointer { yp in
        let cb = SharedPointer(cp), yb = SharedPointer(yp)
        overBlocks { range in
          applyCInverse(cb.base, blocks: range)
          for e in (range.lowerBound * d)..<(range.upperBound * d) { yb[e] -= cb[e] }
        }
      }
    }
    // w₁ = S⁻¹Fy₁, the shift coefficients, w₂.
    let coef = shiftCoefficients(y, w: &fy)
    // c_b = S2 M_b⁻¹(Σ_{j∈b} e_j g_j + E_b Ω2_b⁻¹ w₂).
    var c = [Double](repeating: 0, count: B * n)
    for b in 0..<B { for j in 0..<n { c[b * n + j] = ipm.lossWeights[b * n + j] * fy[j] / omega2[b * n + j] } }
    for (idx, blk) in shifted.enumerated() {
      let o = (blk / K) * n
      for j in 0..<n { c[o + j] += coef[idx] * gv[idx * n + j] }
    }
    solveBranches(&c, after: negatedSigns)
    var y2 = ipm.hiddenAdjoint(c)
    for (idx, blk) in shifted.enumerated() { for e in 0..<d { y2[blk * d + e] += coef[idx] * what[blk * d + e] } }
    return summingAndRecoveringT(y, y2, rt, applyingCInverse: true)
  }

  /// `solveOnce` with the branches factorised in the space of their weights (the same formula, Ã_b⁻¹ from its
  /// factor): y₁ = Ã⁻¹r′, w₁ = S⁻¹Fy₁, the shift coefficients e and w₂, and H⁻¹r = y₁ + Ã⁻¹(Ee − Fᵀw₂).
  private func solveOnceInWeights(_ ru: [Double], _ rt: [Double]) -> (u: [Double], t: [Double]) {
    let d = ipm.d
    var y = eliminatingT(ru, rt, thenApplyCInverse: false)
    solveBranches(&y)
    var fy = ipm.predict(y)
    let coef = shiftCoefficients(y, w: &fy)
    var y2 = ipm.predictAdjoint(fy)
    for e in y2.indices { y2[e] = -y2[e] }
    for (idx, blk) in shifted.enumerated() { for e in 0..<d { y2[blk * d + e] += coef[idx] * what[blk * d + e] } }
    solveBranches(&y2)
    return summingAndRecoveringT(y, y2, rt, applyingCInverse: false)
  }

  /// r′ = r_u − c_tu r_t / c_tt per block (t eliminated), then C̃'⁻¹r′ when asked.
  private func eliminatingT(_ ru: [Double], _ rt: [Double], thenApplyCInverse: Bool) -> [Double] {
    let d = ipm.d
    var y = ru
    y.withUnsafeMutableBufferPointer { yp in
      let yb = SharedPointer(yp)
      overBlocks { range in
        for blk in range where rt[blk] != 0 {
          let f = rt[blk] / ctt[blk]
          for c in 0..<d { yb[blk * d + c] -= ctu[blk * d + c] * f }
        }
        if thenApplyCInverse { applyCInverse(yb.base, blocks: range) }
      }
    }
    return y
  }

  /// The radial shift's coefficients e = Cap⁻¹(Eᵀy₁ − Φᵀw₁), with w = Fy₁ on entry and w₂ = w₁ + S⁻¹Φe on return.
  private func shiftCoefficients(_ y: [Double], w fy: inout [Double]) -> [Double] {
    let n = ipm.n, d = ipm.d, m = shifted.count
    solveS(&fy, columns: 1)
    var coef = [Double](repeating: 0, count: m)
    guard m > 0 else { return coef }
    for (idx, blk) in shifted.enumerated() {
      var s = 0.0
      for c in 0..<d { s += y[blk * d + c] * what[blk * d + c] }
      for j in 0..<n { s -= phi[idx * n + j] * fy[j] }
      coef[idx] = s / capScale[idx]
    }
    capFactor.withUnsafeBufferPointer { cp in
      coef.withUnsafeMutableBufferPointer { ep in LAPACK.potrsInPlace(cp.baseAddress!, order: m, ep.baseAddress!, rightHandSides: 1) }
    }
    for idx in 0..<m {
      coef[idx] /= capScale[idx]
      for j in 0..<n { fy[j] += coef[idx] * sphi[idx * n + j] }
    }
    return coef
  }

  /// u = y + (C̃'⁻¹ when asked) y₂ and t = (r_t − c_tuᵀu)/c_tt per block.
  private func summingAndRecoveringT(_ y: [Double], _ y2: [Double], _ rt: [Double], applyingCInverse: Bool) -> (u: [Double], t: [Double]) {
    let d = ipm.d
    var y = y, y2 = y2
    var t = [Double](repeating: 0, count: ipm.blockCount)
    y2.withUnsafeMutableBufferPointer { y2p in
      y.withUnsafeMutableBufferPointer { yp in
        t.withUnsafeMutableBufferPointer { tp in
          let y2b = SharedPointer(y2p), yb = SharedPointer(yp), tb = SharedPointer(tp)
          overBlocks { range in
            if applyingCInverse { applyCInverse(y2b.base, blocks: range) }
            for blk in range {
              var s = rt[blk]
              for e in 0..<d {
                yb[blk * d + e] += y2b[blk * d + e]
                s -= ctu[blk * d + e] * yb[blk * d + e]
              }
              tb[blk] = s / ctt[blk]
            }
          }
        }
      }
    }
    return (y, t)
  }

  /// H(x) = FᵀFx_u + AᵀW⁻²Ax, with one product with G and one with Gᵀ (the second-layer and loss terms share them).
  mutating func apply(_ du: [Double], _ dt: [Double]) -> (u: [Double], t: [Double]) {
    applications += 1
    let n = ipm.n, B = ipm.branches
    var a = ipm.constraintMap(du, dt, signed: false)
    let q = ipm.d + 1, r1 = ipm.coneRows
    // W⁻² on the cones (in place: each entry of W⁻²x needs only its own entry of x and Jw̄ᵀx), Ω1 on the rows.
    a.cone.withUnsafeMutableBufferPointer { cp in
      a.first.withUnsafeMutableBufferPointer { fp in
        withPointers(eta, w, omega1) { etaP, wb, om1 in
          let cone = SharedPointer(cp), first = SharedPointer(fp)
          overBlocks { range in
            for blk in range {
              SecondOrderCone.applyInverseSquare(eta: etaP[blk], wb.base + blk * q, cone.base + blk * q, q, into: cone.base + blk * q)
            }
            for e in (range.lowerBound * r1)..<(range.upperBound * r1) { first[e] *= om1[e] }
          }
        }
      }
    }
    // a.second holds h = Gu (unsigned): S2ᵀΩ2S2 h + Eᵀ(Fu), F u = Σ_b E_b h_b.
    var fu = [Double](repeating: 0, count: n)
    for b in 0..<B { for j in 0..<n { fu[j] += ipm.lossWeights[b * n + j] * a.second[b * n + j] } }
    for b in 0..<B {
      for j in 0..<n { a.second[b * n + j] = omega2[b * n + j] * a.second[b * n + j] + ipm.lossWeights[b * n + j] * fu[j] }
    }
    return ipm.constraintAdjoint(a, signed: false)
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
