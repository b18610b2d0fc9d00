/// Active-set Newton polish for C-ReLU with squared loss (MATH.md §3.3, §3.5), used by `ConeADMMSolver` once
/// ADMM is near the solution (and by `ColumnGeneration` when its bounds are within 20 %). A working set is a list of blocks b with equality rows 𝒜_b (cone rows taken as
/// active, at most d − 1 independent ones); on it u_b = N_b c_b, N_b an orthonormal basis of null(X_{𝒜_b}), and
///
///     min_c ½‖G c − y‖² + β Σ_b ‖c_b‖,   G = [σ_b D_b X N_b]   (n×R)
///
/// is smooth near a solution with all c_b ≠ 0: Newton with the Hessian `GᵀG + β(I − ĉĉᵀ)/‖c_b‖` (Cholesky) and
/// backtracking. The working set is then corrected and re-solved (a few rounds): blocks whose norm collapses
/// leave it; violated rows of a block enter its 𝒜_b; a block outside it whose exact cone maximum (NNLS)
/// exceeds β enters with the maximising direction and the NNLS support as 𝒜_b. The result is a candidate only:
/// the caller certifies it (feasibility or pattern repair for the upper bound, conic-dual bounds for the lower).
struct ActiveSetPolish {
  let program: ReLUBlockProgram

  /// Blocks U (d×B) and the certificate's right-hand side T = σ⊙M⊙v + S⊙γ (n×B), ∇ℓ = ŷ − y.
  struct Result {
    var u: Matrix
    var t: Matrix
    var lossGrad: [Double]
  }

  struct Working {
    var block: Int
    var rows: [Int]
    var basis: Matrix
    var c: [Double]
  }

  /// - Parameters: z: ADMM's group-sparse iterate (d×B); a: its A (n×B, exact zeros mark active rows);
  ///   gammaOther: cone multipliers (n×B) used for blocks outside the working set.
  func run(z: Matrix, a: Matrix, gammaOther: Matrix, rounds: Int = 60, significance: Double = 1e-3) -> Result? {
    let base = program
    guard base.loss.kind == .squared, !base.loss.centered else { return nil }
    let x = base.x, masks = base.masks, signs = base.signs, y = base.targets, beta = base.beta
    let n = base.n, d = base.d, B = base.blocks
    var work: [Working] = []
    var zmax = 0.0
    for b in 0..<B { zmax = Swift.max(zmax, z.column(b).norm2) }
    for b in 0..<B {
      let zb = z.column(b)
      guard zb.norm2 > significance * zmax else { continue }
      let xz = x.multiply(zb)
      var mx = 0.0
      for j in 0..<n { mx = Swift.max(mx, abs(xz[j])) }
      let cand = (0..<n).filter { a[$0, b] == 0 && abs(xz[$0]) <= 1e-3 * mx }.sorted { abs(xz[$0]) < abs(xz[$1]) }
      guard let w = makeWorking(block: b, candidates: cand, start: zb) else { continue }
      work.append(w)
    }
    guard !work.isEmpty else { return nil }
    var u = Matrix(rows: d, columns: B)
    var lossGrad = [Double](repeating: 0, count: n)
    var gammaActive: [Int: [Int: Double]] = [:]
    for _ in 0..<rounds {
      guard work.count * d <= 4000, newton(&work) else { return nil }
      // Drop collapsed blocks (and re-solve).
      let mxNorm = work.map { $0.c.norm2 }.max() ?? 0
      let before = work.count
      work.removeAll { $0.c.norm2 <= 1e-12 * mxNorm }
      if work.count < before && !work.isEmpty { continue }
      guard !work.isEmpty else { return nil }
      u = Matrix(rows: d, columns: B)
      for w in work {
        let ub = w.basis.multiply(w.c)
        for i in 0..<d { u[i, w.block] = ub[i] }
      }
      let yhat = base.prediction(u)
      for j in 0..<n { lossGrad[j] = yhat[j] - y[j] }
      var changed = false
      // Multipliers of the active rows (stationarity, least squares) and row corrections.
      gammaActive = [:]
      for k in work.indices {
        let b = work[k].block
        let ub = u.column(b)
        let xu = x.multiply(ub)
        let scale = xu.map { abs($0) }.max() ?? 0
        var rows = work[k].rows
        if !rows.isEmpty {
          var dv = [Double](repeating: 0, count: n)
          for j in 0..<n { dv[j] = -masks[j, b] * lossGrad[j] }
          let xtdv = x.multiply(dv, trans: .transpose)
          let nrm = ub.norm2
          var rhs = Matrix(rows: d, columns: 1)
          for i in 0..<d { rhs[i, 0] = beta * ub[i] / nrm - signs[b] * xtdv[i] }
          var et = Matrix(rows: d, columns: rows.count)
          for (q, j) in rows.enumerated() { for i in 0..<d { et[i, q] = (2 * masks[j, b] - 1) * x[j, i] } }
          guard let ls = try? LeastSquares(et, rhs) else { return nil }
          var g: [Int: Double] = [:]
          var negative: [Int] = []
          for (q, j) in rows.enumerated() {
            g[j] = Swift.max(0, ls.solution[q, 0])
            if ls.solution[q, 0] < -1e-9 * beta { negative.append(j) }
          }
          gammaActive[b] = g
          if let worst = negative.min(by: { (g[$0] ?? 0) < (g[$1] ?? 0) }) {
            rows.removeAll { $0 == worst }
            changed = true
          }
        }
        // Violated inactive rows enter (the most violated one).
        var worstRow = -1, worstViol = 1e-10 * Swift.max(scale, 1e-300)
        for j in 0..<n where !rows.contains(j) {
          let viol = -(2 * masks[j, b] - 1) * xu[j]
          if viol > worstViol {
            worstViol = viol
            worstRow = j
          }
        }
        if worstRow >= 0 {
          rows.insert(worstRow, at: 0)  // kept first by makeWorking (at most d − 1 independent rows)
          changed = true
        }
        if rows != work[k].rows {
          guard let w = makeWorking(block: b, candidates: rows, start: ub) else { return nil }
          work[k] = w
        }
      }
      // Blocks outside the working set whose exact cone maximum exceeds β enter: screen with the cheap bound
      // (T with `gammaOther`), NNLS for the 8 largest, and the (up to) 3 worst enter.
      let inSet = Set(work.map { $0.block })
      var tcol = [Double](repeating: 0, count: n)
      var screened: [(b: Int, cheap: Double)] = []
      for b in 0..<B where !inSet.contains(b) {
        for j in 0..<n { tcol[j] = -signs[b] * masks[j, b] * lossGrad[j] + (2 * masks[j, b] - 1) * gammaOther[j, b] }
        let cheap = x.multiply(tcol, trans: .transpose).norm2
        if cheap > beta * (1 + 1e-9) { screened.append((b, cheap)) }
      }
      screened.sort { $0.cheap > $1.cheap }
      var entering: [(b: Int, value: Double, nnls: NonNegativeLeastSquares)] = []
      for (b, _) in screened.prefix(8) {
        let ex = program.coneMaximum(block: b, lossGrad: lossGrad)
        if ex.residualNorm > beta * (1 + 1e-9) { entering.append((b, ex.residualNorm, ex)) }
      }
      entering.sort { $0.value > $1.value }
      for (b, _, ex) in entering.prefix(3) {
        // Direction u* = (Eλ* − f)/‖·‖ (the cone maximiser), small, with the NNLS support as active rows.
        let (e, f) = program.coneSystem(block: b, lossGrad: lossGrad)
        var dir = e.multiply(ex.solution)
        for i in 0..<d { dir[i] -= f[i] }
        let nd = dir.norm2
        guard nd > 0 else { continue }
        let mag = 1e-3 * (work.map { $0.c.norm2 }.max() ?? 1)
        let start = dir.map { $0 / nd * mag }
        let rows = (0..<n).filter { ex.solution[$0] > 0 }
        if let w = makeWorking(block: b, candidates: rows, start: start) {
          work.append(w)
          changed = true
        }
      }
      if !changed { break }
    }
    // T = σ⊙M⊙v + S⊙γ with the stationarity multipliers on the working set, `gammaOther` elsewhere.
    var t = Matrix(rows: n, columns: B)
    for b in 0..<B {
      let g = gammaActive[b]
      for j in 0..<n {
        let gam = g.map { $0[j] ?? 0 } ?? gammaOther[j, b]
        t[j, b] = -signs[b] * masks[j, b] * lossGrad[j] + (2 * masks[j, b] - 1) * gam
      }
    }
    return Result(u: u, t: t, lossGrad: lossGrad)
  }

  /// Keeps the candidate rows (in order) that are independent of the kept ones, at most d − 1, and builds the
  /// null-space basis (full SVD of the kept rows). nil if the basis would be empty.
  func makeWorking(block b: Int, candidates: [Int], start: [Double]) -> Working? {
    let x = program.x, d = program.d
    // Modified Gram–Schmidt over the candidates: the r orthonormal directions kept so far (d entries each) and the
    // row being reduced, in two buffers for the whole scan.
    var q = [Double](repeating: 0, count: d * Swift.max(d - 1, 1)), w = [Double](repeating: 0, count: d)
    var r = 0
    var rows: [Int] = []
    for j in candidates {
      for i in 0..<d { w[i] = x[j, i] }
      let w0 = w.norm2
      guard w0 > 0 else { continue }
      for p in 0..<r {
        var dot = 0.0
        for i in 0..<d { dot += q[p * d + i] * w[i] }
        for i in 0..<d { w[i] -= dot * q[p * d + i] }
      }
      let nw = w.norm2
      if nw <= 1e-9 * w0 {
        rows.append(j)
      } else if r < d - 1 {
        for i in 0..<d { q[r * d + i] = w[i] / nw }
        r += 1
        rows.append(j)
      }
    }
    let basis: Matrix
    if rows.isEmpty {
      basis = Matrix.identity(d)
    } else {
      guard let svd = try? SVD(x.rows(rows), full: true) else { return nil }
      guard r < d else { return nil }
      basis = svd.vt.rows(r..<d).transposed
    }
    let c = basis.multiply(start, trans: .transpose)
    guard c.norm2 > 0 else { return nil }
    return Working(block: b, rows: rows, basis: basis, c: c)
  }

  /// Newton's method on the working set (in place). False if a factorisation fails or a block collapses to 0.
  func newton(_ work: inout [Working]) -> Bool {
    let base = program
    let x = base.x, masks = base.masks, signs = base.signs, y = base.targets, beta = base.beta
    let n = base.n
    var offsets: [Int] = []
    var total = 0
    for w in work {
      offsets.append(total)
      total += w.basis.columns
    }
    var g = Matrix(rows: n, columns: total)
    var c = [Double](repeating: 0, count: total)
    for (k, w) in work.enumerated() {
      let xn = Matrix.product(x, w.basis)
      let o = offsets[k]
      for col in 0..<w.basis.columns {
        for j in 0..<n { g[j, o + col] = signs[w.block] * masks[j, w.block] * xn[j, col] }
        c[o + col] = w.c[col]
      }
    }
    let gtg = g.gram()
    let gty = g.multiply(y, trans: .transpose)
    // Buffers of every Newton step: the residual (n), the gradient, step and trial point (total each), the Hessian
    // and its damped copy factored in place (total² each).
    var residual = [Double](repeating: 0, count: n), grad = [Double](repeating: 0, count: total)
    var step = grad, trial = grad
    var hessian = [Double](repeating: 0, count: total * total), damped = hessian
    func value(_ c: [Double]) -> Double {
      g.multiply(c, into: &residual)
      for j in 0..<n { residual[j] -= y[j] }
      var pen = 0.0
      for (k, w) in work.enumerated() { pen += c[offsets[k]..<(offsets[k] + w.basis.columns)].norm2 }
      return 0.5 * residual.dot(residual) + beta * pen
    }
    var f = value(c)
    var lastGrad = 0.0
    for _ in 0..<60 {
      gtg.multiply(c, into: &grad)
      for i in 0..<total { grad[i] -= gty[i] }
      gtg.withUnsafeBufferPointer { hb in hessian.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: hb.baseAddress!, count: total * total) } }
      for (k, w) in work.enumerated() {
        let o = offsets[k], r = w.basis.columns
        let nrm = c[o..<(o + r)].norm2
        guard nrm > 1e-300 else { return false }
        for i in 0..<r {
          grad[o + i] += beta * c[o + i] / nrm
          for j in 0..<r { hessian[(o + j) * total + o + i] += beta * ((i == j ? 1 : 0) - c[o + i] * c[o + j] / (nrm * nrm)) / nrm }
        }
      }
      lastGrad = grad.norm2
      if grad.norm2 <= 1e-14 * Swift.max(1, gty.norm2) { break }
      // Damped (Levenberg–Marquardt) if GᵀG + curvature is singular (more working columns than samples).
      var trace = 0.0
      for i in 0..<total { trace += hessian[i * total + i] }
      var damping = 1e-12 * trace / Double(total) + lastGrad
      var solved = false
      for _ in 0..<8 {
        let attempt = damping
        solved = hessian.withUnsafeBufferPointer { hb in
          damped.withUnsafeMutableBufferPointer { db in
            step.withUnsafeMutableBufferPointer { sb in
              let a = db.baseAddress!
              a.update(from: hb.baseAddress!, count: total * total)
              for i in 0..<total { a[i * total + i] += attempt }
              guard LAPACK.potrfInPlace(a, order: total) else { return false }
              for i in 0..<total { sb[i] = grad[i] }
              LAPACK.potrsInPlace(a, order: total, sb.baseAddress!, rightHandSides: 1)
              return (0..<total).allSatisfy { sb[$0].isFinite }
            }
          }
        }
        if solved { break }
        damping *= 100
      }
      guard solved else { return false }
      // A block that the step would reverse (c_bᵀ(c_b − Δ_b) ≤ 0) leaves the support: set it to 0 and stop;
      // the caller drops it and re-solves.
      var reversed = false
      for (k, w) in work.enumerated() {
        let o = offsets[k]
        var dot = 0.0
        for i in 0..<w.basis.columns { dot += c[o + i] * (c[o + i] - step[o + i]) }
        if dot <= 0 {
          for i in 0..<w.basis.columns { c[o + i] = 0 }
          reversed = true
        }
      }
      if reversed { break }
      let slope = grad.dot(step)
      var s = 1.0
      var accepted = false
      for _ in 0..<50 {
        for i in 0..<total { trial[i] = c[i] - s * step[i] }
        let ft = value(trial)
        if ft <= f - 1e-4 * s * slope {
          swap(&c, &trial)
          f = ft
          accepted = true
          break
        }
        s *= 0.5
      }
      if !accepted { break }
    }
    for k in work.indices {
      let o = offsets[k]
      work[k].c = Array(c[o..<(o + work[k].basis.columns)])
    }
    return true
  }
}
