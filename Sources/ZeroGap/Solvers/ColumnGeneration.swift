/// Column generation (fully corrective conditional gradient) over any `GroupSparseProgram` with an exact pricing
/// oracle, for the squared or logistic loss (MATH.md §3.3–3.5, §3.8). For C-ReLU it is the exact solver for tall data
/// (n ≫ d), where each cone K_b is narrow and ADMM's iterates stay infeasible.
///
/// The program in atom form: every block is a conic combination of unit atoms u (points of its block, `Atom`), and
/// `‖Σ_a c_a u_a‖ ≤ Σ_a c_a` with equality for a single atom, so (C-ReLU: 𝒜𝒳u_a = σ_b D_b X u_a)
///
///     p_sampled = min_{c ≥ 0} ℓ(Σ_a c_a 𝒜𝒳u_a, y) + β Σ_a c_a      (over all unit atoms).
///
/// Each round:
/// 1. *Pricing* (§3.5 way 1, exact): at v = −∇ℓ(ŷ) the program's `PricingOracle` returns c̄ ≥ c(v) and the
///    maximising atoms of the blocks whose maximum exceeds β(1 + tol/10) (C-ReLU: `ConePricer`, NNLS per cone).
/// 2. *Certificate:* c̄ gives the lower bound of §3.5 (best scaling of v); the upper bound is the network of the
///    merged blocks `v_b = Σ_{a∈b} c_a u_a` (penalty ≤ Σ c_a), repaired into the program if rounding left it.
/// 3. *Master:* the new atoms join and the program over all atoms is solved: for the squared loss exactly, the
///    non-negative lasso (`NonNegativeQuadratic` on the atoms' Gram matrix, maintained incrementally, warm-started);
///    for the logistic loss by proximal Newton steps (the same QP on the weighted Gram AᵀWA, W = ∇²ℓ, then a
///    backtracking line search on the true objective).
/// At most max(1000, 4d) atoms join per round, the largest maxima first, and never more than the memory budget holds
/// (`AtomSet.capacity`; the solve then stops with `memoryLimit`). Atoms unused for three rounds are dropped;
/// `options.maxIterations` counts rounds, and the solve stops as stalled when no block is priced above the threshold
/// but the gap is still above the tolerance, or the gap has not shrunk by 1 % in 25 rounds. When the bounds are
/// within 20 %, the program's `polish` (C-ReLU: `ActiveSetPolish`) runs from the merged blocks and its candidate is
/// certified like any other.
///
/// Data-parallel (`program.loss.rows` distributed, each process holding a block of the rows): the atoms' columns,
/// predictions and loss gradients stay with their rows; the Gram matrix, Aᵀy, loss values, dual bounds and the
/// pricing's sums are reduced (`ConePricer` prices over the processes' rows), so every process runs the same
/// master on the same numbers and certifies the same bound. The polish, a Newton method over all rows, is skipped.
struct ColumnGeneration<Program: PricedProgram> {
  /// The program; its `repair` moves upper-bound candidates that leave their constraints back (NNLS maximisers are
  /// cone points only to the NNLS's accuracy, and the polish may leave a cone).
  let program: Program

  /// Whether the master applies to the program's loss: squared or logistic, without a centred (bias) target.
  static func applies(to program: Program) -> Bool { applies(to: program.loss) }

  /// Whether the master applies to `loss`: squared or logistic, without a centred (bias) target.
  static func applies(to loss: SolverLoss) -> Bool { loss.kind != .hinge && !loss.centered && !loss.isHuber }

  func solve(start: Matrix?, options: ConvexSolverOptions) -> ProximalGradientSolver<Program>.Result {
    var loop = CertifiedLoop(options: options)
    let program = self.program
    let y = program.targets, beta = program.beta, loss = program.loss.kind, rows = program.loss.rows
    let n = program.sampleCount, d = program.blockSize, B = program.blockCount

    var atoms = AtomSet(n: n, d: d)
    var coef: [Double] = []
    var pricer = program.makePricer()
    var yhat = [Double](repeating: 0, count: n)
    var lossGrad = [Double](repeating: 0, count: n)
    var bestV = Matrix(rows: d, columns: B)
    var rounds = 0
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
    /// Keeps V, repaired into the program (`repair`), if its network's objective (an attained upper bound on the
    /// program's optimum) is the best so far.
    func considerUpper(_ candidate: Matrix) {
      var v = candidate
      guard let value = program.repairedObjective(&v) else { return }
      if loop.offerUpper(value) { bestV = v }
    }
    /// Raises the lower bound with the dual point v = −∇ℓ scaled into {c(v) ≤ β} (§3.5).
    func considerLower(_ lossGrad: [Double], cbar: Double) {
      loop.offerDual(v: lossGrad.map { -$0 }, y: y, loss: program.loss, dualNormBound: cbar, beta: beta)
    }
    /// ∇ℓ at the prediction ŷ into `lossGrad`.
    func gradient(at yhat: [Double], into g: inout [Double]) {
      yhat.withUnsafeBufferPointer { p in
        y.withUnsafeBufferPointer { q in g.withUnsafeMutableBufferPointer { gp in _ = loss.valueAndGradient(p, q, gradient: gp) } }
      }
    }

    // Warm start: the start's feasible nonzero blocks become atoms with their norms as coefficients.
    if let s = start, s.rows == d, s.columns == B {
      considerUpper(s)
      let seeds = program.seedAtoms(s)
      atoms.append(seeds.map(\.atom), program: program, rows: rows)
      coef += seeds.map(\.weight)
    }
    considerUpper(Matrix(rows: d, columns: B))

    while rounds < options.maxIterations {
      rounds += 1
      // Pricing and certificate at the master's prediction ŷ = A c.
      yhat = atoms.count > 0 ? atoms.columns.multiply(coef) : [Double](repeating: 0, count: n)
      gradient(at: yhat, into: &lossGrad)
      let priced = pricer.price(lossGradient: lossGrad, threshold: threshold, maxAtoms: maxNewAtoms)
      considerLower(lossGrad, cbar: priced.dualNormBound)
      if atoms.count > 0 { considerUpper(merged()) }
      if !rows.isDistributed && loop.relativeGap > options.tolerance && loop.relativeGap <= 0.2 && atoms.count > 0 && rounds - polishedAt >= 5 {
        polishedAt = rounds
        if let cand = program.polish(merged(), multipliers: pricer.multipliers) {
          considerUpper(cand.u)
          considerLower(cand.lossGradient, cbar: pricer.price(lossGradient: cand.lossGradient, threshold: threshold, maxAtoms: maxNewAtoms).dualNormBound)
        }
      }
      if loop.checkpoint(iteration: rounds) { break }
      let gap = loop.relativeGap
      // No block maximum above β(1 + tol/10) but the gap still open (rounding limits what the master can do), or
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
      atoms.append(newAtoms, program: program, rows: rows)
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
    let report = loop.report(iterations: rounds, outerIterations: atoms.count, constraintViolation: program.constraintViolation(bestV))
    // No n×B multipliers: the pricing's λ live per block in its passive sets (a few rows each), and building them
    // here cost a dense n×B matrix (800 MB at n = 10⁵, B = 10³) for a warm start only ADMM would read (it then
    // starts its multipliers at zero).
    return .init(u: bestV, multipliers: Matrix(rows: 0, columns: 0), penalty: 1, report: report)
  }

  /// `min_{c ≥ 0} ℓ(Ac, y) + β Σ c` (A = the atom columns, n×m) by proximal Newton from `start`: each step solves the
  /// non-negative QP of the local quadratic model (weighted Gram AᵀWA, W = diag ∇²ℓ) and backtracks on the true
  /// objective; stops when a step lowers it by less than 1e-13 relative (at most 50 steps).
  func proximalNewton(columns a: Matrix, start: [Double], warm: [Int]) -> [Double] {
    let n = program.sampleCount, m = a.columns, y = program.targets, beta = program.beta, loss = program.loss.kind
    let rows = program.loss.rows
    var c = start
    func objective(_ c: [Double]) -> (value: Double, yhat: [Double]) {
      let yhat = a.multiply(c)
      return (program.loss.value(yhat, y) + beta * c.reduce(0, +), yhat)
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
      var h = wa.gram()
      rows.sum(&h)
      let hc = h.multiply(c)
      var atg = a.multiply(grad, trans: .transpose)
      rows.sum(&atg)
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

/// The atoms of `ColumnGeneration`: unit directions u_a ∈ K_{b(a)} (d×m), their columns 𝒜𝒳u_a (n×m; σ_b D_b X u_a for C-ReLU),
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

  /// Appends atoms; the Gram entries and Aᵀy are sums over the rows, reduced with `rows`.
  mutating func append<Program: PricedProgram>(_ list: [Atom], program: Program, rows: RowReduction) {
    guard !list.isEmpty else { return }
    let m0 = count, k = list.count
    let u = Matrix(rows: program.blockSize, columns: k, columnMajor: list.flatMap { $0.direction })
    let c = program.atomPredictions(list)
    var cross = m0 > 0 ? Matrix.product(columns, c, transA: .transpose) : Matrix(rows: 0, columns: k)
    var own = c.gram()
    var ownAty = c.multiply(program.targets, trans: .transpose)
    rows.sum(&cross)
    rows.sum(&own)
    rows.sum(&ownAty)
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
    aty += ownAty
    blocks += list.map(\.block)
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
