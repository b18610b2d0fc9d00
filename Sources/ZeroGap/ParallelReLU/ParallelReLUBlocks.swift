/// The three-layer parallel ReLU program of MATH.md §4.3 as a `GroupSparseProgram`: 4·P₁·P₂ blocks u_b ∈ R^d,
/// b = (i, σ, s, l) with i a first-layer pattern D_{1i}, σ = ±1 (v or w), s = ±1 the branch sign and l a
/// second-layer pattern D_{2l}; block index `b = i + P₁(σ′ + 2(s′ + 2l))` (σ′, s′ ∈ {0, 1} for +1, −1), so a
/// branch g = (l, s) owns the 2P₁ consecutive blocks from `2P₁g`.
///
///     min  ℓ( Σ_b s σ D_{2l} D_{1i} X u_b , y ) + β Σ_b ‖u_b‖
///     s.t. (2D_{1i} − I) X u_b ≥ 0                                   (first layer, every block)
///          (2D_{2l} − I) h_g ≥ 0,  h_g = Σ_{b∈g} σ D_{1i} X u_b       (second layer, every branch g)
///
/// Lift P = XU (one GEMM, n×B); 𝒞(P) is n×(B + 2P₂): the first-layer signs (2D_{1i} − I) ⊙ P_b in columns 0..<B,
/// then (2D_{2l} − I) ⊙ h_g. Adjoint: `T_b = scale·sσ D_{2l}D_{1i} g + (2D_{1i} − I)Λ_b + σ D_{1i}(2D_{2l} − I)Λ_{B+g}`.
/// ‖𝒞‖² ≤ 1 + 2P₁ (Cauchy–Schwarz over a branch's blocks).
///
/// The network of U (§4.3 recovery) is branch g = (l, s) with output `s·(Σ_{b∈g} σ (X u_b)_+)_+`; it equals the
/// convex prediction on feasible points. `repair` moves a point back into the program: first-layer cones by
/// `ConeRepair` (projection, then a shift along the pattern's gate), then every branch whose h_g left its second-layer
/// cone moves to the branch of the pattern h_g realises (merging with it: the cone is convex and the penalty is
/// subadditive), or is dropped when that pattern is not among the P₂.
struct ParallelReLUBlocks: GroupSparseProgram {
  let x: Matrix
  let targets: [Double]
  let beta: Double
  let loss: SolverLoss
  /// n×P₁ and d×P₁ (first layer), n×P₂ (second layer).
  let masks1: Matrix
  let gates1: Matrix
  let masks2: Matrix
  /// Per block: D_{1i} (n×B), sσ D_{2l}D_{1i} (n×B), σ.
  let blockMasks: Matrix
  let predictionWeights: Matrix
  let sigma: [Double]
  /// Per branch g = (l, s): the second-layer signs 2D_{2l} − I (n×2P₂).
  let branchSigns: Matrix
  let liftNormSquared: Double
  let cones: ConeRepair
  /// The second-layer patterns by their bits, for `repair`.
  let patternIndex: [PatternKey: Int]

  var p1: Int { masks1.columns }
  var p2: Int { masks2.columns }
  var n: Int { x.rows }
  var d: Int { x.columns }
  /// Branches 2P₂ (g = s′ + 2l).
  var branchCount: Int { 2 * p2 }

  init(x: Matrix, targets: [Double], beta: Double, loss: SolverLoss, masks1: Matrix, gates1: Matrix, masks2: Matrix) {
    self.x = x
    self.targets = targets
    self.beta = beta
    self.loss = loss
    self.masks1 = masks1
    self.gates1 = gates1
    self.masks2 = masks2
    let n = x.rows, p1 = masks1.columns, p2 = masks2.columns, B = 4 * p1 * p2
    var bm = Matrix(rows: n, columns: B), pw = Matrix(rows: n, columns: B), bg = Matrix(rows: x.columns, columns: B)
    var sg = [Double](repeating: 0, count: B)
    for b in 0..<B {
      let (i, s, sig, l) = Self.decompose(b, p1: p1)
      sg[b] = sig
      for j in 0..<n {
        bm[j, b] = masks1[j, i]
        pw[j, b] = s * sig * masks2[j, l] * masks1[j, i]
      }
      for r in 0..<x.columns { bg[r, b] = gates1[r, i] }
    }
    blockMasks = bm
    predictionWeights = pw
    sigma = sg
    var bs = Matrix(rows: n, columns: 2 * p2)
    for g in 0..<(2 * p2) { for j in 0..<n { bs[j, g] = 2 * masks2[j, g / 2] - 1 } }
    branchSigns = bs
    let sn = (try? x.spectralNorm()) ?? x.frobeniusNorm
    liftNormSquared = Swift.max(sn * sn, 1e-300)
    cones = ConeRepair(x: x, masks: bm, gates: bg)
    var index: [PatternKey: Int] = [:]
    for l in 0..<p2 { index[PatternKey(n: n) { masks2[$0, l] != 0 }] = l }
    patternIndex = index
  }

  /// (i, s, σ, l) of block b.
  static func decompose(_ b: Int, p1: Int) -> (i: Int, s: Double, sigma: Double, l: Int) {
    let i = b % p1, rest = b / p1
    let sigma: Double = rest % 2 == 0 ? 1 : -1
    let g = rest / 2
    return (i, g % 2 == 0 ? 1 : -1, sigma, g / 2)
  }

  /// The branch g = (l, s) of block b.
  func branch(ofBlock b: Int) -> Int { b / (2 * p1) }
  /// s of branch g, and its pattern l.
  func branchSign(_ g: Int) -> Double { g % 2 == 0 ? 1 : -1 }
  func branchPattern(_ g: Int) -> Int { g / 2 }

  var sampleCount: Int { x.rows }
  var blockSize: Int { x.columns }
  var blockCount: Int { 4 * p1 * p2 }
  var productShape: (rows: Int, columns: Int) { (x.rows, blockCount) }
  var isConstrained: Bool { true }
  var constraintShape: (rows: Int, columns: Int) { (x.rows, blockCount + branchCount) }
  var constraintNormSquared: Double { 1 + 2 * Double(p1) }
  var couplesBlocks: Bool { true }

  func lift(_ u: Matrix, into p: inout Matrix) { p.gemm(x, u) }
  func liftAdjoint(_ t: Matrix, into g: inout Matrix, alpha: Double, accumulate: Bool) {
    g.gemm(x, t, transA: .transpose, alpha: alpha, beta: accumulate ? 1 : 0)
  }

  func predict(_ p: Matrix, into yhat: inout [Double]) {
    let n = self.n, B = blockCount
    predictionWeights.withUnsafeBufferPointer { w in
      p.withUnsafeBufferPointer { a in
        yhat.withUnsafeMutableBufferPointer { out in
          for j in 0..<n { out[j] = 0 }
          for b in 0..<B {
            let o = b * n
            for j in 0..<n { out[j] += w[o + j] * a[o + j] }
          }
        }
      }
    }
  }

  /// h_g = Σ_{b∈g} σ D_{1i} P_b for every branch (n×2P₂).
  func branchInputs(_ p: Matrix) -> Matrix {
    let n = self.n, per = 2 * p1
    var h = Matrix(rows: n, columns: branchCount)
    blockMasks.withUnsafeBufferPointer { m in
      p.withUnsafeBufferPointer { a in
        h.withUnsafeMutableBufferPointer { hp in
          for b in 0..<blockCount {
            let g = b / per, sg = sigma[b]
            for j in 0..<n { hp[j + g * n] += sg * m[j + b * n] * a[j + b * n] }
          }
        }
      }
    }
    return h
  }

  func constraints(_ p: Matrix, into c: inout Matrix) {
    let n = self.n, B = blockCount, per = 2 * p1
    blockMasks.withUnsafeBufferPointer { m in
      p.withUnsafeBufferPointer { a in
        branchSigns.withUnsafeBufferPointer { bs in
          c.withUnsafeMutableBufferPointer { out in
            for k in 0..<(n * B) { out[k] = (2 * m[k] - 1) * a[k] }
            // h_g = Σ_{b∈g} σ D_{1i} P_b, then its signs, in place.
            for k in (n * B)..<(n * (B + branchCount)) { out[k] = 0 }
            for b in 0..<B {
              let hg = (B + b / per) * n, o = b * n, sg = sigma[b]
              for j in 0..<n { out[hg + j] += sg * m[o + j] * a[o + j] }
            }
            for g in 0..<branchCount {
              let o = (B + g) * n
              for j in 0..<n { out[o + j] *= bs[g * n + j] }
            }
          }
        }
      }
    }
  }

  func adjoint(_ g: [Double], scale: Double, multipliers: Matrix?, into t: inout Matrix) {
    let n = self.n, B = blockCount, per = 2 * p1
    predictionWeights.withUnsafeBufferPointer { w in
      g.withUnsafeBufferPointer { gp in
        t.withUnsafeMutableBufferPointer { tp in
          for b in 0..<B { for j in 0..<n { tp[j + b * n] = scale * (w[j + b * n] * gp[j]) } }
        }
      }
    }
    guard let lam = multipliers else { return }
    // Per block: (2D₁ − I)Λ_b + σ D₁ (2D₂ − I)Λ_{B+g}.
    blockMasks.withUnsafeBufferPointer { m in
      lam.withUnsafeBufferPointer { lp in
        branchSigns.withUnsafeBufferPointer { bs in
          t.withUnsafeMutableBufferPointer { tp in
            for b in 0..<B {
              let q = b / per, sg = sigma[b], o2 = (B + q) * n
              for j in 0..<n {
                let k = j + b * n
                tp[k] += (2 * m[k] - 1) * lp[k] + sg * m[k] * bs[j + q * n] * lp[o2 + j]
              }
            }
          }
        }
      }
    }
  }

  /// ŷ = Σ_g s_g (Σ_{b∈g} σ (P_b)_+)_+.
  func networkPrediction(_ p: Matrix, into yhat: inout [Double]) {
    let n = self.n, per = 2 * p1
    for j in 0..<n { yhat[j] = 0 }
    var h = [Double](repeating: 0, count: n)
    p.withUnsafeBufferPointer { a in
      for g in 0..<branchCount {
        for j in 0..<n { h[j] = 0 }
        for b in (g * per)..<((g + 1) * per) {
          let sg = sigma[b]
          for j in 0..<n { h[j] += sg * Swift.max(0, a[j + b * n]) }
        }
        let s = branchSign(g)
        for j in 0..<n { yhat[j] += s * Swift.max(0, h[j]) }
      }
    }
  }

  /// Rounding allowed in a branch's second-layer constraint: relative to its blocks' largest product.
  private func branchScale(_ p: Matrix, _ g: Int) -> Double {
    let n = self.n, per = 2 * p1
    var s = 0.0
    for b in (g * per)..<((g + 1) * per) { for j in 0..<n { s = Swift.max(s, abs(p[j, b])) } }
    return s
  }

  /// Branches whose second-layer constraint is violated beyond rounding.
  private func violatedBranches(_ p: Matrix) -> [Int] {
    let h = branchInputs(p)
    return (0..<branchCount).filter { g in
      let l = branchPattern(g), tol = ConeRepair.roundingTolerance * branchScale(p, g)
      return (0..<n).contains { j in -(2 * masks2[j, l] - 1) * h[j, g] > tol }
    }
  }

  func isFeasible(_ p: Matrix) -> Bool {
    ConeRepair.isFeasible(xu: p, masks: blockMasks) && violatedBranches(p).isEmpty
  }

  func repair(_ u: inout Matrix, products p: inout Matrix) -> Bool {
    if !ConeRepair.isFeasible(xu: p, masks: blockMasks) { cones.repair(&u, xu: &p) }
    let n = self.n, d = self.d, per = 2 * p1
    // Each pass moves or drops at least one violated branch; merged branches are checked again.
    for _ in 0...branchCount {
      let bad = violatedBranches(p)
      guard let g = bad.first else { return true }
      let h = branchInputs(p)
      let l = branchPattern(g), tol = ConeRepair.roundingTolerance * branchScale(p, g)
      let key = PatternKey(n: n) { j in abs(h[j, g]) <= tol ? masks2[j, l] != 0 : h[j, g] > 0 }
      let target = patternIndex[key].map { 2 * $0 + g % 2 }
      for b in (g * per)..<((g + 1) * per) {
        if let target, target != g {
          let to = b + (target - g) * per
          for r in 0..<d { u[r, to] += u[r, b] }
          for j in 0..<n { p[j, to] += p[j, b] }
        }
        for r in 0..<d { u[r, b] = 0 }
        for j in 0..<n { p[j, b] = 0 }
      }
    }
    return violatedBranches(p).isEmpty
  }
}
