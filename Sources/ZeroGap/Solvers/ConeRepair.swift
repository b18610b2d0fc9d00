/// Cone feasibility of C-ReLU blocks (MATH.md §3.3) and the repair of an upper-bound candidate that has left its
/// cones.
///
/// A block u_b is a point of its cone K_b = {u : S_b X u ≥ 0} (S_b = 2D_b − I) when its largest violation
/// `max_j (−S_b X u_b)_j` is at most `roundingTolerance·max_j |X u_b|_j`: violations that small are the rounding of
/// the product X·u_b. Only then is the ReLU network of the blocks a point of the program, so that its objective is at
/// least the program's optimum and every lower bound on that optimum bounds it too.
///
/// Repair of a block with violated rows, in two steps:
/// 1. *Projection* onto K_b, the smallest change: `Π(u) = u + X ᵀS_b λ*` with
///    `λ* = argmin_{λ ≥ 0} ‖XᵀS_b λ + u‖` (the dual of `min ‖u' − u‖ s.t. S_b X u' ≥ 0`), by NNLS. It is a cone point
///    only to the NNLS's accuracy, so
/// 2. *gate shift* of what is left: a pattern's gate g_b produces it, `D_b = diag(1[X g_b ≥ 0])`, so `S_b X g_b ≥ 0`;
///    the block moves to `u_b + t_b g_b` with the smallest t_b ≥ 0 that clears every violated row where
///    `(S_b X g_b)_j > 0`. A block with a violated row where `(S_b X g_b)_j = 0` cannot be shifted and is dropped
///    (u_b = 0 is always feasible).
/// Either way the result is a point of the program and its objective an honest upper bound; the caller re-evaluates
/// it.
///
/// In a data-parallel solve (`rows` distributed, each process holding a block of the rows of X) every test and the
/// gate shift reduce their per-block maxima over the processes, so they decide as on all the rows; the projection,
/// an NNLS over all rows, is skipped there and the gate shift clears the whole violation (column generation's
/// candidates are conic combinations of cone points, so what is left is rounding).
struct ConeRepair {
  /// Largest violation, relative to max|XU|, that counts as rounding.
  static let roundingTolerance = 1e-12

  /// The data (n×d).
  let x: Matrix
  /// The blocks' gates (d×B); a gate's products X g_b are formed when its block is shifted (`gateProduct`), not
  /// stored for all B blocks (an n×B matrix that column generation, repairing a few dozen blocks, never read).
  let gates: Matrix
  /// n×B 0/1 masks of the blocks' patterns.
  let masks: Matrix
  /// Where the rows are (`x`, `masks` and the products hold this process's rows).
  var rows: RowReduction = .local
  /// The projection's buffers, shared by the copies of this repair.
  private let scratch = ScratchSlot<Workspace>()

  /// - Parameters:
  ///   - x: the data (n×d).
  ///   - masks: the blocks' masks (n×B).
  ///   - gates: the blocks' gates (d×B; `BlockLayout.perBlock` of the patterns' gates).
  init(x: Matrix, masks: Matrix, gates: Matrix) {
    precondition(gates.columns == masks.columns && gates.rows == x.columns, "one gate per block")
    self.x = x
    self.gates = gates
    self.masks = masks
  }

  /// Moves the blocks `blocks` of U (the columns it names; `masks` (n×|blocks|) and `gates` (d×|blocks|) are
  /// theirs, in that order) into their cones by `repair`, U updated in place, and returns their products X u_b
  /// (n × |blocks|, kept consistent with the moves) and whether any block was outside its cone; nil when one was
  /// and there are no gates to repair it with. Blocks not named are left alone: pass the nonzero ones (a zero
  /// block lies in every cone), so that the products are n × |nonzero| rather than n × B.
  static func repairing(
    _ u: inout Matrix, blocks: [Int], x: Matrix, masks: Matrix, gates: Matrix?, rows: RowReduction
  ) -> (products: Matrix, repaired: Bool)? {
    var sub = u.columns(blocks)
    var xu = Matrix.product(x, sub)
    guard !isFeasible(xu: xu, masks: masks, rows: rows) else { return (xu, false) }
    guard let gates else { return nil }
    var repair = ConeRepair(x: x, masks: masks, gates: gates)
    repair.rows = rows
    repair.repair(&sub, xu: &xu)
    for (q, b) in blocks.enumerated() { for i in 0..<u.rows { u[i, b] = sub[i, q] } }
    return (xu, true)
  }

  /// Largest violation `max (−S ⊙ XU)_+` over all blocks (absolute), over the rows of every process.
  static func violation(xu: Matrix, masks: Matrix, rows: RowReduction = .local) -> Double {
    var v = 0.0
    masks.withUnsafeBufferPointer { m in
      xu.withUnsafeBufferPointer { a in for k in 0..<a.count { v = Swift.max(v, -(2 * m[k] - 1) * a[k]) } }
    }
    return rows.max(v)
  }

  /// Per block, `max_j (−S_b X u_b)_j` and its scale `max_j |X u_b|_j` (2B values: violations, then scales), over the
  /// rows of every process.
  static func blockViolations(xu: Matrix, masks: Matrix, rows: RowReduction = .local) -> [Double] {
    let B = xu.columns
    var out = [Double](repeating: 0, count: 2 * B)
    for b in 0..<B { (out[b], out[B + b]) = blockViolation(b, xu: xu, masks: masks) }
    rows.max(&out)
    return out
  }

  /// `max_j (−S_b X u_b)_j` of block b on this process's rows and its scale `max_j |X u_b|_j`.
  static func blockViolation(_ b: Int, xu: Matrix, masks: Matrix) -> (violation: Double, scale: Double) {
    let n = xu.rows
    var v = 0.0, s = 0.0
    masks.withUnsafeBufferPointer { m in
      xu.withUnsafeBufferPointer { a in
        for k in (b * n)..<((b + 1) * n) {
          v = Swift.max(v, -(2 * m[k] - 1) * a[k])
          s = Swift.max(s, abs(a[k]))
        }
      }
    }
    return (v, s)
  }

  /// Largest block violation relative to the block's own scale, `max_b max_j (−S_b X u_b)_j / max_j |X u_b|_j`
  /// (0 for zero blocks): rounding in X·u_b is relative to that block's products, not to the other blocks'.
  static func relativeViolation(xu: Matrix, masks: Matrix, rows: RowReduction = .local) -> Double {
    let B = xu.columns, per = blockViolations(xu: xu, masks: masks, rows: rows)
    var worst = 0.0
    for b in 0..<B where per[b] > 0 { worst = Swift.max(worst, per[b] / per[B + b]) }
    return worst
  }

  /// Whether blocks with products `xu` are points of their cones to working precision (every block's violation
  /// at most `roundingTolerance` of its own scale).
  static func isFeasible(xu: Matrix, masks: Matrix, rows: RowReduction = .local) -> Bool {
    relativeViolation(xu: xu, masks: masks, rows: rows) <= roundingTolerance
  }

  /// Repairs the blocks `u` (d×B) in place, with `xu` = X·u kept consistent. Blocks already in their cone (every
  /// violation within rounding) are left untouched. Allocation-free once `scratch`'s buffers exist.
  /// - Returns: how many blocks were projected (and shifted if need be) and how many dropped.
  @discardableResult
  func repair(_ u: inout Matrix, xu: inout Matrix) -> (repaired: Int, dropped: Int) {
    if rows.isDistributed { return shiftAlongGates(&u, xu: &xu) }
    let n = xu.rows, d = u.rows, B = u.columns
    return withWorkspace { work in
      var repaired = 0, dropped = 0
      for b in 0..<B {
        let (violation, scale) = Self.blockViolation(b, xu: xu, masks: masks)
        let tol = Self.roundingTolerance * scale
        guard violation > tol else { continue }
        // 1. Projection: E = XᵀS_b (d×n), f = −u_b; u_b ← u_b + Eλ*, and its column of XU recomputed.
        if work.projectedBlock(b, u: u, x: x, masks: masks) {
          u.withUnsafeMutableBufferPointer { up in
            xu.withUnsafeMutableBufferPointer { q in
              x.withUnsafeBufferPointer { xp in
                for i in 0..<d { up[i + b * d] = work.projected[i] }
                RawBLAS.gemv(.none, m: n, n: d, alpha: 1, xp.baseAddress!, lda: n, up.baseAddress! + b * d, beta: 0, q.baseAddress! + b * n)
              }
            }
          }
        }
        // 2. Gate shift of the rounding left (or of everything, if the projection failed), else drop; rounding is
        // measured against the projected block's own scale.
        let left = Self.blockViolation(b, xu: xu, masks: masks)
        if !shiftAlongGate(b, u: &u, xu: &xu, tolerance: Self.roundingTolerance * left.scale, product: &work.gateProduct) {
          dropped += 1
          Self.dropBlock(b, u: &u, xu: &xu)
        } else {
          repaired += 1
        }
      }
      return (repaired, dropped)
    }
  }

  /// `body` on the stored buffers (taken from `scratch` and put back), or on new ones when another call has them.
  private func withWorkspace<R>(_ body: (inout Workspace) -> R) -> R {
    var work = scratch.take() ?? Workspace(d: x.columns, n: x.rows)
    defer { scratch.put(work) }
    return body(&work)
  }

  /// `max{σ vᵀD_bXu : u ∈ K_b, ‖u‖ ≤ 1} ≤ min_{λ≥0} ‖Xᵀ(σD_b v + S_bλ)‖` (MATH.md §3.5 way 1, v = −∇ℓ) by NNLS
  /// with E = XᵀS_b and f = σXᵀD_b∇ℓ: the residual norm, an upper bound on the cone maximum whatever the NNLS
  /// accuracy (any λ ≥ 0 gives one). Allocation-free once `scratch`'s buffers exist (`ReLUBlockProgram.coneMaximum`
  /// is the same solve, returning λ*).
  func coneMaximum(block b: Int, sign: Double, lossGradient g: [Double]) -> Double {
    let n = x.rows, d = x.columns
    return withWorkspace { work in
      work.setCone(b, x: x, masks: masks)
      masks.withUnsafeBufferPointer { m in
        for j in 0..<n { work.dv[j] = sign * m[j + b * n] * g[j] }
      }
      x.withUnsafeBufferPointer { xp in
        work.dv.withUnsafeBufferPointer { vp in
          work.f.withUnsafeMutableBufferPointer { fp in
            RawBLAS.gemv(.transpose, m: n, n: d, alpha: 1, xp.baseAddress!, lda: n, vp.baseAddress!, beta: 0, fp.baseAddress!)
          }
        }
      }
      work.solveNNLS(columns: n)
      return work.nnls.residualNorm()
    }
  }

  /// The buffers of the projection and of the cone maxima: the NNLS, E = XᵀS_b (d×n), f (d), the projected block
  /// (d), D_b∇ℓ (n) and a gate's products X g_b (n).
  struct Workspace: Sendable {
    var nnls: NonNegativeLeastSquares.Workspace
    var e: [Double], f: [Double], projected: [Double], dv: [Double], gateProduct: [Double]

    init(d: Int, n: Int) {
      nnls = .init(rows: d)
      e = [Double](repeating: 0, count: d * n)
      f = [Double](repeating: 0, count: d)
      projected = f
      dv = [Double](repeating: 0, count: n)
      gateProduct = dv
    }

    /// E = XᵀS_b (reallocating the buffers if X's shape changed).
    mutating func setCone(_ b: Int, x: Matrix, masks: Matrix) {
      let n = x.rows, d = x.columns
      if e.count != d * n || dv.count != n { self = Workspace(d: d, n: n) }
      masks.withUnsafeBufferPointer { m in
        x.withUnsafeBufferPointer { xp in
          for j in 0..<n {
            let s = 2 * m[j + b * n] - 1
            for i in 0..<d { e[i + j * d] = s * xp[j + i * n] }
          }
        }
      }
    }

    /// min_{λ≥0} ‖Eλ − f‖ for the E (d×n) and f in the buffers, left in `nnls`.
    mutating func solveNNLS(columns n: Int) {
      _ = e.withUnsafeBufferPointer { ep in f.withUnsafeBufferPointer { fp in nnls.solve(ep, columns: n, f: fp) } }
    }

    /// Π(u_b) = u_b + XᵀS_bλ* into `projected`; false when it is not finite.
    mutating func projectedBlock(_ b: Int, u: Matrix, x: Matrix, masks: Matrix) -> Bool {
      let n = x.rows, d = x.columns
      setCone(b, x: x, masks: masks)
      u.withUnsafeBufferPointer { up in for i in 0..<d { f[i] = -up[i + b * d] } }
      solveNNLS(columns: n)
      u.withUnsafeBufferPointer { up in for i in 0..<d { projected[i] = up[i + b * d] } }
      let set = nnls.set
      if set.lambda.count == set.passive.count {
        for (p, lam) in set.lambda.enumerated() {
          let j = set.passive[p]
          for i in 0..<d { projected[i] += lam * e[i + j * d] }
        }
      }
      return projected.allSatisfy(\.isFinite)
    }
  }

  /// u_b = 0 and its products.
  private static func dropBlock(_ b: Int, u: inout Matrix, xu: inout Matrix) {
    let d = u.rows, n = xu.rows
    u.withUnsafeMutableBufferPointer { p in for i in 0..<d { p[i + b * d] = 0 } }
    xu.withUnsafeMutableBufferPointer { p in for j in 0..<n { p[j + b * n] = 0 } }
  }

  /// The data-parallel repair: every violated block moved along its gate by the smallest t_b ≥ 0 that clears its
  /// violated rows on every process (one reduction of the per-block maxima for the test, one for t_b and the blocks
  /// that cannot move), else dropped.
  private func shiftAlongGates(_ u: inout Matrix, xu: inout Matrix) -> (repaired: Int, dropped: Int) {
    let B = u.columns
    let per = Self.blockViolations(xu: xu, masks: masks, rows: rows)
    let violated = (0..<B).filter { per[$0] > Self.roundingTolerance * per[B + $0] }
    guard !violated.isEmpty else { return (0, 0) }
    // Per violated block: the shift t_b, then 1 where a violated row cannot be cleared (its gate product is 0).
    var shifts = [Double](repeating: 0, count: 2 * violated.count)
    let products = violated.map { gateProduct($0) }
    for (q, b) in violated.enumerated() {
      let product = products[q]
      if let t = gateShift(b, xu: xu, product: product, tolerance: Self.roundingTolerance * per[B + b]) {
        shifts[q] = t
      } else {
        shifts[violated.count + q] = 1
      }
    }
    rows.max(&shifts)
    var dropped = 0
    for (q, b) in violated.enumerated() {
      let t = shifts[q]
      if shifts[violated.count + q] > 0 || !t.isFinite {
        dropped += 1
        Self.dropBlock(b, u: &u, xu: &xu)
      } else {
        shift(b, by: t, product: products[q], u: &u, xu: &xu)
      }
    }
    return (violated.count - dropped, dropped)
  }

  /// Moves block b along its gate by the smallest t ≥ 0 that clears every row violated by more than `tolerance`
  /// (a little past the boundary, so that the recomputed product keeps its sign). False if some violated row has
  /// `(S_b X g_b)_j = 0`.
  /// `product` (n) is the buffer of X g_b.
  private func shiftAlongGate(_ b: Int, u: inout Matrix, xu: inout Matrix, tolerance tol: Double, product: inout [Double]) -> Bool {
    gateProduct(b, into: &product)
    guard let t = gateShift(b, xu: xu, product: product, tolerance: tol), t.isFinite else { return false }
    if t > 0 { shift(b, by: t, product: product, u: &u, xu: &xu) }
    return true
  }

  /// X g_b (this process's rows).
  private func gateProduct(_ b: Int) -> [Double] {
    var p = [Double](repeating: 0, count: x.rows)
    gateProduct(b, into: &p)
    return p
  }

  /// X g_b into `out` (n; resized if it is not).
  private func gateProduct(_ b: Int, into out: inout [Double]) {
    let n = x.rows, d = x.columns
    if out.count != n { out = [Double](repeating: 0, count: n) }
    x.withUnsafeBufferPointer { xp in
      gates.withUnsafeBufferPointer { g in
        out.withUnsafeMutableBufferPointer { o in
          RawBLAS.gemv(.none, m: n, n: d, alpha: 1, xp.baseAddress!, lda: n, g.baseAddress! + b * d, beta: 0, o.baseAddress!)
        }
      }
    }
  }

  /// The smallest t ≥ 0 that clears this process's rows of block b violated by more than `tolerance` (a little past
  /// the boundary); nil if some violated row has `(S_b X g_b)_j ≤ 0`.
  private func gateShift(_ b: Int, xu: Matrix, product: [Double], tolerance tol: Double) -> Double? {
    var t = 0.0
    for j in 0..<xu.rows {
      let s = 2 * masks[j, b] - 1
      let viol = -s * xu[j, b]
      guard viol > tol else { continue }
      let rate = s * product[j]
      guard rate > 0 else { return nil }
      t = Swift.max(t, (viol + tol) / rate)
    }
    return t
  }

  /// u_b += t g_b, with its products (`product` = X g_b).
  private func shift(_ b: Int, by t: Double, product: [Double], u: inout Matrix, xu: inout Matrix) {
    for i in 0..<u.rows { u[i, b] += t * gates[i, b] }
    for j in 0..<xu.rows { xu[j, b] += t * product[j] }
  }

}
