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
  /// Per block, the last system: its passive set is the global rows where λ was positive, with their columns
  /// s_j x_j of E_b and its least-squares factor (the next call's warm start).
  private var systems: [LockstepNNLS.System]
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
    systems = (0..<B).map { LockstepNNLS.System(block: $0, d: program.d) }
    tbuf = Matrix(rows: n, columns: B)
    fbuf = Matrix(rows: n, columns: B)
  }

  mutating func price(lossGradient g: [Double], threshold: Double, maxAtoms: Int) -> (dualNormBound: Double, atoms: [Atom]) {
    let rows = program.loss.rows, x = program.x, n = program.n, B = program.blocks
    // Xᵀ[T | σ⊙M⊙∇ℓ] (d × 2B): the screen with the last λ, and f_b = Xᵀ(σ_b D_b ∇ℓ) = −σ_b XᵀD_b v.
    program.certificateRHS(lossGrad: g, gamma: multipliers, into: &tbuf)
    program.adjoint(g, scale: 1, multipliers: nil, into: &fbuf)
    // Two d×B products joined (not one product with [T | F]: that n×2B copy was 1.6 GB per call at n = 10⁵, B = 10³).
    var sums = Matrix.product(x, tbuf, transA: .transpose).appendingColumns(Matrix.product(x, fbuf, transA: .transpose))
    rows.sum(&sums)
    var bounds = (0..<B).map { sums.column($0).norm2 }
    let over = (0..<B).filter { bounds[$0] > threshold }
    let offset = rowOffset, frobenius = self.frobenius
    for b in over { systems[b].restart(f: sums.column(B + b), frobenius: frobenius) }
    LockstepNNLS.solve(&systems, blocks: over, program: program, rowOffset: offset, totalRows: totalRows)
    var found: [(atom: Atom, value: Double)] = []
    for b in over {
      let dir = systems[b].set.residual.map { -$0 }  // E_bλ − f_b
      let value = dir.norm2
      bounds[b] = Swift.min(bounds[b], value)
      for j in 0..<n { multipliers[j, b] = 0 }
      systems[b].set.dropInactive()
      for (p, index) in systems[b].set.passive.enumerated() where index >= offset && index < offset + n {
        multipliers[index - offset, b] = systems[b].set.lambda[p]
      }
      // Only an optimal λ* makes the maximiser a point of K_b (any λ ≥ 0 still bounds c_b).
      if value > threshold && systems[b].converged { found.append((Atom(block: b, direction: dir.map { $0 / value }), value)) }
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
  /// One block's system: its passive set (global row indices, `PassiveSet`) and its state in the lockstep loop.
  struct System {
    var block: Int
    var set: PassiveSet
    /// The tolerance of the entering test, 10⁻¹²·‖E‖_F‖f‖ as in `NonNegativeLeastSquares`.
    var threshold = 0.0
    var converged = false
    var done = false

    /// Block `block`'s system with d rows and an empty passive set.
    init(block: Int, d: Int) {
      self.block = block
      set = PassiveSet(d: d)
    }

    /// The same passive set for a new right-hand side f (the warm start of the next solve).
    mutating func restart(f: [Double], frobenius: Double) {
      set.restart(f: f)
      threshold = 1e-12 * Swift.max(frobenius * f.norm2, 1e-300)
      converged = false
      done = false
    }
  }

  /// Solves the systems of `blocks` in place (on every process, with the same systems). Per Lawson–Hanson step:
  /// one GEMM X·R over the active blocks' residuals R (this process's rows), and three reductions — the best score
  /// per block (blocks on all cores), the lowest global row attaining it, its column.
  static func solve(_ systems: inout [System], blocks: [Int], program: ReLUBlockProgram, rowOffset offset: Int, totalRows total: Int) {
    let rows = program.loss.rows, x = program.x, masks = program.masks, n = program.n, d = program.d
    let budget = 3 * Swift.max(total, 1) + 10
    for q in blocks { systems[q].set.warmStart() }
    // Buffers of every step, sized for all the blocks (a step uses the first |active| entries; the reductions over
    // processes take whole buffers, the same size on every process).
    let m = blocks.count
    var active: [Int] = []
    active.reserveCapacity(m)
    var r = [Double](repeating: 0, count: d * m), w = [Double](repeating: 0, count: n * m)
    var columnOf = [Int](repeating: 0, count: m), bestRow = columnOf
    var tolerances = [Double](repeating: 0, count: m), best = tolerances, global = tolerances, claim = tolerances
    var entering = [Double](repeating: 0, count: m * d)
    while true {
      active.removeAll(keepingCapacity: true)
      for q in blocks where !systems[q].done { active.append(q) }
      guard !active.isEmpty else { break }
      let count = active.count
      // Scores w_jb = s_jb x_jᵀ(f_b − E_Pλ_b) on this process's rows, one GEMM for all active blocks.
      r.withUnsafeMutableBufferPointer { rp in
        for (a, q) in active.enumerated() {
          systems[q].set.iterations += 1
          systems[q].set.writeResidual(into: rp.baseAddress! + a * d)
        }
      }
      x.withUnsafeBufferPointer { xp in
        r.withUnsafeBufferPointer { rp in
          w.withUnsafeMutableBufferPointer { wp in
            RawBLAS.gemm(.none, .none, m: n, n: count, k: d, alpha: 1, xp.baseAddress!, lda: n, rp.baseAddress!, ldb: d, beta: 0, wp.baseAddress!, ldc: n)
          }
        }
      }
      // Per block the best-scoring row above the entering tolerance (the lowest among equals), blocks on all cores.
      for (a, q) in active.enumerated() {
        columnOf[a] = systems[q].block
        tolerances[a] = systems[q].threshold
        best[a] = -.infinity
        bestRow[a] = -1
      }
      masks.withUnsafeBufferPointer { mb in
        w.withUnsafeBufferPointer { wb in
          withPointers(tolerances) { tol in
            columnOf.withUnsafeBufferPointer { cb in
              best.withUnsafeMutableBufferPointer { bb in
                bestRow.withUnsafeMutableBufferPointer { rb in
                  let (mP, wP, column) = (SharedPointer(readingAny: mb), SharedPointer(readingAny: wb), SharedPointer(reading: cb))
                  let (bestP, rowP) = (SharedPointer(bb), SharedPointer(rb))
                  ParallelChunks.forEach(count, grain: Swift.max(1, (1 << 15) / Swift.max(1, n))) { _, range in
                    for a in range {
                      let mask = mP.base + column[a] * n, scores = wP.base + a * n
                      var top = tol[a], row = -1
                      for j in 0..<n {
                        let value = (2 * mask[j] - 1) * scores[j]
                        if value > top {
                          top = value
                          row = j
                        }
                      }
                      if row >= 0 {
                        bestP[a] = top
                        rowP[a] = row
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
      // A passive row scores about 0 (the residual is orthogonal to its column); should one still come out on top,
      // the block is scanned again without its passive rows.
      for (a, q) in active.enumerated() where bestRow[a] >= 0 && systems[q].set.passive.contains(offset + bestRow[a]) {
        var top = tolerances[a], row = -1
        for j in 0..<n where !systems[q].set.passive.contains(offset + j) {
          let value = (2 * masks[j, columnOf[a]] - 1) * w[a * n + j]
          if value > top {
            top = value
            row = j
          }
        }
        (best[a], bestRow[a]) = row >= 0 ? (top, row) : (-.infinity, -1)
      }
      // The largest score over the processes, then the lowest global row attaining it, then its column.
      for a in 0..<count { global[a] = best[a] }
      rows.max(&global)
      for a in 0..<count { claim[a] = bestRow[a] >= 0 && best[a] == global[a] ? -Double(offset + bestRow[a]) : -.infinity }
      rows.max(&claim)
      for e in entering.indices { entering[e] = 0 }
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
        } else if systems[q].set.iterations >= budget {
          systems[q].done = true
        } else {
          if !systems[q].set.enter(Int(-claim[a]), column: entering[(a * d)..<((a + 1) * d)], budget: budget) { systems[q].done = true }
        }
      }
    }
  }
}
