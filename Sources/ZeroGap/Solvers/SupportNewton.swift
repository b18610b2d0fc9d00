/// Semismooth Newton on the support of an iterate of the squared-loss group lasso (MATH.md §3.6, §3.7), for
/// problems where first-order methods crawl: small β, many active blocks, ill-conditioned blocks.
///
/// On the blocks S that are nonzero in the iterate, with A_S = [𝒜𝒳(e_i e_bᵀ)]_{b∈S, i<d} (n×m, m = |S|·d), the
/// restricted program in Gram form is
///
///     min_u  F(u) = ½ uᵀHu − hᵀu + β Σ_b ‖u_b‖,     H = A_SᵀA_S,  h = A_Sᵀy   (m unknowns).
///
/// Each step predicts the blocks that stay nonzero by a blockwise proximal-gradient step
/// (z_b = u_b − t_b g_b, g = Hu − h, t_b = 1/λ_max(H_bb): block b stays when ‖z_b‖ > t_b β; the others are set to
/// zero, a newly active one starts at its prox point), then takes the Newton step of F on those blocks, where F is
/// smooth: (H_AA + ⊕_b β/‖u_b‖ (I − w_b w_bᵀ)) Δ = −(g_A + β w_A), w_b = u_b/‖u_b‖ (Cholesky, a tiny ridge), with a
/// backtracking line search on F. When the support is right it converges quadratically (three to five steps on the
/// suite's problems where FISTA needs thousands); dropping blocks is what makes it robust to a support guessed too
/// large. Blocks outside S stay zero: the caller's certificate over all blocks decides whether S was enough.
///
/// Like `MagnitudeRefit` the result is a point of the program (an upper bound) and its residual a dual point; at the
/// restricted optimum every active block's ‖(𝒳ᵀ𝒜ᵀv)_b‖ equals β exactly, so the certificate closes fully when no block
/// outside S is violated. Cost: the n×m columns (one GEMM with the identity directions), H (n·m²), and per step one
/// Cholesky of order ≤ m (m³/3) plus a few m² products — the caller decides when that is cheaper than iterating.
/// Data-parallel: H and h are reduced over the rows; every process runs the same Newton steps.
struct SupportNewton {
  /// The point U (d×B, zero outside S).
  var u: Matrix
  /// Its predictions A_S u.
  var prediction: [Double]
  /// Its objective ½‖A_S u − y‖² + β Σ‖u_b‖.
  var objective: Double
  /// Newton steps taken.
  var steps: Int

  /// Flops of one attempt over m = |S|·d unknowns and n rows (the Gram matrix and about six factorisations): what a
  /// caller weighs against its own iterations.
  static func cost(rows n: Int, unknowns m: Int) -> Double {
    let mm = Double(m)
    return Double(n) * mm * mm + 6 * (mm * mm * mm / 3 + 4 * mm * mm)
  }

  /// Newton from `current` for `program` (squared loss, vector blocks) over S = its nonzero blocks and the blocks
  /// `extra` (zero blocks the caller expects to enter: they start at their prox points), or nil: S empty, more than
  /// `maxUnknowns` unknowns, another loss, or no step that lowered F.
  /// Stops when the Newton decrement is below 10⁻³·`tolerance` of the objective (or at rounding level).
  init?<Program: BlockColumnProgram>(
    program: Program, u current: Matrix, including extra: [Int] = [], tolerance: Double, maxUnknowns: Int, maxSteps: Int = 30
  ) {
    let loss = program.loss
    guard loss.kind == .squared, !loss.centered, !loss.isHuber, program.blockWidth == 1 else { return nil }
    let d = program.blockSize, B = program.blockCount, y = program.targets, beta = program.beta
    var norms = [Double](repeating: 0, count: B)
    program.blockNorms(current, into: &norms)
    var inS = norms.map { $0 > 0 }
    for b in extra where (0..<B).contains(b) { inS[b] = true }
    let blocks = (0..<B).filter { inS[$0] }
    let k = blocks.count, m = k * d
    guard k > 0, m <= maxUnknowns else { return nil }
    // A_S: the columns of the identity directions of every block of S.
    var directions = Matrix(rows: d, columns: m)
    for q in 0..<k { for i in 0..<d { directions[i, q * d + i] = 1 } }
    let columns = program.blockColumns(directions, blocks: blocks.flatMap { Array(repeating: $0, count: d) })
    var gram = columns.gram()
    loss.rows.sum(&gram)
    var h = columns.multiply(y, trans: .transpose)
    loss.rows.sum(&h)
    // ½‖y‖², so that F + ½‖y‖² is the objective (the stopping test is relative to it).
    let halfYY = 0.5 * loss.rows.sum(y.dot(y))
    // Blockwise steps 1/λ_max(H_bb).
    var steps = [Double](repeating: 0, count: k)
    for q in 0..<k {
      var hb = Matrix(rows: d, columns: d)
      for c in 0..<d { for r in 0..<d { hb[r, c] = gram[q * d + r, q * d + c] } }
      let top = (try? LAPACK.syevd(hb, vectors: false).values.last) ?? nil
      guard let top, top > 0 else { return nil }
      steps[q] = 1 / top
    }
    var trace = 0.0
    for i in 0..<m { trace += gram[i, i] }
    let ridge = 1e-12 * trace / Double(m)

    var x = [Double](repeating: 0, count: m)
    for (q, b) in blocks.enumerated() { for i in 0..<d { x[q * d + i] = current[i, b] } }
    // Buffers of the steps (m or m² entries, allocated once: a fresh m×m system per step cost more in page faults
    // and copies than its factorisation at m ≈ 500).
    var hv = [Double](repeating: 0, count: m), hx = hv, hxp = hv, xp = hv, cand = hv, rhs = hv
    var system = [Double](repeating: 0, count: m * m)
    /// Hv into `out` (H symmetric; its full square is stored).
    func multiplyH(_ v: [Double], into out: inout [Double]) { gram.multiply(v, into: &out) }
    /// F(u) without the constant ½‖y‖².
    func value(_ v: [Double]) -> Double {
      multiplyH(v, into: &hv)
      var f = 0.0
      for i in 0..<m { f += v[i] * (0.5 * hv[i] - h[i]) }
      for q in 0..<k {
        var s = 0.0
        for i in 0..<d { s += v[q * d + i] * v[q * d + i] }
        f += beta * s.squareRoot()
      }
      return f
    }
    /// x⁺ = prox_{β/L}(x − (Hx − h)/L) blockwise, L = λ_max(H) (power iteration, computed once).
    var lipschitz: Double? = nil
    func proximalStep(_ x: [Double], gradient hx: [Double]) -> [Double]? {
      if lipschitz == nil {
        var v = [Double](repeating: 1, count: m), top = 0.0
        for _ in 0..<50 {
          let nv = v.norm2
          guard nv > 0 else { return nil }
          v = gram.multiply(v.map { $0 / nv })
          top = v.norm2
        }
        lipschitz = top * 1.01
      }
      guard let l = lipschitz, l > 0 else { return nil }
      let gradient = Matrix(rows: d, columns: k, columnMajor: (0..<m).map { hx[$0] - h[$0] })
      var out = Matrix(rows: d, columns: k)
      blockSoftThreshold(Matrix(rows: d, columns: k, columnMajor: x), plus: gradient, scaledBy: -1 / l, threshold: beta / l, blockSize: d, into: &out)
      return out.storage
    }
    var f = value(x)
    let start = f
    var taken = 0
    var blockNorm = [Double](repeating: 0, count: k)
    var active: [Int] = []
    active.reserveCapacity(k)
    var isActive = [Bool](repeating: false, count: k)
    while taken < maxSteps {
      multiplyH(x, into: &hx)
      // Predicted support: the blockwise prox step; the predicted point xp.
      for i in 0..<m { xp[i] = x[i] }
      active.removeAll(keepingCapacity: true)
      for q in 0..<k {
        var zz = 0.0, uu = 0.0
        for i in 0..<d {
          let z = x[q * d + i] - steps[q] * (hx[q * d + i] - h[q * d + i])
          zz += z * z
          uu += x[q * d + i] * x[q * d + i]
        }
        let zn = zz.squareRoot()
        if zn > steps[q] * beta {
          active.append(q)
          if uu == 0 {
            let shrink = 1 - steps[q] * beta / zn
            for i in 0..<d { xp[q * d + i] = shrink * (x[q * d + i] - steps[q] * (hx[q * d + i] - h[q * d + i])) }
          }
        } else {
          for i in 0..<d { xp[q * d + i] = 0 }
        }
      }
      guard !active.isEmpty else { break }
      multiplyH(xp, into: &hxp)
      let ma = active.count * d
      for q in active {
        var s = 0.0
        for i in 0..<d { s += xp[q * d + i] * xp[q * d + i] }
        blockNorm[q] = s.squareRoot()
      }
      // The gradient of F at the predicted point on the active blocks.
      for (c, qc) in active.enumerated() {
        let nb = blockNorm[qc]
        for i in 0..<d { rhs[c * d + i] = -(hxp[qc * d + i] - h[qc * d + i] + beta * xp[qc * d + i] / nb) }
      }
      var slope = 0.0
      let factored: Bool = gram.withUnsafeBufferPointer { gp in
        system.withUnsafeMutableBufferPointer { sp in
          // H_AA (ma×ma, leading dimension ma), column by column: the rows of the active blocks.
          for (c, qc) in active.enumerated() {
            for j in 0..<d {
              let src = (qc * d + j) * m, dst = (c * d + j) * ma
              for (r, qr) in active.enumerated() {
                for i in 0..<d { sp[dst + r * d + i] = gp[src + qr * d + i] }
              }
            }
          }
          // + β/‖u_b‖ (I − w_b w_bᵀ) on the diagonal blocks, and the tiny ridge.
          for (c, qc) in active.enumerated() {
            let nb = blockNorm[qc], curvature = beta / nb
            for j in 0..<d {
              let wj = xp[qc * d + j] / nb
              for i in 0..<d {
                let wi = xp[qc * d + i] / nb
                sp[(c * d + j) * ma + c * d + i] += curvature * ((i == j ? 1 : 0) - wi * wj)
              }
              sp[(c * d + j) * ma + c * d + j] += ridge
            }
          }
          guard LAPACK.potrfInPlace(sp.baseAddress!, order: ma) else { return false }
          // Δ into `cand`'s first ma entries, then the slope Δᵀ(−∇F).
          for r in 0..<ma { cand[r] = rhs[r] }
          cand.withUnsafeMutableBufferPointer { cp in LAPACK.potrsInPlace(sp.baseAddress!, order: ma, cp.baseAddress!, rightHandSides: 1) }
          return true
        }
      }
      guard factored else { break }
      var finite = true
      for r in 0..<ma {
        slope += cand[r] * rhs[r]
        finite = finite && cand[r].isFinite
      }
      guard finite else { break }
      // The step Δ, kept in `rhs` while `cand` holds the trial points.
      for r in 0..<ma { rhs[r] = cand[r] }
      // Converged: the Newton decrement (≈ twice the distance to the restricted optimum in F) is negligible against
      // the tolerance, and the predicted support is the iterate's.
      for q in 0..<k { isActive[q] = false }
      for q in active { isActive[q] = true }
      let sameSupport = (0..<k).allSatisfy { q in isActive[q] == (0..<d).contains { x[q * d + $0] != 0 } }
      if sameSupport && slope <= Swift.max(1e-3 * tolerance, 1e-14) * Swift.max(f + halfYY, 1e-300) { break }
      // Backtracking on F from the predicted point; accept any decrease below the current value.
      var alpha = 1.0, accepted = false, fNew = f
      for _ in 0..<20 {
        for i in 0..<m { cand[i] = xp[i] }
        for (r, q) in active.enumerated() { for i in 0..<d { cand[q * d + i] += alpha * rhs[r * d + i] } }
        let fc = value(cand)
        if fc < f {
          accepted = true
          fNew = fc
          break
        }
        alpha *= 0.5
      }
      // No decrease from the predicted point (dropping blocks cost more than the step won): a proximal-gradient step
      // on all of S instead, which always decreases F.
      if accepted {
        swap(&x, &cand)
      } else {
        guard let next = proximalStep(x, gradient: hx) else { break }
        fNew = value(next)
        guard fNew < f else { break }
        x = next
      }
      let decrease = f - fNew
      f = fNew
      taken += 1
      // Converged: full steps whose decrease is at rounding level (quadratic convergence makes the last one free).
      if alpha == 1 && decrease <= 1e-15 * Swift.max(f + halfYY, 1e-300) { break }
    }
    guard taken > 0, f < start else { return nil }
    var full = Matrix(rows: d, columns: B)
    var penalty = 0.0
    for (q, b) in blocks.enumerated() {
      var s = 0.0
      for i in 0..<d {
        full[i, b] = x[q * d + i]
        s += x[q * d + i] * x[q * d + i]
      }
      penalty += s.squareRoot()
    }
    u = full
    prediction = columns.multiply(x)
    objective = loss.value(prediction, y) + beta * penalty
    self.steps = taken
  }
}
