/// Column generation (fully corrective conditional gradient) for C-ReLU with the squared or logistic loss
/// (MATH.md §3.3–3.5, §3.8),
/// the exact solver for tall data (n ≫ d), where each cone K_b is narrow and ADMM's iterates stay infeasible.
///
/// C-ReLU in atom form: every block v_b ∈ K_b is a conic combination of unit atoms u ∈ K_b, and
/// `‖Σ_a c_a u_a‖ ≤ Σ_a c_a` with equality for a single atom, so
///
///     p_sampled = min_{c ≥ 0} ½‖Σ_a c_a σ_{b(a)} D_{b(a)} X u_a − y‖² + β Σ_a c_a      (over all unit atoms).
///
/// Each round:
/// 1. *Pricing* (§3.5 way 1, exact): with v = −∇ℓ(ŷ) (= y − ŷ for the squared loss), every block's cone maximum
///    `c_b(v) = max{σ_b vᵀD_bXu : u ∈ K_b, ‖u‖ ≤ 1} = min_{λ≥0} ‖Xᵀ(σ_b D_b v + S_b λ)‖` by NNLS, warm-started
///    from the block's previous support. A block is first screened with its previous λ (any λ ≥ 0 bounds c_b from
///    above, one GEMM for all blocks); only blocks whose bound exceeds β are solved. The maximiser
///    `u_b = Xᵀ(σ_b D_b v + S_b λ*)/c_b` lies in K_b (NNLS optimality).
/// 2. *Certificate:* c̄ = max_b c_b gives the lower bound of §3.5 (best scaling of v); the upper bound is the true
///    ReLU network of the merged blocks `v_b = Σ_{a∈b} c_a u_a` (each in K_b, penalty ≤ Σ c_a).
/// 3. *Master:* the blocks with c_b > β contribute their atoms, and the program over all atoms is solved:
///    for the squared loss exactly, the non-negative lasso (`NonNegativeQuadratic` on the atoms' Gram matrix,
///    maintained incrementally, warm-started); for the logistic loss by proximal Newton steps (the same QP on the
///    weighted Gram AᵀWA, W = ∇²ℓ, then a backtracking line search on the true objective).
/// At most max(1000, 4d) atoms join per round, the most violated cones first, and never more than the memory
/// budget holds (`AtomSet.capacity`; the solve then stops with `memoryLimit`).
/// Atoms unused for three rounds are dropped; `options.maxIterations` counts rounds, and the solve stops as stalled
/// when no cone is violated but the gap is still above the tolerance, or the gap has not shrunk by 1 % in 25 rounds. When the bounds are within 20 %, the active-set Newton polish of
/// `ActiveSetPolish` runs from the merged blocks and its candidate is certified like any other.
struct ConeColumnGeneration {
  /// The program; its `cones` repair upper-bound candidates that leave their cones (NNLS maximisers are cone points
  /// only to the NNLS's accuracy, and the polish may leave a cone).
  let base: GroupLassoSolver

  var n: Int { base.n }
  var d: Int { base.d }
  var blocks: Int { base.blocks }

  /// Whether this solver applies: squared or logistic loss, without a centred (bias) target.
  static func applies(to base: GroupLassoSolver) -> Bool {
    base.constrained && base.loss.kind != .hinge && !base.loss.centered && !base.loss.isHuber
  }

  func solve(start: Matrix?, options: ConvexSolverOptions) -> GroupLassoSolver.Result {
    var loop = CertifiedLoop(options: options)
    let x = base.x, masks = base.masks, y = base.y, beta = base.beta, loss = base.loss.kind
    let n = self.n, d = self.d, B = blocks

    var atoms = AtomSet(n: n, d: d)
    var coef: [Double] = []
    var lambdas = Matrix(rows: n, columns: B)  // last NNLS λ per block (screening, warm starts)
    var supports = [[Int]](repeating: [], count: B)
    var tbuf = Matrix(rows: n, columns: B)
    var screen = Matrix(rows: d, columns: B)
    var yhat = [Double](repeating: 0, count: n)
    var lossGrad = [Double](repeating: 0, count: n)
    var bestV = Matrix(rows: d, columns: B)
    var rounds = 0
    let polishSolver = ConeADMMSolver(base: base, omega: 1)  // for its cone systems and the polish (no ADMM here)
    var polishedAt = -1
    // Stalled: the certified gap has not shrunk by 1 % in this many rounds.
    let stallRounds = 25
    var bestGap = (value: Double.infinity, round: 0)
    let threshold = beta * (1 + 0.1 * options.tolerance)
    // Atoms added per round: the most violated cones first (all of them on small problems).
    let maxNewAtoms = Swift.max(1000, 4 * d)

    /// Merged blocks V (d×B) from the atoms.
    func merged() -> Matrix {
      var v = Matrix(rows: d, columns: B)
      for k in 0..<atoms.count where coef[k] > 0 {
        let b = atoms.blocks[k]
        for i in 0..<d { v[i, b] += coef[k] * atoms.directions[i, k] }
      }
      return v
    }
    /// Keeps V, repaired into its cones (`ConeRepair`), if its true ReLU-network objective (an attained upper bound
    /// on the program's optimum) is the best so far.
    func considerUpper(_ candidate: Matrix) {
      var v = candidate
      var xv = Matrix.product(x, v)
      if let cones = base.cones {
        cones.repair(&v, xu: &xv)
      } else if !ConeRepair.isFeasible(xu: xv, masks: base.masks) {
        return
      }
      base.reluPredict(xv, into: &yhat)
      if loop.offerUpper(loss.value(yhat, y) + beta * base.groupNormSum(v)) { bestV = v }
    }
    /// Pricing at ∇ℓ = `lossGrad`: every block's cone maximum, screened by ‖Xᵀ(σ_b D_b v + S_b λ_b)‖ with the last λ
    /// (one GEMM) and solved by warm NNLS where the screen exceeds β. Returns c̄ ≥ c(v) and the maximisers of the
    /// cones whose maximum exceeds β(1 + tol/10); updates λ and the supports.
    func price(_ lossGrad: [Double]) -> (cbar: Double, atoms: [(b: Int, u: [Double])]) {
      base.certificateRHS(lossGrad: lossGrad, gamma: lambdas, into: &tbuf)
      screen.gemm(x, tbuf, transA: .transpose)
      var cbar = 0.0
      var found: [(b: Int, u: [Double], value: Double)] = []
      for b in 0..<B {
        var bound = screen.column(b).norm2
        if bound > threshold {
          let (e, f) = polishSolver.coneSystem(block: b, lossGrad: lossGrad)
          let nn = NonNegativeLeastSquares(e, f, start: supports[b])
          var dir = e.multiply(nn.solution)
          for i in 0..<d { dir[i] -= f[i] }
          let value = dir.norm2
          bound = Swift.min(bound, value)
          supports[b] = (0..<n).filter { nn.solution[$0] > 0 }
          for j in 0..<n { lambdas[j, b] = nn.solution[j] }
          if value > threshold { found.append((b, dir.map { $0 / value }, value)) }
        }
        cbar = Swift.max(cbar, bound)
      }
      if found.count > maxNewAtoms { found = Array(found.sorted { $0.value > $1.value }.prefix(maxNewAtoms)) }
      return (cbar, found.map { ($0.b, $0.u) })
    }
    /// Raises the lower bound with the dual point v = −∇ℓ scaled into {c(v) ≤ β} (§3.5).
    func considerLower(_ lossGrad: [Double], cbar: Double) {
      loop.offerDual(v: lossGrad.map { -$0 }, y: y, loss: loss, dualNormBound: cbar, beta: beta)
    }
    /// ∇ℓ at the prediction ŷ into `lossGrad`.
    func gradient(at yhat: [Double], into g: inout [Double]) {
      yhat.withUnsafeBufferPointer { p in
        y.withUnsafeBufferPointer { q in g.withUnsafeMutableBufferPointer { gp in _ = loss.valueAndGradient(p, q, gradient: gp) } }
      }
    }

    // Warm start: the start's cone-feasible nonzero blocks become atoms with their norms as coefficients.
    if let s = start, s.rows == d, s.columns == B {
      considerUpper(s)
      let xs = Matrix.product(x, s)
      var seeds: [(b: Int, u: [Double])] = []
      for b in 0..<B {
        let col = s.column(b)
        let nrm = col.norm2
        guard nrm > 0 else { continue }
        var viol = 0.0, mx = 0.0
        for j in 0..<n {
          viol = Swift.max(viol, -(2 * masks[j, b] - 1) * xs[j, b])
          mx = Swift.max(mx, abs(xs[j, b]))
        }
        if viol <= 1e-12 * mx {
          seeds.append((b, col.map { $0 / nrm }))
          coef.append(nrm)
        }
      }
      atoms.append(seeds, base: base)
    }
    considerUpper(Matrix(rows: d, columns: B))

    while rounds < options.maxIterations {
      rounds += 1
      // Pricing and certificate at the master's prediction ŷ = A c.
      yhat = atoms.count > 0 ? atoms.columns.multiply(coef) : [Double](repeating: 0, count: n)
      gradient(at: yhat, into: &lossGrad)
      let priced = price(lossGrad)
      considerLower(lossGrad, cbar: priced.cbar)
      if atoms.count > 0 { considerUpper(merged()) }
      if loop.relativeGap > options.tolerance && loop.relativeGap <= 0.2 && atoms.count > 0 && rounds - polishedAt >= 5 {
        polishedAt = rounds
        let vm = merged()
        var a = Matrix.product(x, vm)
        let scale = a.storage.map { abs($0) }.max() ?? 0
        masks.withUnsafeBufferPointer { m in
          a.withUnsafeMutableBufferPointer { ap in
            for k in 0..<ap.count {
              let s = 2 * m[k] - 1
              ap[k] = s * ap[k] <= 1e-9 * scale ? 0 : ap[k]
            }
          }
        }
        if let cand = ActiveSetPolish(solver: polishSolver).run(z: vm, a: a, gammaOther: lambdas) {
          considerUpper(cand.u)
          considerLower(cand.lossGrad, cbar: price(cand.lossGrad).cbar)
        }
      }
      if loop.checkpoint(iteration: rounds) { break }
      let gap = loop.relativeGap
      // No cone maximum above β(1 + tol/10) but the gap still open (rounding limits what the master can do), or
      // no 1 % gain on the gap in `stallRounds` rounds: stalled.
      if gap < 0.99 * bestGap.value {
        bestGap = (gap, rounds)
      }
      if priced.atoms.isEmpty || rounds - bestGap.round >= stallRounds {
        loop.stopReason = .stalled
        break
      }
      // Master: append atoms (Gram incrementally), solve warm, prune atoms unused for three rounds.
      let m0 = atoms.count
      let room = AtomSet.capacity(budget: options.memoryBudget, n: n, d: d) - m0
      guard room > 0 else {
        loop.stopReason = .memoryLimit
        break
      }
      let newAtoms = Array(priced.atoms.prefix(room))
      atoms.append(newAtoms, base: base)
      coef += [Double](repeating: 0, count: newAtoms.count)
      let warm = (0..<atoms.count).filter { coef[$0] > 0 || $0 >= m0 }
      if loss == .squared {
        coef = NonNegativeQuadratic(gram: atoms.gram, linear: atoms.aty.map { $0 - beta }, start: warm).solution
      } else {
        coef = proximalNewton(columns: atoms.columns, start: coef, warm: warm)
      }
      for k in 0..<atoms.count { atoms.idle[k] = coef[k] > 0 ? 0 : atoms.idle[k] + 1 }
      let keep = (0..<atoms.count).filter { atoms.idle[$0] < 3 }
      if keep.count < atoms.count {
        atoms.keep(keep)
        coef = keep.map { coef[$0] }
      }
    }
    let report = loop.report(iterations: rounds, outerIterations: atoms.count, constraintViolation: base.coneViolation(of: bestV))
    // λ per block are cone multipliers of the pricing problems (a warm start for the ADMM's γ as well).
    return GroupLassoSolver.Result(u: bestV, multipliers: lambdas, penalty: 1, report: report)
  }

  /// `min_{c ≥ 0} ℓ(Ac, y) + β Σ c` (A = the atom columns, n×m) by proximal Newton from `start`: each step solves the
  /// non-negative QP of the local quadratic model (weighted Gram AᵀWA, W = diag ∇²ℓ) and backtracks on the true
  /// objective; stops when a step lowers it by less than 1e-13 relative (at most 50 steps).
  func proximalNewton(columns a: Matrix, start: [Double], warm: [Int]) -> [Double] {
    let n = self.n, m = a.columns, y = base.y, beta = base.beta, loss = base.loss.kind
    var c = start
    func objective(_ c: [Double]) -> (value: Double, yhat: [Double]) {
      let yhat = a.multiply(c)
      return (loss.value(yhat, y) + beta * c.reduce(0, +), yhat)
    }
    var (f, yhat) = objective(c)
    var support = warm
    for _ in 0..<50 {
      guard let w = loss.curvature(yhat, y) else { break }
      var grad = [Double](repeating: 0, count: n)
      yhat.withUnsafeBufferPointer { p in
        y.withUnsafeBufferPointer { q in grad.withUnsafeMutableBufferPointer { g in _ = loss.valueAndGradient(p, q, gradient: g) } }
      }
      var wa = a
      for k in 0..<m { for j in 0..<n { wa[j, k] *= w[j].squareRoot() } }
      let h = wa.gram()
      let hc = h.multiply(c)
      let atg = a.multiply(grad, trans: .transpose)
      let lin = (0..<m).map { hc[$0] - atg[$0] - beta }
      let target = NonNegativeQuadratic(gram: h, linear: lin, start: support).solution
      var t = 1.0
      var accepted = false
      for _ in 0..<40 {
        let trial = (0..<m).map { c[$0] + t * (target[$0] - c[$0]) }
        let (ft, yt) = objective(trial)
        if ft <= f {
          let decrease = f - ft
          c = trial
          yhat = yt
          f = ft
          accepted = decrease > 1e-13 * Swift.max(1, abs(f))
          break
        }
        t *= 0.5
      }
      support = (0..<m).filter { c[$0] > 0 }
      if !accepted { break }
    }
    return c
  }
}

/// The atoms of `ConeColumnGeneration`: unit directions u_a ∈ K_{b(a)} (d×m), their columns σ_b D_b X u_a (n×m),
/// the Gram matrix of the columns (m×m, extended by GEMMs as atoms arrive), columnsᵀy, and rounds unused.
private struct AtomSet {
  var blocks: [Int] = []
  var directions: Matrix
  var columns: Matrix
  var gram = Matrix(rows: 0, columns: 0)
  var aty: [Double] = []
  var idle: [Int] = []

  init(n: Int, d: Int) {
    directions = Matrix(rows: d, columns: 0)
    columns = Matrix(rows: n, columns: 0)
  }

  var count: Int { blocks.count }

  /// The most atoms `budget` holds: the m×m Gram (twice, while it is extended), the n×m columns and the d×m
  /// directions (also twice while appended).
  static func capacity(budget: MemoryBudget, n: Int, d: Int) -> Int {
    // 16 m² + 16 (n + d) m ≤ budget (bytes).
    let b = Double(budget.bytes), l = 16 * Double(n + d)
    let m = (-l + (l * l + 64 * b).squareRoot()) / 32
    return m.isFinite ? Int(Swift.min(m, Double(Int.max / 2))) : 0
  }

  mutating func append(_ list: [(b: Int, u: [Double])], base: GroupLassoSolver) {
    guard !list.isEmpty else { return }
    let n = base.n, m0 = count, k = list.count
    let u = Matrix(rows: base.d, columns: k, columnMajor: list.flatMap { $0.u })
    var c = Matrix.product(base.x, u)
    for (q, a) in list.enumerated() {
      let sb = base.signs[a.b]
      for j in 0..<n { c[j, q] *= sb * base.masks[j, a.b] }
    }
    let cross = m0 > 0 ? Matrix.product(columns, c, transA: .transpose) : Matrix(rows: 0, columns: k)
    let own = c.gram()
    var g = Matrix(rows: m0 + k, columns: m0 + k)
    for j in 0..<m0 { for i in 0..<m0 { g[i, j] = gram[i, j] } }
    for q in 0..<k {
      for i in 0..<m0 {
        g[i, m0 + q] = cross[i, q]
        g[m0 + q, i] = cross[i, q]
      }
      for r in 0..<k { g[m0 + r, m0 + q] = own[r, q] }
    }
    gram = g
    aty += c.multiply(base.y, trans: .transpose)
    blocks += list.map { $0.b }
    idle += [Int](repeating: 0, count: k)
    directions = directions.appendingColumns(u)
    columns = columns.appendingColumns(c)
  }

  /// Keeps the atoms at `indices` (in order).
  mutating func keep(_ indices: [Int]) {
    blocks = indices.map { blocks[$0] }
    idle = indices.map { idle[$0] }
    aty = indices.map { aty[$0] }
    directions = directions.columns(indices)
    columns = columns.columns(indices)
    gram = gram.rows(indices).columns(indices)
  }
}
