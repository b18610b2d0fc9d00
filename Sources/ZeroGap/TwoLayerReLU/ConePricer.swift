/// The exact pricing oracle of C-ReLU (MATH.md §3.5 way 1): every block's cone maximum
///
///     c_b(v) = max{σ_b vᵀD_bXu : u ∈ K_b, ‖u‖ ≤ 1} = min_{λ≥0} ‖E_bλ − f_b‖,   E_b = XᵀS_b, f_b = −σ_b XᵀD_b v,
///
/// screened with the block's previous λ (any λ ≥ 0 bounds c_b from above; f for all blocks is one GEMM) and solved by
/// Lawson–Hanson NNLS (`LockstepNNLS`), warm-started from the block's previous support, only where the screen exceeds
/// the threshold. The maximiser `u_b = (E_bλ* − f_b)/c_b` lies in K_b (NNLS optimality), so it is an atom.
///
/// The blocks above the threshold are solved together: one GEMM X·R scores every row for every block per full
/// check of `LockstepNNLS` (Lawson–Hanson runs on each block's best-scoring rows between checks), instead of a
/// d×n system per block. The same code runs data-parallel (`program.loss.rows` distributed, each process holding a
/// block of the rows of X): the sums over rows (f) are one allreduce of d×B, each block's passive
/// and candidate rows (a few columns of length d) are held by every process, and only the full checks need the
/// rows — each process scores its own and the best rows' scores, global indices and columns are gathered to all.
/// Every bound stays the norm of a residual at some λ ≥ 0.
struct ConePricer: PricingOracle {
  let program: ReLUBlockProgram
  /// Per block, the last system: its passive set is the global rows where λ was positive, with their columns
  /// s_j x_j of E_b, λ on them and its least-squares factor (the next call's warm start and screen).
  private var systems: [LockstepNNLS.System]
  /// This process's first global row, the number of rows over all processes, and ‖X‖_F over them (fixed for the
  /// solve: reduced once, when every process creates its pricer).
  private let rowOffset: Int, totalRows: Int, frobenius: Double
  /// How `LockstepNNLS` runs (candidate rows per full check, scores buffer).
  var tuning = LockstepNNLS.Tuning()

  init(program: ReLUBlockProgram) {
    self.program = program
    let n = program.n, B = program.blocks, rows = program.loss.rows
    (rowOffset, totalRows) = rows.rowOffset(localCount: n)
    frobenius = rows.sum(program.x.frobeniusNorm * program.x.frobeniusNorm).squareRoot()
    systems = (0..<B).map { LockstepNNLS.System(block: $0, d: program.d) }
  }

  /// The last NNLS λ per block (this process's rows × B; built when asked, from the passive sets).
  var multipliers: Matrix {
    let n = program.n, offset = rowOffset
    var gamma = Matrix(rows: n, columns: program.blocks)
    for (b, system) in systems.enumerated() where system.set.lambda.count == system.set.passive.count {
      for (p, index) in system.set.passive.enumerated() where index >= offset && index < offset + n {
        gamma[index - offset, b] = system.set.lambda[p]
      }
    }
    return gamma
  }

  mutating func price(lossGradient g: [Double], threshold: Double, maxAtoms: Int) -> (dualNormBound: Double, atoms: [Atom]) {
    let rows = program.loss.rows, x = program.x, n = program.n, d = program.d, B = program.blocks
    // F = [f_b] = [Xᵀ(σ_b D_b ∇ℓ)] = [−σ_b XᵀD_b v] (d × B) as one GEMM (∇ℓ ⊙ X)ᵀM, reduced over the processes;
    // then the screen with the last λ, Xᵀ(σ_b D_b v + S_bλ_b) = E_bλ_b − f_b, from the passive sets (every process
    // holds them whole: no reduction), in the first B columns of `sums` (d × 2B).
    var scaled = x
    scaled.withUnsafeMutableBufferPointer { xp in
      for i in 0..<d { for j in 0..<n { xp[i * n + j] *= g[j] } }
    }
    var f = Matrix.product(scaled, program.masks, transA: .transpose)
    for b in 0..<B where program.signs[b] < 0 { for i in 0..<d { f[i, b] = -f[i, b] } }
    rows.sum(&f)
    var sums = Matrix(rows: d, columns: B).appendingColumns(f)
    sums.withUnsafeMutableBufferPointer { sp in
      for b in 0..<B {
        let column = sp.baseAddress! + b * d
        systems[b].set.writeCombination(into: column)
        for i in 0..<d { column[i] -= sp[(B + b) * d + i] }
      }
    }
    var bounds = (0..<B).map { sums.column($0).norm2 }
    let over = (0..<B).filter { bounds[$0] > threshold }
    let offset = rowOffset, frobenius = self.frobenius
    for b in over { systems[b].restart(f: sums.column(B + b), frobenius: frobenius) }
    LockstepNNLS.solve(&systems, blocks: over, program: program, rowOffset: offset, totalRows: totalRows, tuning: tuning)
    var found: [(atom: Atom, value: Double)] = []
    for b in over {
      let dir = systems[b].set.residual.map { -$0 }  // E_bλ − f_b
      let value = dir.norm2
      bounds[b] = Swift.min(bounds[b], value)
      systems[b].set.dropInactive()
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
///
/// Lawson–Hanson on candidate rows, checked against all rows: a *full check* scores every row for every unfinished
/// block with one GEMM X·R (R the blocks' residuals f_b − E_Pλ_b) and finds no row above the entering tolerance
/// (λ is optimal: Lawson–Hanson's KKT test over all n rows) or makes the `batch` best-scoring rows candidates;
/// Lawson–Hanson's steps then run on the block's candidates alone (scores Cᵀr: d·|C| flops, blocks on all cores)
/// until none scores above the tolerance, and the next full check follows. With n ≫ d the optimal support has at
/// most d rows and a few checks find it, where one GEMM per entering row made the n×B scoring the whole cost.
/// Every λ stays non-negative, so every residual norm bounds the cone maximum whether or not a block converged.
enum LockstepNNLS {
  /// The knobs of `solve`: neither changes its result beyond rounding, only how the work is split.
  struct Tuning {
    /// Candidate rows added per block and full check (nil: max(16, d)).
    var batch: Int? = nil
    /// The most doubles of the full check's scores buffer: its GEMMs take as many blocks at a time as n-row columns
    /// fit (at least one).
    var scoreBuffer = 1 << 22
  }

  /// One block's system: its passive set (global row indices, `PassiveSet`), its candidate rows and its state.
  struct System {
    var block: Int
    var set: PassiveSet
    /// The tolerance of the entering test, 10⁻¹²·‖E‖_F‖f‖ as in `NonNegativeLeastSquares`.
    var threshold = 0.0
    var converged = false
    var done = false
    /// Candidate rows (global indices) and their columns s_j x_j (d each), from this solve's full checks.
    private(set) var candidates: [Int] = []
    private var candidateColumns: [Double] = []
    /// Scratch: the residual (d) and the candidates' scores (|C|).
    private var residual: [Double]
    private var scores: [Double] = []

    /// Block `block`'s system with d rows and an empty passive set.
    init(block: Int, d: Int) {
      self.block = block
      set = PassiveSet(d: d)
      residual = [Double](repeating: 0, count: d)
    }

    /// The same passive set for a new right-hand side f (the warm start of the next solve), without candidates.
    mutating func restart(f: [Double], frobenius: Double) {
      set.restart(f: f)
      threshold = 1e-12 * Swift.max(frobenius * f.norm2, 1e-300)
      converged = false
      done = false
      candidates.removeAll(keepingCapacity: true)
      candidateColumns.removeAll(keepingCapacity: true)
    }

    /// Whether global row `row` is a candidate or passive.
    func holds(_ row: Int) -> Bool { candidates.contains(row) || set.passive.contains(row) }

    /// Makes global row `row` (column `column`, d entries) a candidate.
    mutating func addCandidate(_ row: Int, column: UnsafeBufferPointer<Double>) {
      candidates.append(row)
      candidateColumns.append(contentsOf: column)
    }

    /// Lawson–Hanson's steps on the candidates: the best-scoring candidate outside the passive set enters while one
    /// scores above the tolerance; `done` (not converged) when a step fails or the budget is spent.
    mutating func descend(budget: Int) {
      let d = set.d
      while !done {
        let m = candidates.count
        if scores.count < m { scores = [Double](repeating: 0, count: Swift.max(m, 2 * scores.count)) }
        residual.withUnsafeMutableBufferPointer { set.writeResidual(into: $0.baseAddress!) }
        candidateColumns.withUnsafeBufferPointer { c in
          residual.withUnsafeBufferPointer { r in
            scores.withUnsafeMutableBufferPointer { s in
              RawBLAS.gemv(.transpose, m: d, n: m, alpha: 1, c.baseAddress!, lda: d, r.baseAddress!, beta: 0, s.baseAddress!)
            }
          }
        }
        var top = threshold, best = -1
        for p in 0..<m where scores[p] > top && !set.passive.contains(candidates[p]) {
          top = scores[p]
          best = p
        }
        guard best >= 0 else { return }
        if set.iterations >= budget {
          done = true
          return
        }
        set.iterations += 1
        if !set.enter(candidates[best], column: candidateColumns[(best * d)..<((best + 1) * d)], budget: budget) { done = true }
      }
    }
  }

  /// Solves the systems of `blocks` in place (on every process, with the same systems). Per full check: GEMMs
  /// X·R over the unfinished blocks' residuals (this process's rows, `tuning.scoreBuffer` at a time), each block's
  /// `tuning.batch` best rows above its tolerance on every process (blocks on all cores), one reduction gathering
  /// them (scores, global rows, columns) to every process, then Lawson–Hanson on the candidates (blocks on all
  /// cores).
  static func solve(_ systems: inout [System], blocks: [Int], program: ReLUBlockProgram, rowOffset offset: Int, totalRows total: Int, tuning: Tuning = Tuning()) {
    let rows = program.loss.rows, x = program.x, masks = program.masks, n = program.n, d = program.d
    let k = Swift.max(1, tuning.batch ?? Swift.max(16, d))
    let processes = rows.communicator?.size ?? 1, rank = rows.communicator?.rank ?? 0
    let budget = 3 * Swift.max(total, 1) + 10
    for q in blocks { systems[q].set.warmStart() }
    // Buffers of every check, sized for all the blocks (a check uses the first |unfinished| entries; the reduction
    // takes the whole buffer, the same size on every process). A gathered entry: score, global row + 1 (0: none),
    // column.
    let m = blocks.count, entry = d + 2
    var active: [Int] = []
    active.reserveCapacity(m)
    // Scores for `chunk` blocks at a time (an n × chunk buffer, not n × B).
    let chunk = Swift.max(1, Swift.min(m, tuning.scoreBuffer / Swift.max(1, n)))
    var r = [Double](repeating: 0, count: d * m), w = [Double](repeating: 0, count: n * chunk)
    var columnOf = [Int](repeating: 0, count: m), tolerances = [Double](repeating: 0, count: m)
    var topScore = [Double](repeating: 0, count: m * k), topRow = [Int](repeating: -1, count: m * k)
    var gathered = [Double](repeating: 0, count: m * processes * k * entry)
    var merged: [(score: Double, row: Int, at: Int)] = []
    while true {
      active.removeAll(keepingCapacity: true)
      for q in blocks where !systems[q].done { active.append(q) }
      guard !active.isEmpty else { break }
      let count = active.count
      for (a, q) in active.enumerated() {
        columnOf[a] = systems[q].block
        tolerances[a] = systems[q].threshold
      }
      // Scores w_jb = s_jb x_jᵀ(f_b − E_Pλ_b) on this process's rows, one GEMM per chunk of unfinished blocks.
      r.withUnsafeMutableBufferPointer { rp in
        for (a, q) in active.enumerated() { systems[q].set.writeResidual(into: rp.baseAddress! + a * d) }
      }
      for start in stride(from: 0, to: count, by: chunk) {
        let width = Swift.min(chunk, count - start)
        x.withUnsafeBufferPointer { xp in
          r.withUnsafeBufferPointer { rp in
            w.withUnsafeMutableBufferPointer { wp in
              RawBLAS.gemm(.none, .none, m: n, n: width, k: d, alpha: 1, xp.baseAddress!, lda: n, rp.baseAddress! + start * d, ldb: d, beta: 0, wp.baseAddress!, ldc: n)
            }
          }
        }
        // Per block the k best rows above the entering tolerance, best first (the lowest row among equals).
        masks.withUnsafeBufferPointer { mb in
          w.withUnsafeBufferPointer { wb in
            withPointers(tolerances) { tol in
              columnOf.withUnsafeBufferPointer { cb in
                topScore.withUnsafeMutableBufferPointer { sb in
                  topRow.withUnsafeMutableBufferPointer { rb in
                    let (mP, wP, column) = (SharedPointer(readingAny: mb), SharedPointer(readingAny: wb), SharedPointer(reading: cb))
                    let (scoreP, rowP) = (SharedPointer(sb), SharedPointer(rb))
                    ParallelChunks.forEach(width, grain: Swift.max(1, (1 << 15) / Swift.max(1, n))) { _, range in
                      for a in (start + range.lowerBound)..<(start + range.upperBound) {
                        let mask = mP.base + column[a] * n, scores = wP.base + (a - start) * n
                        let ts = scoreP.base + a * k, tr = rowP.base + a * k
                        var kept = 0, floor = tol[a]
                        for j in 0..<n {
                          let value = (2 * mask[j] - 1) * scores[j]
                          guard value > floor else { continue }
                          var i = kept < k ? kept : k - 1
                          if kept < k { kept += 1 }
                          while i > 0 && ts[i - 1] < value {
                            ts[i] = ts[i - 1]
                            tr[i] = tr[i - 1]
                            i -= 1
                          }
                          ts[i] = value
                          tr[i] = j
                          if kept == k { floor = ts[k - 1] }
                        }
                        for i in kept..<k { tr[i] = -1 }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
      // Gathered to every process: this process's entries in its own slots, zeros elsewhere, summed.
      let used = count * processes * k * entry
      for e in 0..<used { gathered[e] = 0 }
      for a in 0..<count {
        let block = columnOf[a]
        for t in 0..<k where topRow[a * k + t] >= 0 {
          let j = topRow[a * k + t], sg = 2 * masks[j, block] - 1
          let e = ((a * processes + rank) * k + t) * entry
          gathered[e] = topScore[a * k + t]
          gathered[e + 1] = Double(offset + j + 1)
          for i in 0..<d { gathered[e + 2 + i] = sg * x[j, i] }
        }
      }
      rows.sum(&gathered)
      // Per block the k best gathered rows (the lowest global row among equals) that are new join the candidates;
      // none above the tolerance on any process: λ is optimal (Lawson–Hanson's KKT test).
      for (a, q) in active.enumerated() {
        merged.removeAll(keepingCapacity: true)
        for slot in 0..<(processes * k) {
          let e = (a * processes * k + slot) * entry
          if gathered[e + 1] > 0 { merged.append((gathered[e], Int(gathered[e + 1]) - 1, e)) }
        }
        guard !merged.isEmpty else {
          systems[q].converged = true
          systems[q].done = true
          continue
        }
        merged.sort { $0.score > $1.score || ($0.score == $1.score && $0.row < $1.row) }
        var added = 0
        gathered.withUnsafeBufferPointer { g in
          for item in merged where added < k && !systems[q].holds(item.row) {
            systems[q].addCandidate(item.row, column: UnsafeBufferPointer(rebasing: g[(item.at + 2)..<(item.at + 2 + d)]))
            added += 1
          }
        }
        // Only rows the candidates' own scores put at or below the tolerance (rounding between the GEMM and the
        // candidates' products): stop without claiming optimality (the bound holds; the block gives no atom).
        if added == 0 { systems[q].done = true }
      }
      // Lawson–Hanson on the candidates, blocks on all cores (each chunk touches only its own systems; its small
      // BLAS calls on one thread each).
      active.removeAll(keepingCapacity: true)
      for q in blocks where !systems[q].done { active.append(q) }
      guard !active.isEmpty else { break }
      ThreadPlan.withSerialBLAS {
        systems.withUnsafeMutableBufferPointer { sp in
          active.withUnsafeBufferPointer { ab in
            let (sys, list) = (SharedPointer(sp), SharedPointer(reading: ab))
            ParallelChunks.forEach(ab.count, grain: 4) { _, range in
              for a in range { sys.base[list.base[a]].descend(budget: budget) }
            }
          }
        }
      }
    }
  }
}
