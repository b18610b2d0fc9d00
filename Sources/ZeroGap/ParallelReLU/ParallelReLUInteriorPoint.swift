import Dispatch

/// A structured primal–dual interior-point method for the three-layer parallel ReLU program of MATH.md §4.3 with the
/// squared loss (the design, measurements and pitfalls are in `bench/PARALLEL_SOLVER.md`; the numpy prototype is
/// `bench/prototype_parallel_ipm.py`).
///
/// **Program in conic form.** Branches b = (l, s) (B = 2P₂, b = 2l + s′), each with K = 2P₁ vectors u_bk ∈ R^d
/// (k = i + P₁σ′), which is `ParallelReLUBlocks`' block order `b·K + k`. With G = [σ_k D_{1i(k)} X]_k (n × Kd, the same
/// for every branch), E_b = s D_{2l} and S2_b = 2D_{2l} − I,
///
///     min  ½‖Σ_b E_b G u_b − y‖² + β Σ_bk t_bk
///     s.t. (t_bk, u_bk) ∈ SOC(d + 1),   R_i u_bk ≥ 0 (first-layer cone),   S2_b G u_b ≥ 0 (second-layer cone).
///
/// R_i is the irredundant rows of (2D_{1i} − I)X (`ConeRowReduction`), for d = 2 the two facet rows of the wedge it
/// defines: the same cone, a barrier degree and first-layer passes up to n/r₁ times smaller.
///
/// **Algorithm.** Mehrotra predictor–corrector with Nesterov–Todd scaling. The Newton system
/// H = FᵀF + AᵀW⁻²A = blockdiag(C_bk) + Σ_b (S2_b G)ᵀΩ2_b(S2_b G) + FᵀF is solved exactly through its structure: t
/// eliminated per block in closed form; each block's u-part C' kept as a square-root factor; a *radial shift* of the
/// blocks of active neurons (whose radial curvature vanishes like μ) removed at the end by an exact rank-m_a
/// correction; Woodbury per branch on the second-layer term (B Cholesky factorisations of n×n matrices) and once on the
/// loss (one n×n Cholesky). Beyond n×n and m_a×m_a matrices only G's outer products are kept (n² × P₁·d(d+1)/2, at
/// most 2²⁰ entries, from which one GEMM forms the N_b of many branches). The per-branch factorisations run on all
/// cores (`ParallelChunks`).
///
/// **Certificate.** The upper bound is the objective of the recovered network (`ParallelReLUBlocks.networkObjective`)
/// at a point of the program (`isFeasible`), taken also at copies of the iterate with its O(μ) "dust" blocks removed.
/// The lower bound is §3.5's dual bound at v = y − ŷ with
/// `c̄ = max_bk ‖G_kᵀ(E_b v + S2_b μ_b) + R_iᵀπ_bk‖ ≥ c(v)` for the iterate's multipliers μ, π ≥ 0 (weak duality per
/// block), through `CertifiedLoop.offerDual`. The solve stops at the certified relative gap of the options.
struct ParallelReLUInteriorPoint {
  let program: ParallelReLUBlocks
  let n: Int, d: Int, p1: Int
  /// K = 2P₁ vectors per branch, B = 2P₂ branches, r₁ first-layer rows per vector.
  let vectorsPerBranch: Int, branches: Int
  var coneRows: Int
  /// G (n × Kd), column k·d + c.
  let g: Matrix
  /// The first-layer rows per pattern i, row-major: `rows[(i·r₁ + r)·d + c]` (settable with `coneRows` so that tests
  /// can compare reduced and full rows on one problem).
  var rows: [Double]
  /// The first-layer pattern i of every block (b·K + k ↦ k mod P₁), so that the per-block passes need no integer
  /// division (two per block cost more than the block's arithmetic at d = 2).
  let firstPattern: [Int]
  /// The outer products of G's columns per first-layer pattern i, for N_b = Σ_k G_k C̃'⁻¹_bk G_kᵀ as one GEMM over
  /// all branches (`ParallelReLUNewtonSystem`): n² × P₁·d(d+1)/2, column (i, t) = vec(a_e a_fᵀ + a_f a_eᵀ) for the
  /// pair t = (e < f) and vec(a_e a_eᵀ) for t = (e, e), a_c = D1_i x_c (the vectors k and k + P₁ of a branch differ
  /// only in sign, so they share these). Pairs in the order (0,0), (0,1), …, (0,d−1), (1,1), …. Empty when larger
  /// than `outerProductsLimit` entries, or unused (`branchSpace` is `.weights`): the factorisation then forms N_b per
  /// branch from G. (Settable so that tests can compare both paths on one problem.)
  var outerProducts: [Double]
  static let outerProductsLimit = 1 << 20
  /// Where the Newton system's per-branch part Ã_b = C̃'_b + GᵀΩ2_bG is factorised (`ParallelReLUNewtonSystem`).
  enum BranchSpace: Equatable, Sendable {
    /// In the n-dimensional space of the branch's second-layer rows: Woodbury through M_b = S2 N_b S2 + Ω2_b⁻¹
    /// (n×n per branch; about n²·Kd + 2n³ flops per branch and step). Small n: the bench's d = 2 programs.
    case rows
    /// In the Kd-dimensional space of the branch's weights: Ã_b itself (Kd×Kd per branch; about n·(Kd)² + (Kd)³/3
    /// + (Kd)²·n/2 + n²·Kd/4 flops). Data with n above 2P₁d, where the n×n matrices per branch would dominate.
    case weights

    /// The cheaper space for n rows and Kd weights per branch, by the flop counts above.
    static func cheaper(n: Int, weights kd: Int) -> BranchSpace {
      let n = Double(n), kd = Double(kd)
      let rows = n * n * kd + 2 * n * n * n
      let weights = n * kd * kd + kd * kd * kd / 3 + kd * kd * n / 2 + n * n * kd / 4
      return weights < rows ? .weights : .rows
    }
  }
  /// The space of the per-branch factorisation: the cheaper one (settable so that tests can compare both on one
  /// problem).
  var branchSpace: BranchSpace
  /// The order of one branch's factor: n (rows) or Kd (weights).
  var branchOrder: Int { branchSpace == .rows ? n : vectorsPerBranch * d }
  /// E_b, S2_b and D2_b per branch (b·n + j).
  let lossWeights: [Double], secondSigns: [Double], secondMasks: [Double]
  /// γ = mean ‖x_j‖² (the scale of the radial shift), and max_j ‖x_j‖.
  let scale: Double, maxRowNorm: Double

  var blockCount: Int { branches * vectorsPerBranch }
  /// Blocks per chunk of the parallel per-block passes (a few tens of flops per block: about 10 µs of work, which
  /// the spinning `WorkerPool` picks up within a microsecond).
  static let blockGrain = 256

  /// Branches per chunk of the per-branch factorisation (2n²Kd + n³/3 flops each in rows, about n(Kd)² + (Kd)³/3 +
  /// n²Kd/4 in weights) and of the branch solves (2n² or 2(Kd)² each): about 2·10⁴ flops per chunk.
  var factorGrain: Int {
    let kd = vectorsPerBranch * d
    let flops = branchSpace == .rows ? 2 * n * n * kd + n * n * n / 3 : n * kd * kd + kd * kd * kd / 3 + n * n * kd / 4
    return Swift.max(1, Int(2e4 / Double(flops + 1)))
  }
  var solveGrain: Int { Swift.max(32, Int(2e4 / Double(2 * branchOrder * branchOrder + 1))) }

  /// Bytes the solve keeps (saturating): one factor per branch (m×m, m = `branchOrder`), the outer products of G (at
  /// most 2²⁰ entries), per worker an n × Kd, three m × n and two n×n workspaces (S's term among them; S itself is
  /// one more n×n, within that allowance), and about forty vectors over the blocks' cone and row coordinates.
  var memoryBytes: Int {
    let P = MemoryBudget.product, nn = P(n, n), m = branchOrder
    let perBranch = P(branches, P(m, m)) &+ outerProducts.count
    let perWorker = P(ParallelChunks.cores, P(n, vectorsPerBranch * d) &+ P(3, P(m, n)) &+ P(2, nn))
    let vectors = P(40, P(blockCount, d + 1 + coneRows) &+ P(branches, n))
    return MemoryBudget.doubles(perBranch &+ perWorker &+ vectors)
  }
  var barrierDegree: Double { Double(blockCount * (coneRows + 1) + branches * n) }

  /// The solver for `program`, or nil where it does not apply: not depth 3, not the plain squared loss, a zero row
  /// of X or a sample inactive in every first-layer pattern (a constraint row identically 0 has no interior).
  init?(program: ParallelReLUBlocks) {
    guard program.levels == 2, program.loss.kind == .squared, !program.loss.centered else { return nil }
    let x = program.x, n = x.rows, d = x.columns, p1 = program.p1
    let masks1 = program.masks1, d2 = program.hidden[0]
    for j in 0..<n {
      var norm = 0.0, active = false
      for c in 0..<d { norm += x[j, c] * x[j, c] }
      for i in 0..<p1 where masks1[j, i] != 0 { active = true }
      guard norm > 0, active else { return nil }
    }
    self.program = program
    self.n = n
    self.d = d
    self.p1 = p1
    let K = 2 * p1, B = 2 * d2.columns
    vectorsPerBranch = K
    branches = B
    firstPattern = (0..<(B * K)).map { ($0 % K) % p1 }
    var gm = Matrix(rows: n, columns: K * d)
    for k in 0..<K {
      let i = k % p1, sg: Double = k < p1 ? 1 : -1
      for c in 0..<d { for j in 0..<n { gm[j, k * d + c] = sg * masks1[j, i] * x[j, c] } }
    }
    g = gm
    let pairs = d * (d + 1) / 2
    branchSpace = BranchSpace.cheaper(n: n, weights: K * d)
    if branchSpace == .rows && n * n * p1 * pairs <= Self.outerProductsLimit {
      var outer = [Double](repeating: 0, count: n * n * p1 * pairs)
      for i in 0..<p1 {
        var t = 0
        for e in 0..<d {
          for f in e..<d {
            let o = (i * pairs + t) * n * n
            for c in 0..<n {
              for r in 0..<n { outer[o + r + c * n] = gm[r, i * d + e] * gm[c, i * d + f] + (e == f ? 0 : gm[r, i * d + f] * gm[c, i * d + e]) }
            }
            t += 1
          }
        }
      }
      outerProducts = outer
    } else {
      outerProducts = []
    }
    var e = [Double](repeating: 0, count: B * n), s2 = e, m2 = e
    for b in 0..<B {
      let l = b / 2, s: Double = b % 2 == 0 ? 1 : -1
      for j in 0..<n {
        m2[b * n + j] = d2[j, l]
        s2[b * n + j] = 2 * d2[j, l] - 1
        e[b * n + j] = s * d2[j, l]
      }
    }
    lossWeights = e
    secondSigns = s2
    secondMasks = m2
    var total = 0.0, largest = 0.0
    for j in 0..<n {
      var r = 0.0
      for c in 0..<d { r += x[j, c] * x[j, c] }
      total += r
      largest = Swift.max(largest, r)
    }
    scale = total / Double(n)
    maxRowNorm = largest.squareRoot()
    if d == 2, let facets = Self.wedgeFacets(x: x, masks: masks1) {
      rows = facets
      coneRows = 2
    } else {
      (rows, coneRows) = Self.irredundantRows(x: x, masks: masks1)
    }
  }

  /// d > 2 (or a d = 2 cone that is not a pointed wedge): per first-layer pattern i the irredundant rows of
  /// (2D_{1i} − I)X (`ConeRowReduction`: the same cone; all n rows where it gives up), r₁ the most any pattern keeps;
  /// a pattern that keeps fewer repeats its own rows cyclically (a repeated row is the same constraint, with an
  /// interior). The patterns on all cores.
  static func irredundantRows(x: Matrix, masks: Matrix) -> (rows: [Double], count: Int) {
    let n = x.rows, d = x.columns, p1 = masks.columns
    let keptBuffer = UnsafeMutableBufferPointer<[Int]>.allocate(capacity: p1)
    keptBuffer.initialize(repeating: [])
    defer { keptBuffer.deinitialize().deallocate() }
    let shared = SharedPointer(keptBuffer)
    ParallelChunks.forEach(p1, grain: 1) { _, range in
      var all = [Double](repeating: 0, count: n * d)
      for i in range {
        for j in 0..<n { for c in 0..<d { all[j * d + c] = (2 * masks[j, i] - 1) * x[j, c] } }
        shared[i] = all.withUnsafeBufferPointer { ConeRowReduction.irredundant($0.baseAddress!, count: n, dimension: d) } ?? Array(0..<n)
      }
    }
    let kept = Array(keptBuffer)
    let r1 = Swift.max(1, kept.map(\.count).max() ?? 1)
    var rows = [Double](repeating: 0, count: p1 * r1 * d)
    for i in 0..<p1 where !kept[i].isEmpty {
      for r in 0..<r1 {
        let j = kept[i][r % kept[i].count]
        for c in 0..<d { rows[(i * r1 + r) * d + c] = (2 * masks[j, i] - 1) * x[j, c] }
      }
    }
    return (rows, r1)
  }

  /// d = 2: the two facet rows (unit normals) of every first-layer cone {u : (2D_{1i} − I)Xu ≥ 0}, when each is a
  /// pointed wedge (else nil: the solver keeps all n rows). A facet is the row that vanishes on an extreme ray.
  static func wedgeFacets(x: Matrix, masks: Matrix) -> [Double]? {
    let n = x.rows, p1 = masks.columns
    var out = [Double](repeating: 0, count: p1 * 4)
    for i in 0..<p1 {
      var r = [(Double, Double)]()
      for j in 0..<n {
        let s = 2 * masks[j, i] - 1, a = s * x[j, 0], b = s * x[j, 1], norm = (a * a + b * b).squareRoot()
        r.append((a / norm, b / norm))
      }
      // Candidate rays: ± the perpendiculars of the rows; feasible ones lie in the cone.
      var feasible = [(Double, Double)]()
      for (a, b) in r {
        for cand in [(-b, a), (b, -a)] where r.allSatisfy({ $0.0 * cand.0 + $0.1 * cand.1 >= -1e-12 }) { feasible.append(cand) }
      }
      guard !feasible.isEmpty else { return nil }
      var mx = feasible.reduce(0.0) { $0 + $1.0 }, my = feasible.reduce(0.0) { $0 + $1.1 }
      let mn = (mx * mx + my * my).squareRoot()
      guard mn > 1e-9 else { return nil }
      mx /= mn
      my /= mn
      let cross = feasible.map { mx * $0.1 - my * $0.0 }
      let e1 = feasible[cross.indices.min { cross[$0] < cross[$1] }!], e2 = feasible[cross.indices.max { cross[$0] < cross[$1] }!]
      guard e1.0 * e2.1 - e1.1 * e2.0 > 1e-12 else { return nil }  // angle ≥ π: not pointed
      for (slot, (ea, eb)) in [(e1, e2), (e2, e1)].enumerated() {
        var best = -1, bestValue = Double.infinity
        for (j, row) in r.enumerated() where row.0 * eb.0 + row.1 * eb.1 > 0 {
          let v = abs(row.0 * ea.0 + row.1 * ea.1)
          if v < bestValue { (best, bestValue) = (j, v) }
        }
        guard best >= 0 else { return nil }
        out[i * 4 + slot * 2] = r[best].0
        out[i * 4 + slot * 2 + 1] = r[best].1
      }
    }
    return out
  }
}

// MARK: - Operators

extension ParallelReLUInteriorPoint {
  /// h_b = G u_b for every branch (n×B, column-major), u of length B·K·d.
  func hidden(_ u: [Double]) -> [Double] {
    var h = [Double](repeating: 0, count: branches * n)
    let kd = vectorsPerBranch * d, n = self.n
    g.withUnsafeBufferPointer { gp in
      u.withUnsafeBufferPointer { up in
        h.withUnsafeMutableBufferPointer { hp in
          let gb = SharedPointer(UnsafeMutablePointer(mutating: gp.baseAddress!)), ub = SharedPointer(UnsafeMutablePointer(mutating: up.baseAddress!)), hb = SharedPointer(hp.baseAddress!)
          overBranches { lo, hi in
            RawBLAS.gemm(.none, .none, m: n, n: hi - lo, k: kd, alpha: 1, gb.base, lda: n, ub.base + lo * kd, ldb: kd, beta: 0, hb.base + lo * n, ldc: n)
          }
        }
      }
    }
    return h
  }

  /// Gᵀc_b for every branch (B·K·d), c n×B.
  func hiddenAdjoint(_ c: [Double]) -> [Double] {
    let kd = vectorsPerBranch * d, n = self.n
    var out = [Double](repeating: 0, count: branches * kd)
    g.withUnsafeBufferPointer { gp in
      c.withUnsafeBufferPointer { cp in
        out.withUnsafeMutableBufferPointer { op in
          let gb = SharedPointer(UnsafeMutablePointer(mutating: gp.baseAddress!)), cb = SharedPointer(UnsafeMutablePointer(mutating: cp.baseAddress!)), ob = SharedPointer(op.baseAddress!)
          overBranches { lo, hi in
            RawBLAS.gemm(.transpose, .none, m: kd, n: hi - lo, k: n, alpha: 1, gb.base, lda: n, cb.base + lo * n, ldb: n, beta: 0, ob.base + lo * kd, ldc: kd)
          }
        }
      }
    }
    return out
  }

  /// Runs `body(lo, hi)` over ranges of branches: on all cores when one product with G over every branch is large
  /// enough to pay for the threads (BLAS itself runs single-threaded inside the solve), else in one call.
  private func overBranches(_ body: @Sendable (Int, Int) -> Void) {
    let flops = 2.0 * Double(n) * Double(vectorsPerBranch * d) * Double(branches)
    let grain = flops < 2e4 ? branches : Swift.max(1, branches / ParallelChunks.cores)
    ParallelChunks.forEach(branches, grain: grain) { _, range in body(range.lowerBound, range.upperBound) }
  }

  /// F u = Σ_b E_b G u_b (the convex prediction).
  func predict(_ u: [Double]) -> [Double] { prediction(hidden: hidden(u)) }

  /// F u = Σ_b E_b h_b from h = G u (n×B).
  func prediction(hidden h: [Double]) -> [Double] {
    var out = [Double](repeating: 0, count: n)
    for b in 0..<branches { for j in 0..<n { out[j] += lossWeights[b * n + j] * h[b * n + j] } }
    return out
  }

  /// G u (n×B, unsigned), R u (B·K·r₁) and F u (n) at one point: computed once per step and shared by the residuals
  /// and the certificate.
  struct PointProducts {
    var hidden: [Double], first: [Double], prediction: [Double]
  }

  func pointProducts(_ u: [Double]) -> PointProducts {
    let h = hidden(u)
    return PointProducts(hidden: h, first: firstLayer(u), prediction: prediction(hidden: h))
  }

  /// Fᵀw.
  func predictAdjoint(_ w: [Double]) -> [Double] {
    var c = [Double](repeating: 0, count: branches * n)
    for b in 0..<branches { for j in 0..<n { c[b * n + j] = lossWeights[b * n + j] * w[j] } }
    return hiddenAdjoint(c)
  }

  /// The first-layer rows R_i u_bk of every block (B·K·r₁).
  func firstLayer(_ u: [Double]) -> [Double] {
    let r1 = coneRows, d = self.d
    var out = [Double](repeating: 0, count: blockCount * r1)
    withPointers(rows, u) { rowsP, uP in
      firstPattern.withUnsafeBufferPointer { pp in
        out.withUnsafeMutableBufferPointer { op in
          let pattern = SharedPointer(reading: pp), o = SharedPointer(op)
          ParallelChunks.forEach(blockCount, grain: Self.blockGrain) { _, range in
            Self.rowProducts(range, rows: rowsP, pattern: pattern, u: uP, r1: r1, d: d, into: o)
          }
        }
      }
    }
    return out
  }

  /// out = R u for one block: `r` is R_i (r₁ × d, row-major), u has d entries, out r₁.
  @inline(__always)
  static func rowProduct(_ r: UnsafePointer<Double>, r1: Int, d: Int, _ u: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
    for row in 0..<r1 {
      var s = 0.0
      for c in 0..<d { s += r[row * d + c] * u[c] }
      out[row] = s
    }
  }

  /// g += Rᵀz for one block: `r` is R_i (r₁ × d, row-major), z has r₁ entries, g d.
  @inline(__always)
  static func addRowAdjoint(_ r: UnsafePointer<Double>, r1: Int, d: Int, _ z: UnsafePointer<Double>, into g: UnsafeMutablePointer<Double>) {
    for c in 0..<d {
      var s = 0.0
      for row in 0..<r1 { s += z[row] * r[row * d + c] }
      g[c] += s
    }
  }

  /// o[blk·r₁ + r] = (R_i u_blk)_r for the blocks of `range`, i = `pattern[blk]` (unrolled for d = 2 and two facet
  /// rows).
  @inline(__always)
  static func rowProducts(
    _ range: Range<Int>, rows: SharedPointer<Double>, pattern: SharedPointer<Int>, u: SharedPointer<Double>, r1: Int, d: Int,
    into o: SharedPointer<Double>
  ) {
    @inline(__always) func run(_ r1: Int, _ d: Int) {
      for blk in range { rowProduct(rows.base + pattern[blk] * r1 * d, r1: r1, d: d, u.base + blk * d, into: o.base + blk * r1) }
    }
    if r1 == 2 && d == 2 { run(2, 2) } else { run(r1, d) }
  }

  /// g[blk·d + c] += (R_iᵀ z₁_blk)_c for the blocks of `range` (unrolled as `rowProducts`).
  @inline(__always)
  static func addRowAdjoints(
    _ range: Range<Int>, rows: SharedPointer<Double>, pattern: SharedPointer<Int>, z1: SharedPointer<Double>, r1: Int, d: Int,
    into g: SharedPointer<Double>
  ) {
    @inline(__always) func run(_ r1: Int, _ d: Int) {
      for blk in range { addRowAdjoint(rows.base + pattern[blk] * r1 * d, r1: r1, d: d, z1.base + blk * r1, into: g.base + blk * d) }
    }
    if r1 == 2 && d == 2 { run(2, 2) } else { run(r1, d) }
  }

  /// A(u, t) = ((t, u) per block, R u, S2 ⊙ G u); with `signed: false` the last part is G u. The cones and first-layer
  /// rows per block on all cores.
  func constraintMap(_ u: [Double], _ t: [Double], signed: Bool = true) -> Slacks {
    let q = d + 1, r1 = coneRows, d = self.d
    var sq = [Double](repeating: 0, count: blockCount * q), first = [Double](repeating: 0, count: blockCount * r1)
    withPointers(rows, u, t) { rowsP, uP, tP in
      firstPattern.withUnsafeBufferPointer { pp in
        sq.withUnsafeMutableBufferPointer { sqp in
          first.withUnsafeMutableBufferPointer { fp in
            let cone = SharedPointer(sqp), o = SharedPointer(fp), pattern = SharedPointer(reading: pp)
            ParallelChunks.forEach(blockCount, grain: Self.blockGrain) { _, range in
              for blk in range {
                cone[blk * q] = tP[blk]
                for c in 0..<d { cone[blk * q + 1 + c] = uP[blk * d + c] }
              }
              Self.rowProducts(range, rows: rowsP, pattern: pattern, u: uP, r1: r1, d: d, into: o)
            }
          }
        }
      }
    }
    var s2 = hidden(u)
    if signed { for e in s2.indices { s2[e] *= secondSigns[e] } }
    return Slacks(cone: sq, first: first, second: s2)
  }

  /// Aᵀ(z_q, z₁, z₂) as (u-part, t-part); with `signed: false` the last part enters as Gᵀz₂ (not Gᵀ(S2 ⊙ z₂)).
  func constraintAdjoint(_ z: Slacks, signed: Bool = true) -> (u: [Double], t: [Double]) {
    let q = d + 1, r1 = coneRows, d = self.d
    var c = z.second
    if signed { for e in c.indices { c[e] *= secondSigns[e] } }
    var gu = hiddenAdjoint(c)
    var gt = [Double](repeating: 0, count: blockCount)
    withPointers(rows, z.cone, z.first) { rowsP, zqP, z1P in
      firstPattern.withUnsafeBufferPointer { pp in
        gu.withUnsafeMutableBufferPointer { gp in
          gt.withUnsafeMutableBufferPointer { tp in
            let g = SharedPointer(gp), t = SharedPointer(tp), pattern = SharedPointer(reading: pp)
            ParallelChunks.forEach(blockCount, grain: Self.blockGrain) { _, range in
              for blk in range {
                t[blk] = zqP[blk * q]
                for c in 0..<d { g[blk * d + c] += zqP[blk * q + 1 + c] }
              }
              Self.addRowAdjoints(range, rows: rowsP, pattern: pattern, z1: z1P, r1: r1, d: d, into: g)
            }
          }
        }
      }
    }
    return (gu, gt)
  }

  /// The slack (or multiplier) vectors of the three cone families.
  struct Slacks {
    /// (d + 1) per block: the second-order cones.
    var cone: [Double]
    /// r₁ per block: the first-layer rows.
    var first: [Double]
    /// n per branch: the second-layer rows.
    var second: [Double]
  }
}

extension ParallelReLUInteriorPoint.Slacks {
  /// Zero vectors of the sizes of `ipm`'s cone families.
  init(zeros ipm: ParallelReLUInteriorPoint) {
    self.init(
      cone: [Double](repeating: 0, count: ipm.blockCount * (ipm.d + 1)), first: [Double](repeating: 0, count: ipm.blockCount * ipm.coneRows),
      second: [Double](repeating: 0, count: ipm.branches * ipm.n))
  }
}

// MARK: - Second-order cone algebra (one cone of dimension q = d + 1 at offset o)

/// Nesterov–Todd scaling of second-order-cone pairs and the Jordan algebra the predictor–corrector needs
/// (`bench/PARALLEL_SOLVER.md` §2). `W = η W̄`, `W̄ = [[w̄₀, w̄₁ᵀ], [w̄₁, I + w̄₁w̄₁ᵀ/(1 + w̄₀)]]`, `Wz = W⁻¹s = λ`.
enum SecondOrderCone {
  /// det(x) = x₀² − ‖x₁‖², as (x₀ − ‖x₁‖)(x₀ + ‖x₁‖).
  @inline(__always) static func det(_ x: UnsafePointer<Double>, _ q: Int) -> Double {
    var s = 0.0
    for c in 1..<q { s += x[c] * x[c] }
    let r = s.squareRoot()
    return (x[0] - r) * (x[0] + r)
  }

  /// (η, w̄) of the pair (s, z); w̄ written to `w` (q entries). nil when either is not interior.
  @inline(__always) static func scaling(_ s: UnsafePointer<Double>, _ z: UnsafePointer<Double>, _ q: Int, into w: UnsafeMutablePointer<Double>) -> Double? {
    let ds = det(s, q), dz = det(z, q)
    guard ds > 0, dz > 0 else { return nil }
    // Reciprocals once: divisions, not the arithmetic, bound this per-block pass.
    let rs = ds.squareRoot(), rz = dz.squareRoot(), irs = 1 / rs, irz = 1 / rz
    var dot = 0.0
    for c in 0..<q { dot += s[c] * z[c] }
    let gamma = ((1 + dot * irs * irz) / 2).squareRoot(), half = 1 / (2 * gamma)
    w[0] = (s[0] * irs + z[0] * irz) * half
    for c in 1..<q { w[c] = (s[c] * irs - z[c] * irz) * half }
    let eta = (rs * irz).squareRoot()
    return eta.isFinite && gamma.isFinite ? eta : nil
  }

  /// out = W x (or W⁻¹x).
  @inline(__always) static func apply(eta: Double, _ w: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ q: Int, inverse: Bool, into out: UnsafeMutablePointer<Double>) {
    let sg: Double = inverse ? -1 : 1
    var w1x1 = 0.0
    for c in 1..<q { w1x1 += sg * w[c] * x[c] }
    let f = inverse ? 1 / eta : eta
    let x0 = x[0]
    let coef = x0 + w1x1 / (1 + w[0])
    out[0] = f * (w[0] * x0 + w1x1)
    for c in 1..<q { out[c] = f * (x[c] + sg * w[c] * coef) }
  }

  /// out = W⁻² x = η⁻²(2Jw̄(Jw̄)ᵀx − Jx); `out` may be `x` (each entry needs only its own entry of x and (Jw̄)ᵀx).
  @inline(__always) static func applyInverseSquare(eta: Double, _ w: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ q: Int, into out: UnsafeMutablePointer<Double>) {
    var jwx = w[0] * x[0]
    for c in 1..<q { jwx -= w[c] * x[c] }
    let f = 1 / (eta * eta)
    out[0] = f * (2 * w[0] * jwx - x[0])
    for c in 1..<q { out[c] = f * (-2 * w[c] * jwx + x[c]) }
  }

  /// out = a∘b = (aᵀb, a₀b₁ + b₀a₁).
  @inline(__always) static func product(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ q: Int, into out: UnsafeMutablePointer<Double>) {
    var s = 0.0
    for c in 0..<q { s += a[c] * b[c] }
    let a0 = a[0], b0 = b[0]
    for c in 1..<q { out[c] = a0 * b[c] + b0 * a[c] }
    out[0] = s
  }

  /// out = x with λ∘x = r.
  @inline(__always) static func divide(_ l: UnsafePointer<Double>, _ r: UnsafePointer<Double>, _ q: Int, into out: UnsafeMutablePointer<Double>) {
    var l1r1 = 0.0
    for c in 1..<q { l1r1 += l[c] * r[c] }
    let x0 = (l[0] * r[0] - l1r1) / det(l, q)
    for c in 1..<q { out[c] = (r[c] - x0 * l[c]) / l[0] }
    out[0] = x0
  }

  /// min(`a`, the largest α ≥ 0 with x + α dx in the cone) for x interior. The exact step is computed only when
  /// x + a·dx is not interior: the segment between two interior points stays inside, so the step is at least a.
  @inline(__always) static func step(_ x: UnsafePointer<Double>, _ dx: UnsafePointer<Double>, _ q: Int, upTo a: Double) -> Double {
    let head = x[0] + a * dx[0]
    var tail = 0.0
    for c in 1..<q { tail += (x[c] + a * dx[c]) * (x[c] + a * dx[c]) }
    if head > 0, head * head > tail { return a }
    return Swift.min(a, step(x, dx, q))
  }

  /// The largest α ≥ 0 with x + α dx in the cone (x interior; +∞ when unbounded).
  @inline(__always) static func step(_ x: UnsafePointer<Double>, _ dx: UnsafePointer<Double>, _ q: Int) -> Double {
    var a = dx[0] * dx[0], b = dx[0] * x[0]
    for c in 1..<q {
      a -= dx[c] * dx[c]
      b -= dx[c] * x[c]
    }
    let cc = det(x, q)
    let disc = b * b - a * cc
    var alpha = Double.infinity
    let den = -b + Swift.max(disc, 0).squareRoot()
    if disc >= 0, den > 0 { alpha = cc / den }
    if dx[0] < 0 { alpha = Swift.min(alpha, -x[0] / dx[0]) }
    return alpha
  }
}
