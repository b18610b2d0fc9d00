/// The exact pricing oracle of C-ReLU (MATH.md §3.5 way 1): every block's cone maximum
///
///     c_b(v) = max{σ_b vᵀD_bXu : u ∈ K_b, ‖u‖ ≤ 1} = min_{λ≥0} ‖E_bλ − f_b‖,   E_b = XᵀS_b, f_b = −σ_b XᵀD_b v,
///
/// screened with the block's previous λ (any λ ≥ 0 bounds c_b from above; one GEMM for all blocks) and solved by
/// Lawson–Hanson NNLS (`LockstepNNLS`), warm-started from the block's previous support, only where the screen exceeds
/// the threshold. The maximiser `u_b = (E_bλ* − f_b)/c_b` lies in K_b (NNLS optimality), so it is an atom.
///
/// The blocks above the threshold are solved together: one GEMM X·R scores every row for every block per
/// Lawson–Hanson step, instead of a d×n system per block. The same code runs data-parallel (`program.loss.rows`
/// distributed, each process holding a block of the rows of X): the sums over rows (the screen and f) are one
/// allreduce of d×2B, each passive set (a few columns of length d) is held by every process, and only the entering
/// column needs the rows — each process scores its own, the maximum is reduced, the lowest global row attaining it
/// chosen and its column sent to all. Every bound stays the norm of a residual at some λ ≥ 0.
struct ConePricer: PricingOracle {
  let program: ReLUBlockProgram
  /// The last NNLS λ per block (this process's rows × B).
  private(set) var multipliers: Matrix
  /// Per block, the global rows where the last λ was positive and their columns s_j x_j of E_b (d each).
  private var supports: [[Int]]
  private var supportColumns: [[Double]]
  private var tbuf: Matrix
  private var fbuf: Matrix
  /// This process's first global row, the number of rows over all processes, and ‖X‖_F over them (fixed for the
  /// solve: reduced once, when every process creates its pricer).
  private let rowOffset: Int, totalRows: Int, frobenius: Double

  init(program: ReLUBlockProgram) {
    self.program = program
    let n = program.n, B = program.blocks, rows = program.loss.rows
    (rowOffset, totalRows) = rows.rowOffset(localCount: n)
    frobenius = rows.sum(program.x.frobeniusNorm * program.x.frobeniusNorm).squareRoot()
    multipliers = Matrix(rows: n, columns: B)
    supports = [[Int]](repeating: [], count: B)
    supportColumns = [[Double]](repeating: [], count: B)
    tbuf = Matrix(rows: n, columns: B)
    fbuf = Matrix(rows: n, columns: B)
  }

  mutating func price(lossGradient g: [Double], threshold: Double, maxAtoms: Int) -> (dualNormBound: Double, atoms: [Atom]) {
    let rows = program.loss.rows, x = program.x, n = program.n, d = program.d, B = program.blocks
    // Xᵀ[T | σ⊙M⊙∇ℓ] (d × 2B): the screen with the last λ, and f_b = Xᵀ(σ_b D_b ∇ℓ) = −σ_b XᵀD_b v.
    program.certificateRHS(lossGrad: g, gamma: multipliers, into: &tbuf)
    program.adjoint(g, scale: 1, multipliers: nil, into: &fbuf)
    var sums = Matrix.product(x, tbuf.appendingColumns(fbuf), transA: .transpose)
    rows.sum(&sums)
    var bounds = (0..<B).map { sums.column($0).norm2 }
    let over = (0..<B).filter { bounds[$0] > threshold }
    let offset = rowOffset, frobenius = self.frobenius
    let systems = over.map { b in
      LockstepNNLS.System(block: b, f: sums.column(B + b), supports: supports[b], columns: supportColumns[b], frobenius: frobenius)
    }
    let solved = LockstepNNLS.solve(systems, program: program, rowOffset: offset, totalRows: totalRows)
    var found: [(atom: Atom, value: Double)] = []
    for (q, b) in over.enumerated() {
      let s = solved[q]
      let dir = s.residual.map { -$0 }  // E_bλ − f_b
      let value = dir.norm2
      bounds[b] = Swift.min(bounds[b], value)
      for j in 0..<n { multipliers[j, b] = 0 }
      var keep: [Int] = [], columns: [Double] = []
      for (p, index) in s.passive.enumerated() where s.lambda[p] > 0 {
        keep.append(index)
        columns += s.columns[(p * d)..<((p + 1) * d)]
        if index >= offset && index < offset + n { multipliers[index - offset, b] = s.lambda[p] }
      }
      supports[b] = keep
      supportColumns[b] = columns
      // Only an optimal λ* makes the maximiser a point of K_b (any λ ≥ 0 still bounds c_b).
      if value > threshold && s.converged { found.append((Atom(block: b, direction: dir.map { $0 / value }), value)) }
    }
    let cbar = bounds.max() ?? 0
    if found.count > maxAtoms { found = Array(found.sorted { $0.value > $1.value }.prefix(maxAtoms)) }
    return (cbar, found.map(\.atom))
  }
}

/// Lawson–Hanson NNLS `min_{λ≥0} ‖E_bλ − f_b‖` (as `NonNegativeLeastSquares`) for several blocks of a C-ReLU program
/// at once, the rows of X possibly spread over processes (`ConePricer`): column j of E_b is s_jb x_j (s = 2m − 1);
/// λ is indexed by global row.
enum LockstepNNLS {
  /// One block's system and state: the passive rows (global indices), their columns (d each) and λ on them.
  struct System {
    var block: Int
    var f: [Double]
    var passive: [Int]
    var columns: [Double]
    var lambda: [Double] = []
    /// The tolerance of the entering test, 10⁻¹²·‖E‖_F‖f‖ as in `NonNegativeLeastSquares`.
    var threshold: Double
    var converged = false
    var done = false
    var iterations = 0

    init(block: Int, f: [Double], supports: [Int], columns: [Double], frobenius: Double) {
      self.block = block
      self.f = f
      passive = supports
      self.columns = columns
      threshold = 1e-12 * Swift.max(frobenius * f.norm2, 1e-300)
    }

    var d: Int { f.count }
    /// E_P (d × |P|).
    var passiveMatrix: Matrix { Matrix(rows: d, columns: passive.count, columnMajor: columns) }

    /// f − E_Pλ.
    var residual: [Double] {
      var r = f
      for (p, l) in lambda.enumerated() where l != 0 { for i in 0..<d { r[i] -= l * columns[p * d + i] } }
      return r
    }

    /// Keeps the passive entries at `keep` (in order).
    mutating func keep(_ keep: [Int]) {
      let d = self.d
      passive = keep.map { passive[$0] }
      columns = keep.flatMap { columns[($0 * d)..<(($0 + 1) * d)] }
      if !lambda.isEmpty { lambda = keep.map { lambda[$0] } }
    }

    /// The warm start: the given passive set shrunk until its least-squares solution is positive.
    mutating func warmStart() {
      lambda = []
      while !passive.isEmpty {
        guard let ls = NonNegativeLeastSquares.passiveSolve(passiveMatrix, f) else { return keep([]) }
        let positive = ls.indices.filter { ls[$0] > 0 }
        if positive.count == ls.count {
          lambda = ls
          return
        }
        keep(positive)
      }
    }

    /// Adds row `index` (column `column`) to the passive set and runs Lawson–Hanson's inner loop; `done` when a
    /// least-squares step fails, no passive entry can leave, or the budget runs out (not converged).
    mutating func enter(_ index: Int, column: ArraySlice<Double>, budget: Int) {
      passive.append(index)
      columns += column
      lambda.append(0)
      while true {
        guard let ls = NonNegativeLeastSquares.passiveSolve(passiveMatrix, f) else {
          done = true
          return
        }
        if ls.allSatisfy({ $0 > 0 }) {
          lambda = ls
          return
        }
        // Step towards ls until the first passive coordinate reaches 0 (it leaves), with any other at 0.
        var alpha = 1.0, blocking = -1
        for p in ls.indices where ls[p] <= 0 {
          let den = lambda[p] - ls[p]
          if den > 0 && lambda[p] / den < alpha {
            alpha = lambda[p] / den
            blocking = p
          }
        }
        for p in lambda.indices { lambda[p] += alpha * (ls[p] - lambda[p]) }
        let stay = lambda.indices.filter { !($0 == blocking || lambda[$0] <= 1e-15 * Swift.max(1, abs(ls[$0]))) }
        guard stay.count < lambda.count else {
          done = true
          return
        }
        keep(stay)
        iterations += 1
        if iterations >= budget {
          done = true
          return
        }
      }
    }
  }

  /// Solves every system (on every process, with the same systems); returns them in order. Per Lawson–Hanson step:
  /// one GEMM X·R over the active blocks' residuals R (this process's rows), and three reductions — the best score
  /// per block, the lowest global row attaining it, its column.
  static func solve(_ input: [System], program: ReLUBlockProgram, rowOffset offset: Int, totalRows total: Int) -> [System] {
    let rows = program.loss.rows, x = program.x, masks = program.masks, n = program.n, d = program.d
    let budget = 3 * Swift.max(total, 1) + 10
    var systems = input
    for q in systems.indices { systems[q].warmStart() }
    var r = [Double](repeating: 0, count: d * systems.count), w = [Double](repeating: 0, count: n * systems.count)
    while true {
      let active = systems.indices.filter { !systems[$0].done }
      guard !active.isEmpty else { break }
      // Scores w_jb = s_jb x_jᵀ(f_b − E_Pλ_b) on this process's rows, one GEMM for all active blocks.
      for (a, q) in active.enumerated() {
        systems[q].iterations += 1
        let res = systems[q].residual
        for i in 0..<d { r[a * d + i] = res[i] }
      }
      x.withUnsafeBufferPointer { xp in
        r.withUnsafeBufferPointer { rp in
          w.withUnsafeMutableBufferPointer { wp in
            RawBLAS.gemm(.none, .none, m: n, n: active.count, k: d, alpha: 1, xp.baseAddress!, lda: n, rp.baseAddress!, ldb: d, beta: 0, wp.baseAddress!, ldc: n)
          }
        }
      }
      var best = [Double](repeating: -.infinity, count: active.count), bestRow = [Int](repeating: -1, count: active.count)
      masks.withUnsafeBufferPointer { m in
        for (a, q) in active.enumerated() {
          let mb = m.baseAddress! + systems[q].block * n
          var top = systems[q].threshold
          for j in 0..<n {
            let value = (2 * mb[j] - 1) * w[a * n + j]
            if value > top && !systems[q].passive.contains(offset + j) {
              top = value
              bestRow[a] = j
            }
          }
          if bestRow[a] >= 0 { best[a] = top }
        }
      }
      // The largest score over the processes, then the lowest global row attaining it, then its column.
      var global = best
      rows.max(&global)
      var claim = (0..<active.count).map { a in bestRow[a] >= 0 && best[a] == global[a] ? -Double(offset + bestRow[a]) : -Double.infinity }
      rows.max(&claim)
      var entering = [Double](repeating: 0, count: active.count * d)
      for (a, q) in active.enumerated() where global[a] > -.infinity {
        let index = Int(-claim[a])
        guard index >= offset && index < offset + n else { continue }
        let j = index - offset, sg = 2 * masks[j, systems[q].block] - 1
        for i in 0..<d { entering[a * d + i] = sg * x[j, i] }
      }
      rows.sum(&entering)
      for (a, q) in active.enumerated() {
        if global[a] == -.infinity {
          // No row scores above the tolerance on any process: λ is optimal (Lawson–Hanson's KKT test).
          systems[q].converged = true
          systems[q].done = true
        } else if systems[q].iterations >= budget {
          systems[q].done = true
        } else {
          systems[q].enter(Int(-claim[a]), column: entering[(a * d)..<((a + 1) * d)], budget: budget)
        }
      }
    }
    return systems
  }
}
