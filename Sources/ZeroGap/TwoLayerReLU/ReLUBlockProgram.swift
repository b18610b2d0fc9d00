/// The exact two-layer ReLU program C-ReLU (§3.3) as a `GroupSparseProgram` with B = 2P signed blocks u_b ∈ R^d
/// (`BlockLayout`; the gated program C-GReLU is `GatedReLUProgram`, which needs no n×B products):
///
///     min_U  ℓ( Σ_b σ_b D_b X u_b , y ) + β Σ_b ‖u_b‖₂        s.t. (2D_b − I) X u_b ≥ 0
///
/// U is d×B (column b = u_b), masks are n×B (column b = diag D_b), σ_b = ±1. The lift is one GEMM, P = XU (n×B);
/// `𝒜(P) = rowsum(σ ⊙ M ⊙ P)`, `𝒞(P) = S ⊙ P` with S = 2M − 1, so `𝒜ᵀg + 𝒞ᵀΛ = σ ⊙ M ⊙ g1ᵀ + S ⊙ Λ` and ‖𝒞‖ = 1.
/// The network of U is the true ReLU network (neuron u_b, output weight σ_b‖u_b‖, §3.3): its prediction
/// `rowsum(σ ⊙ (XU)_+)` equals 𝒜(P) on cone-feasible blocks. Its exact pricing oracle solves each block's cone
/// maximum by NNLS (`ConePricer`).
struct ReLUBlockProgram: PricedProgram {
  let x: Matrix
  let targets: [Double]
  let masks: Matrix
  let signs: [Double]
  let beta: Double
  let loss: SolverLoss
  /// Repairs points of the constrained program that left their cones (nil: such points are not usable).
  let cones: ConeRepair?
  /// ‖X‖₂² (the multiplier polish and ADMM need it; ‖X‖_F² when data-parallel).
  let liftNormSquared: Double
  /// The sampled patterns by their bits and the block layout: when set, `repair` first moves each block to the
  /// column of the pattern it realises (used by ADMM, whose iterates often realise a neighbouring sampled pattern).
  var patternIndex: (index: PatternTable, layout: BlockLayout)? = nil

  init(x: Matrix, targets: [Double], masks: Matrix, signs: [Double], beta: Double, loss: SolverLoss, cones: ConeRepair?) {
    self.x = x
    self.targets = targets
    self.masks = masks
    self.signs = signs
    self.beta = beta
    self.loss = loss
    self.cones = cones
    if loss.rows.isDistributed {
      // ‖X‖₂² ≤ ‖X‖_F², a sum over the rows.
      liftNormSquared = Swift.max(loss.rows.sum(x.frobeniusNorm * x.frobeniusNorm), 1e-300)
    } else {
      let s = (try? x.spectralNorm()) ?? x.frobeniusNorm
      liftNormSquared = Swift.max(s * s, 1e-300)
    }
  }

  var isConstrained: Bool { true }

  var n: Int { x.rows }
  var d: Int { x.columns }
  var blocks: Int { masks.columns }
  var sampleCount: Int { x.rows }
  var blockSize: Int { x.columns }
  var blockCount: Int { masks.columns }
  var productShape: (rows: Int, columns: Int) { (x.rows, masks.columns) }
  var constraintShape: (rows: Int, columns: Int) { (x.rows, masks.columns) }

  /// ‖Xᵀ∇ℓ(0)‖.
  var initialGradientScale: Double {
    x.multiply(loss.dualPoint([Double](repeating: 0, count: n), targets), trans: .transpose).norm2
  }

  func lift(_ u: Matrix, into p: inout Matrix) { p.gemm(x, u) }

  func liftAdjoint(_ t: Matrix, into g: inout Matrix, alpha: Double, accumulate: Bool) {
    guard loss.rows.isDistributed else { return g.gemm(x, t, transA: .transpose, alpha: alpha, beta: accumulate ? 1 : 0) }
    // Xᵀ(·) is a sum over the rows: this process's share, summed over the processes (one allreduce of d×B).
    var share = Matrix(rows: g.rows, columns: g.columns)
    share.gemm(x, t, transA: .transpose, alpha: alpha)
    loss.rows.sum(&share)
    if accumulate { g.add(share) } else { g = share }
  }

  /// Runs a pass over the n×B entries by rows, in parallel chunks when large (`ParallelChunks.overRows`: these
  /// elementwise passes cost about as much as the GEMMs at large n).
  func overRows(_ body: @Sendable (_ rows: Range<Int>) -> Void) { ParallelChunks.overRows(n, width: blocks, body) }

  /// ŷ = rowsum(σ ⊙ M ⊙ P).
  func predict(_ p: Matrix, into yhat: inout [Double]) {
    let n = self.n, B = blocks
    masks.withUnsafeBufferPointer { m in
      p.withUnsafeBufferPointer { a in
        signs.withUnsafeBufferPointer { sg in
          yhat.withUnsafeMutableBufferPointer { o in
            let (mp, ap, sp, out) = (SharedPointer(reading: m), SharedPointer(reading: a), SharedPointer(reading: sg), SharedPointer(o))
            overRows { rows in
              for j in rows { out[j] = 0 }
              for b in 0..<B {
                let sb = sp[b]
                for j in rows { out[j] += sb * mp[j + b * n] * ap[j + b * n] }
              }
            }
          }
        }
      }
    }
  }

  /// 𝒞(P) = S ⊙ P.
  func constraints(_ p: Matrix, into c: inout Matrix) {
    let n = self.n, B = blocks
    masks.withUnsafeBufferPointer { m in
      p.withUnsafeBufferPointer { a in
        c.withUnsafeMutableBufferPointer { o in
          let (mp, ap, out) = (SharedPointer(reading: m), SharedPointer(reading: a), SharedPointer(o))
          overRows { rows in
            for b in 0..<B {
              for j in rows { out[j + b * n] = (2 * mp[j + b * n] - 1) * ap[j + b * n] }
            }
          }
        }
      }
    }
  }

  /// T = scale·σ ⊙ M ⊙ g1ᵀ + S ⊙ Λ.
  func adjoint(_ g: [Double], scale: Double, multipliers: Matrix?, into t: inout Matrix) {
    let n = self.n, B = blocks
    let lam = multipliers ?? Matrix(rows: 0, columns: 0)
    masks.withUnsafeBufferPointer { m in
      g.withUnsafeBufferPointer { gb in
        signs.withUnsafeBufferPointer { sg in
          lam.withUnsafeBufferPointer { l in
            t.withUnsafeMutableBufferPointer { tb in
              let (mp, gp, sp, tp) = (SharedPointer(reading: m), SharedPointer(reading: gb), SharedPointer(reading: sg), SharedPointer(tb))
              let lp = l.isEmpty ? nil : SharedPointer(reading: l)
              overRows { rows in
                for b in 0..<B {
                  let sb = scale * sp[b]
                  for j in rows { tp[j + b * n] = sb * mp[j + b * n] * gp[j] }
                  if let lp {
                    for j in rows { tp[j + b * n] += (2 * mp[j + b * n] - 1) * lp[j + b * n] }
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// T = σ ⊙ M ⊙ v + S ⊙ Γ (v = −∇ℓ): the right-hand side whose columns bound the cone maxima,
  /// ‖Xᵀ T_b‖ ≥ max{σ_b vᵀD_bXu : u ∈ K_b, ‖u‖ ≤ 1} for any Γ ≥ 0 (§3.5, conic duality).
  func certificateRHS(lossGrad: [Double], gamma: Matrix, into t: inout Matrix) {
    adjoint(lossGrad, scale: -1, multipliers: gamma, into: &t)
  }

  /// ŷ = rowsum(σ ⊙ (P)_+): the true ReLU network of the blocks.
  func networkPrediction(_ p: Matrix, into yhat: inout [Double]) {
    let n = self.n, B = blocks
    p.withUnsafeBufferPointer { a in
      signs.withUnsafeBufferPointer { sg in
        yhat.withUnsafeMutableBufferPointer { o in
          let (ap, sp, out) = (SharedPointer(reading: a), SharedPointer(reading: sg), SharedPointer(o))
          overRows { rows in
            for j in rows { out[j] = 0 }
            for b in 0..<B {
              let sb = sp[b]
              for j in rows { out[j] += sb * Swift.max(0, ap[j + b * n]) }
            }
          }
        }
      }
    }
  }

  func isFeasible(_ p: Matrix) -> Bool { ConeRepair.isFeasible(xu: p, masks: masks, rows: loss.rows) }

  /// The blocks of U with a nonzero entry (a zero block lies in its cone and adds nothing to the network).
  static func nonzeroBlocks(_ u: Matrix) -> [Int] { (0..<u.columns).filter { b in (0..<u.rows).contains { u[$0, b] != 0 } } }

  /// `max_b max_j (−S_b X u_b)_j` over the nonzero blocks only: n × |nonzero| products instead of n × B.
  func constraintViolation(_ u: Matrix) -> Double {
    let nonzero = Self.nonzeroBlocks(u)
    return ConeRepair.violation(xu: Matrix.product(x, u.columns(nonzero)), masks: masks.columns(nonzero), rows: loss.rows)
  }

  /// `repairedObjective` over the nonzero blocks only (their products, masks and gates: n × |nonzero|, where column
  /// generation's merged points have a few dozen nonzero blocks of hundreds or thousands); with a pattern index
  /// (ADMM's pattern moves, which look at every block) over all blocks.
  func repairedObjective(_ u: inout Matrix) -> Double? {
    guard patternIndex == nil else { return repairedObjectiveOverAllBlocks(&u) }
    let nonzero = Self.nonzeroBlocks(u)
    guard
      let p = ConeRepair.repairing(
        &u, blocks: nonzero, x: x, masks: masks.columns(nonzero), gates: cones?.gates.columns(nonzero), rows: loss.rows)?.products
    else { return nil }
    // ŷ = Σ_b σ_b (X u_b)_+ over the nonzero blocks.
    var yhat = [Double](repeating: 0, count: n)
    for (q, b) in nonzero.enumerated() {
      let sb = signs[b]
      for j in 0..<n { yhat[j] += sb * Swift.max(0, p[j, q]) }
    }
    return loss.value(yhat, targets) + beta * groupNormSum(u)
  }

  func repair(_ u: inout Matrix, products p: inout Matrix) -> Bool {
    guard !ConeRepair.isFeasible(xu: p, masks: masks, rows: loss.rows) else { return true }
    if let patternIndex {
      var moved = Matrix(rows: d, columns: blocks)
      if movesToRealisedPatterns(p, u, into: &moved, patternIndex: patternIndex.index, layout: patternIndex.layout) {
        u = moved
        lift(u, into: &p)
        return true
      }
    }
    guard let cones else { return false }
    cones.repair(&u, xu: &p)
    return true
  }

  /// Moves each nonzero block of U to the column of its realised pattern 1[X u_b ≥ 0] (same sign half), merging
  /// blocks that land on the same column (the ReLU network is unchanged and the penalty can only fall). False if
  /// some realised pattern is not sampled.
  func movesToRealisedPatterns(_ xz: Matrix, _ z: Matrix, into out: inout Matrix, patternIndex: PatternTable, layout: BlockLayout) -> Bool {
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
            guard let i = patternIndex.index(of: { j in q[j + b * n] >= 0 }) else {
              ok = false
              return
            }
            let col = layout.block(pattern: i, sign: signs[b])
            for r in 0..<d { o[r + col * d] += zp[r + b * d] }
          }
        }
      }
    }
    return ok
  }

  /// Largest cone violation `max (−S ⊙ XU)_+` of blocks U (d×B).
  func coneViolation(of u: Matrix) -> Double { ConeRepair.violation(xu: Matrix.product(x, u), masks: masks, rows: loss.rows) }

  /// Γ = S ⊙ (T − σ ⊙ M ⊙ v) from a certificate right-hand side T (the multipliers inside it; S² = 1).
  func multipliers(inRHS t: Matrix, lossGrad: [Double]) -> Matrix {
    var a = Matrix(rows: n, columns: blocks)
    adjoint(lossGrad, scale: -1, multipliers: nil, into: &a)
    var out = a
    masks.withUnsafeBufferPointer { m in
      t.withUnsafeBufferPointer { tp in
        a.withUnsafeBufferPointer { ap in
          out.withUnsafeMutableBufferPointer { o in for k in 0..<o.count { o[k] = (2 * m[k] - 1) * (tp[k] - ap[k]) } }
        }
      }
    }
    return out
  }

  // MARK: - Exact cone maxima (§3.5 way 1)

  /// `max{σ_b vᵀD_bXu : u ∈ K_b, ‖u‖ ≤ 1} = min_{λ≥0} ‖Xᵀ(σ_b D_b v + S_b λ)‖` (v = −∇ℓ) by NNLS: λ* and the
  /// residual norm, a valid upper bound on the cone maximum whatever the NNLS accuracy (any λ ≥ 0 gives one).
  func coneMaximum(block b: Int, lossGrad: [Double]) -> NonNegativeLeastSquares {
    let (e, f) = coneSystem(block: b, lossGrad: lossGrad)
    return NonNegativeLeastSquares(e, f)
  }

  /// E = XᵀS_b (d×n) and f = −σ_b XᵀD_b v (v = −∇ℓ).
  func coneSystem(block b: Int, lossGrad: [Double]) -> (Matrix, [Double]) {
    var e = Matrix(rows: d, columns: n)
    var dv = [Double](repeating: 0, count: n)
    for j in 0..<n {
      let m = masks[j, b]
      let s = 2 * m - 1
      for i in 0..<d { e[i, j] = s * x[j, i] }
      dv[j] = signs[b] * m * lossGrad[j]
    }
    return (e, x.multiply(dv, trans: .transpose))
  }

  // MARK: - Column generation

  func makePricer() -> ConePricer { ConePricer(program: self) }

  /// σ_b D_b X u_a per atom: one GEMM for all.
  func atomPredictions(_ atoms: [Atom]) -> Matrix {
    let u = Matrix(rows: d, columns: atoms.count, columnMajor: atoms.flatMap { $0.direction })
    var c = Matrix.product(x, u)
    for (q, a) in atoms.enumerated() {
      let sb = signs[a.block]
      for j in 0..<n { c[j, q] *= sb * masks[j, a.block] }
    }
    return c
  }

  /// Each nonzero block within rounding (1e-12 of its own scale) of its cone, as a unit atom weighted by its norm.
  func seedAtoms(_ u: Matrix) -> [(atom: Atom, weight: Double)] {
    let xs = Matrix.product(x, u)
    var seeds: [(atom: Atom, weight: Double)] = []
    for b in 0..<blocks {
      let col = u.column(b)
      let nrm = col.norm2
      guard nrm > 0 else { continue }
      var viol = 0.0, mx = 0.0
      for j in 0..<n {
        viol = Swift.max(viol, -(2 * masks[j, b] - 1) * xs[j, b])
        mx = Swift.max(mx, abs(xs[j, b]))
      }
      if viol <= 1e-12 * mx { seeds.append((Atom(block: b, direction: col.map { $0 / nrm }), nrm)) }
    }
    return seeds
  }

  /// The active-set Newton polish (`ActiveSetPolish`) from merged blocks U, the rows within rounding of their cone
  /// boundaries taken as active; `multipliers` (n×B) stand for the blocks outside its working set.
  func polish(_ u: Matrix, multipliers: Matrix) -> (u: Matrix, lossGradient: [Double])? {
    var a = Matrix.product(x, u)
    let scale = a.storage.map { abs($0) }.max() ?? 0
    masks.withUnsafeBufferPointer { m in
      a.withUnsafeMutableBufferPointer { ap in
        for k in 0..<ap.count {
          let s = 2 * m[k] - 1
          ap[k] = s * ap[k] <= 1e-9 * scale ? 0 : ap[k]
        }
      }
    }
    // 20 working-set rounds (not 60 as for ADMM): column generation prices the blocks itself and polishes again five
    // rounds later, and a polish started far from the solution spends its rounds adding one cone row per block
    // (digits, first polish at gap 0.1: 5.7 s of a 12 s solve at 60 rounds).
    guard let cand = ActiveSetPolish(program: self).run(z: u, a: a, gammaOther: multipliers, rounds: 20) else { return nil }
    return (cand.u, cand.lossGrad)
  }
}

extension ReLUBlockProgram: SplittableProgram {
  var liftGram: Matrix { Matrix.product(x, x, transA: .transpose) }

  /// ‖Xᵀy‖.
  var splittingScale: Double { x.multiply(targets, trans: .transpose).norm2 }

  func makeProductStep(start yhat: [Double]) -> RowProjectionStep { RowProjectionStep(program: self, rows: ConeRowProjection(n: n, blocks: blocks, start: yhat)) }

  /// A_jb ← max(0, A_jb) where m_jb = 1, min(0, A_jb) where m_jb = 0.
  func projectProducts(_ a: inout Matrix) {
    masks.withUnsafeBufferPointer { m in
      a.withUnsafeMutableBufferPointer { ap in
        for k in 0..<ap.count { ap[k] = m[k] != 0 ? Swift.max(0, ap[k]) : Swift.min(0, ap[k]) }
      }
    }
  }

  func constraintMultipliers(inRHS t: Matrix, lossGradient: [Double]) -> Matrix { multipliers(inRHS: t, lossGrad: lossGradient) }

  func exactBlockBound(_ b: Int, lossGradient: [Double]) -> Double? {
    guard let cones else { return coneMaximum(block: b, lossGrad: lossGradient).residualNorm }
    return cones.coneMaximum(block: b, sign: signs[b], lossGradient: lossGradient)
  }

  func splittingPolish(z: Matrix, a: Matrix, multipliers: Matrix) -> (u: Matrix, t: Matrix, lossGradient: [Double])? {
    ActiveSetPolish(program: self).run(z: z, a: a, gammaOther: multipliers).map { ($0.u, $0.t, $0.lossGrad) }
  }

  /// The A-step of C-ReLU: per-row root solves (`ConeRowProjection`).
  struct RowProjectionStep: ProductProximal {
    let program: ReLUBlockProgram
    var rows: ConeRowProjection

    mutating func solve(_ t: Matrix, penalty rho: Double, into a: inout Matrix) {
      rows.solve(t: t, masks: program.masks, signs: program.signs, y: program.targets, loss: program.loss.kind, rhoA: rho, into: &a)
    }

    mutating func reset(prediction: [Double]) { rows.yhat = prediction }
  }
}
