/// The parallel deep ReLU program of MATH.md §4.3 (three layers) and its recursion §4.4 (deeper) as a
/// `GroupSparseProgram`, over pattern levels k = 1…K (depth L = K + 1): first-layer patterns D_{1i} (P₁) and hidden
/// patterns D_{k,l} (P_k) for k = 2…K.
///
/// **Tree of units.** A *node* at level k ≥ 2 is (σ_k, l_k, parent), a sign σ_k = ±1 (at the top level K the
/// branch's output sign s), a pattern l_k and a parent node at level k + 1 (none at K); node q has
/// `σ′ = q mod 2`, `l = (q/2) mod P_k`, parent `q / (2P_k)`, so N_K = 2P_K and N_k = 2P_k·N_{k+1}. A block
/// b = (i, σ₁, q₂) ∈ R^d has `i = b mod P₁`, `σ₁′ = (b/P₁) mod 2`, level-2 node `q₂ = b/(2P₁)`; the blocks under a
/// level-k node are the S_k = Π_{j<k} 2P_j consecutive ones from q·S_k. (K = 2 is §4.3's order
/// `b = i + P₁(σ′ + 2(s′ + 2l))`, a branch g = (l, s) per level-2 node.)
///
///     h_q = Σ_{b ∈ q} σ₁ D_{1i} X u_b                      (level 2)
///     h_q = Σ_{c child of q} σ_c D_{k−1,l_c} h_c            (level k ≥ 3)
///     min  ℓ( Σ_{q at level K} s_q D_{K,l_q} h_q , y ) + β Σ_b ‖u_b‖
///     s.t. (2D_{1i} − I) X u_b ≥ 0 (every block),  (2D_{k,l_q} − I) h_q ≥ 0 (every node q at every level k ≥ 2).
///
/// Lift P = XU (one GEMM, n×B); ŷ = Σ_b w_b ⊙ P_b with the path weights w_b = σ₁D_{1i} Π_k σ_k D_{k,l_k} (precomputed);
/// 𝒞(P) is n×(B + Σ_k N_k): the first-layer signs ⊙ P_b, then (2D_{k,l} − I) ⊙ h_q level by level. The adjoint carries
/// the node multipliers down the tree: ρ_q = (2D_{k,l_q} − I)Λ_q + σ_q D_{k,l_q} ρ_{parent(q)} (ρ = 0 above K), and
/// `T_b = scale·w_b g + (2D_{1i} − I)Λ_b + σ₁ D_{1i} ρ_{q₂(b)}`. ‖𝒞‖² ≤ 1 + Σ_k S_k (Cauchy–Schwarz over a subtree).
///
/// The network of U is the tree itself with ReLUs in place of the masks, `s_q(Σ_c σ_c(⋯(Σ_b σ₁(X u_b)_+)_+⋯)_+)_+`
/// per top node (a parallel branch whose regulariser is the **path norm** Σ_b ‖u_b‖, MATH.md §4.4; at depth 3 it equals
/// §4.3's `‖W₁‖_F‖w₂‖|z|` after rebalancing); it equals the convex prediction on feasible points. `repair` moves a
/// point back into the program: first-layer cones by `ConeRepair`, then, level by level from the bottom, every node
/// whose h left its cone moves with its subtree to the sibling node of the pattern h realises (merging with it: the
/// cones are convex and the penalty is subadditive), or is dropped when that pattern is not among the P_k.
struct ParallelReLUBlocks: GroupSparseProgram {
  let x: Matrix
  let targets: [Double]
  let beta: Double
  let loss: SolverLoss
  /// n×P₁ and d×P₁ (first layer).
  let masks1: Matrix
  let gates1: Matrix
  /// n×P_k for the hidden levels k = 2…K (index k − 2).
  let hidden: [Matrix]
  /// Per block: D_{1i} (n×B), the path weight w_b (n×B), σ₁.
  let blockMasks: Matrix
  let predictionWeights: Matrix
  let sigma: [Double]
  /// Per level k = 2…K (index k − 2): node count N_k, subtree size S_k, and per node the masks D_{k,l} and signs
  /// 2D_{k,l} − I (n×N_k) and σ_k.
  let nodeCounts: [Int]
  let subtreeSizes: [Int]
  let nodeMasks: [Matrix]
  let nodeSigns: [Matrix]
  let nodeSigma: [[Double]]
  let liftNormSquared: Double
  let cones: ConeRepair
  /// Each hidden level's patterns by their bits, for `repair`.
  let patternIndex: [PatternTable]

  var p1: Int { masks1.columns }
  var n: Int { x.rows }
  var d: Int { x.columns }
  /// K: the number of pattern levels (depth − 1).
  var levels: Int { hidden.count + 1 }
  /// The branches: nodes of the top level (2P_K).
  var branchCount: Int { nodeCounts[nodeCounts.count - 1] }

  init(x: Matrix, targets: [Double], beta: Double, loss: SolverLoss, masks1: Matrix, gates1: Matrix, hidden: [Matrix]) {
    precondition(!hidden.isEmpty, "at least one hidden pattern level")
    self.x = x
    self.targets = targets
    self.beta = beta
    self.loss = loss
    self.masks1 = masks1
    self.gates1 = gates1
    self.hidden = hidden
    let n = x.rows, p1 = masks1.columns, hiddenLevels = hidden.count
    var counts = [Int](repeating: 0, count: hiddenLevels)
    for k in stride(from: hiddenLevels - 1, through: 0, by: -1) {
      counts[k] = 2 * hidden[k].columns * (k == hiddenLevels - 1 ? 1 : counts[k + 1])
    }
    let B = 2 * p1 * counts[0]
    var sizes = [Int](repeating: 2 * p1, count: hiddenLevels)
    for k in 1..<hiddenLevels { sizes[k] = sizes[k - 1] * 2 * hidden[k - 1].columns }
    nodeCounts = counts
    subtreeSizes = sizes
    var masks: [Matrix] = [], signs: [Matrix] = [], sigmas: [[Double]] = []
    for k in 0..<hiddenLevels {
      let pk = hidden[k].columns
      var m = Matrix(rows: n, columns: counts[k]), s = Matrix(rows: n, columns: counts[k])
      var sg = [Double](repeating: 0, count: counts[k])
      for q in 0..<counts[k] {
        let l = (q / 2) % pk
        sg[q] = q % 2 == 0 ? 1 : -1
        for j in 0..<n {
          m[j, q] = hidden[k][j, l]
          s[j, q] = 2 * hidden[k][j, l] - 1
        }
      }
      masks.append(m)
      signs.append(s)
      sigmas.append(sg)
    }
    nodeMasks = masks
    nodeSigns = signs
    nodeSigma = sigmas
    var bm = Matrix(rows: n, columns: B), pw = Matrix(rows: n, columns: B), bg = Matrix(rows: x.columns, columns: B)
    var sg = [Double](repeating: 0, count: B)
    for b in 0..<B {
      let i = b % p1
      sg[b] = (b / p1) % 2 == 0 ? 1 : -1
      for j in 0..<n {
        bm[j, b] = masks1[j, i]
        var w = sg[b] * masks1[j, i]
        for k in 0..<hiddenLevels {
          let q = b / sizes[k]
          w *= sigmas[k][q] * masks[k][j, q]
        }
        pw[j, b] = w
      }
      for r in 0..<x.columns { bg[r, b] = gates1[r, i] }
    }
    blockMasks = bm
    predictionWeights = pw
    sigma = sg
    let sn = (try? x.spectralNorm()) ?? x.frobeniusNorm
    liftNormSquared = Swift.max(sn * sn, 1e-300)
    cones = ConeRepair(x: x, masks: bm, gates: bg)
    patternIndex = hidden.map { PatternTable(columnsOf: $0) }
  }

  /// The sign of branch (top node) g.
  func branchSign(_ g: Int) -> Double { g % 2 == 0 ? 1 : -1 }

  var sampleCount: Int { x.rows }
  var blockSize: Int { x.columns }
  var blockCount: Int { 2 * p1 * nodeCounts[0] }
  var productShape: (rows: Int, columns: Int) { (x.rows, blockCount) }
  var isConstrained: Bool { true }
  var constraintShape: (rows: Int, columns: Int) { (x.rows, blockCount + nodeCounts.reduce(0, +)) }
  var constraintNormSquared: Double { 1 + Double(subtreeSizes.reduce(0, +)) }
  var couplesBlocks: Bool { true }

  /// The column of level k's (index k − 2) first node in 𝒞(P).
  func levelOffset(_ k: Int) -> Int { blockCount + nodeCounts[0..<k].reduce(0, +) }

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

  func constraints(_ p: Matrix, into c: inout Matrix) {
    let n = self.n, B = blockCount, per = 2 * p1
    blockMasks.withUnsafeBufferPointer { m in
      p.withUnsafeBufferPointer { a in
        c.withUnsafeMutableBufferPointer { out in
          for k in 0..<(n * B) { out[k] = (2 * m[k] - 1) * a[k] }
          for k in (n * B)..<out.count { out[k] = 0 }
          // Level 2: h_q = Σ_{b∈q} σ₁ D₁ P_b.
          for b in 0..<B {
            let hq = (B + b / per) * n, o = b * n, sg = sigma[b]
            for j in 0..<n { out[hq + j] += sg * m[o + j] * a[o + j] }
          }
          // Level k ≥ 3: h_q = Σ_c σ_c D_{k−1} h_c (children read before their signs are applied).
          var below = B
          for k in 1..<(levels - 1) {
            let above = below + nodeCounts[k - 1], children = 2 * hidden[k - 1].columns
            nodeMasks[k - 1].withUnsafeBufferPointer { dm in
              for c in 0..<nodeCounts[k - 1] {
                let from = (below + c) * n, to = (above + c / children) * n, sc = nodeSigma[k - 1][c]
                for j in 0..<n { out[to + j] += sc * dm[c * n + j] * out[from + j] }
              }
            }
            below = above
          }
          var offset = B
          for k in 0..<(levels - 1) {
            nodeSigns[k].withUnsafeBufferPointer { s in
              for e in 0..<(n * nodeCounts[k]) { out[offset * n + e] *= s[e] }
            }
            offset += nodeCounts[k]
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
    // ρ from the top level down to level 2 (level 2's ρ is formed in the block loop when K = 2).
    var rho: Matrix? = nil
    if levels > 2 {
      var upper: Matrix? = nil
      for k in stride(from: levels - 2, through: 1, by: -1) {
        let count = nodeCounts[k], off = levelOffset(k)
        var r = Matrix(rows: n, columns: count)
        for q in 0..<count {
          for j in 0..<n { r[j, q] = nodeSigns[k][j, q] * lam[j, off + q] }
          if let upper {
            let parent = q / (2 * hidden[k].columns), sq = nodeSigma[k][q]
            for j in 0..<n { r[j, q] += sq * nodeMasks[k][j, q] * upper[j, parent] }
          }
        }
        upper = r
      }
      rho = upper
    }
    let off2 = levelOffset(0), children2 = 2 * hidden[0].columns
    blockMasks.withUnsafeBufferPointer { m in
      lam.withUnsafeBufferPointer { lp in
        nodeSigns[0].withUnsafeBufferPointer { bs in
          nodeMasks[0].withUnsafeBufferPointer { dm in
            t.withUnsafeMutableBufferPointer { tp in
              for b in 0..<B {
                let q = b / per, sg = sigma[b], o2 = (off2 + q) * n
                let sq = nodeSigma[0][q], parent = q / children2
                for j in 0..<n {
                  let k = j + b * n
                  var r2 = bs[j + q * n] * lp[o2 + j]
                  if let rho { r2 += sq * dm[j + q * n] * rho[j, parent] }
                  tp[k] += (2 * m[k] - 1) * lp[k] + sg * m[k] * r2
                }
              }
            }
          }
        }
      }
    }
  }

  /// The tree's values with ReLUs: per level, per node, `Σ_children σ (value)_+` (level 2 from the blocks' P_b).
  func networkValues(_ p: Matrix) -> [Matrix] {
    let n = self.n, per = 2 * p1
    var values: [Matrix] = []
    var h = Matrix(rows: n, columns: nodeCounts[0])
    for b in 0..<blockCount {
      let q = b / per, sg = sigma[b]
      for j in 0..<n { h[j, q] += sg * Swift.max(0, p[j, b]) }
    }
    values.append(h)
    for k in 1..<(levels - 1) {
      var next = Matrix(rows: n, columns: nodeCounts[k])
      let children = 2 * hidden[k - 1].columns
      for c in 0..<nodeCounts[k - 1] {
        let sc = nodeSigma[k - 1][c]
        for j in 0..<n { next[j, c / children] += sc * Swift.max(0, values[k - 1][j, c]) }
      }
      values.append(next)
    }
    return values
  }

  /// ŷ = Σ_{top q} s_q (h_q)_+ with the network's values.
  func networkPrediction(_ p: Matrix, into yhat: inout [Double]) {
    let top = networkValues(p)[levels - 2], n = self.n
    for j in 0..<n { yhat[j] = 0 }
    for q in 0..<branchCount {
      let s = branchSign(q)
      for j in 0..<n { yhat[j] += s * Swift.max(0, top[j, q]) }
    }
  }

  /// Rounding allowed in node q's (level index k) constraint: relative to its subtree's largest product.
  private func nodeScale(_ p: Matrix, level k: Int, node q: Int) -> Double {
    let n = self.n, size = subtreeSizes[k]
    var s = 0.0
    for b in (q * size)..<((q + 1) * size) { for j in 0..<n { s = Swift.max(s, abs(p[j, b])) } }
    return s
  }

  /// The lowest-level node whose constraint is violated beyond rounding, as (level index, node), with the
  /// constraint values; nil when every node is feasible.
  private func firstViolatedNode(_ p: Matrix) -> (level: Int, node: Int, constraints: Matrix)? {
    var c = Matrix(rows: constraintShape.rows, columns: constraintShape.columns)
    constraints(p, into: &c)
    for k in 0..<(levels - 1) {
      let off = levelOffset(k)
      for q in 0..<nodeCounts[k] {
        let worst = (0..<n).reduce(0.0) { Swift.max($0, -c[$1, off + q]) }
        if worst > 0, worst > ConeRepair.roundingTolerance * nodeScale(p, level: k, node: q) { return (k, q, c) }
      }
    }
    return nil
  }

  func isFeasible(_ p: Matrix) -> Bool {
    ConeRepair.isFeasible(xu: p, masks: blockMasks) && firstViolatedNode(p) == nil
  }

  func repair(_ u: inout Matrix, products p: inout Matrix) -> Bool {
    if !ConeRepair.isFeasible(xu: p, masks: blockMasks) { cones.repair(&u, xu: &p) }
    let n = self.n, d = self.d
    // Each pass moves or drops at least one violated node; merged nodes are checked again.
    for _ in 0...nodeCounts.reduce(0, +) {
      guard let (k, q, c) = firstViolatedNode(p) else { return true }
      let pk = hidden[k].columns, l = (q / 2) % pk, off = levelOffset(k), size = subtreeSizes[k]
      let tol = ConeRepair.roundingTolerance * nodeScale(p, level: k, node: q)
      // h_q from its signed constraint: c = (2D − I) h.
      let target = patternIndex[k].index { j in
        let h = c[j, off + q] * nodeSigns[k][j, q]
        return abs(h) <= tol ? hidden[k][j, l] != 0 : h > 0
      }.map { q + 2 * ($0 - l) }
      for b in (q * size)..<((q + 1) * size) {
        if let target, target != q {
          let to = b + (target - q) * size
          for r in 0..<d { u[r, to] += u[r, b] }
          for j in 0..<n { p[j, to] += p[j, b] }
        }
        for r in 0..<d { u[r, b] = 0 }
        for j in 0..<n { p[j, b] = 0 }
      }
    }
    return firstViolatedNode(p) == nil
  }
}
