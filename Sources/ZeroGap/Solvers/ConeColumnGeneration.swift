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
/// Atoms unused for three rounds are dropped; `options.maxIterations` counts rounds, and the solve stops as stalled
/// when no cone is violated but the gap is still above the tolerance, or the gap has not improved in 50 rounds. When the bounds are within 20 %, the active-set Newton polish of
/// `ActiveSetPolish` runs from the merged blocks and its candidate is certified like any other.
struct ConeColumnGeneration {
  let base: GroupLassoSolver

  var n: Int { base.n }
  var d: Int { base.d }
  var blocks: Int { base.blocks }

  /// Whether this solver applies: squared or logistic loss, without a centred (bias) target.
  static func applies(to base: GroupLassoSolver) -> Bool {
    base.constrained && base.loss.kind != .hinge && !base.loss.centered && !base.loss.isHuber
  }

  func solve(start: Matrix?, options: ConvexSolverOptions) -> GroupLassoSolver.Result {
    let clock = ContinuousClock()
    let t0 = clock.now
    func elapsed() -> Double {
      let dur = clock.now - t0
      return Double(dur.components.seconds) + Double(dur.components.attoseconds) * 1e-18
    }
    let x = base.x, masks = base.masks, signs = base.signs, y = base.y, beta = base.beta, loss = base.loss.kind
    let n = self.n, d = self.d, B = blocks

    // Atoms: directions (d×m), their columns σ_b D_b X u (n×m), owning block, coefficients, idle rounds.
    var atomU: [[Double]] = []
    var atomCol: [[Double]] = []
    var atomBlock: [Int] = []
    var coef: [Double] = []
    var idle: [Int] = []
    var gram = Matrix(rows: 0, columns: 0)
    var aty: [Double] = []

    var lambdas = Matrix(rows: n, columns: B)  // last NNLS λ per block (screening)
    var supports = [[Int]](repeating: [], count: B)
    var tbuf = Matrix(rows: n, columns: B)
    var screen = Matrix(rows: d, columns: B)
    var yhat = [Double](repeating: 0, count: n)
    var lossGrad = [Double](repeating: 0, count: n)
    var best = (ub: Double.infinity, lb: -Double.infinity)
    var bestV = Matrix(rows: d, columns: B)
    var rounds = 0
    var stop = StopReason.maxIterations
    var lastProgress = -Double.infinity
    let polishSolver = ConeADMMSolver(base: base, omega: 1)  // for its cone systems and the polish (no ADMM here)
    var polishedAt = -1
    var bestGap = (value: Double.infinity, round: 0)

    /// Merged blocks V (d×B) from the atoms.
    func merged() -> Matrix {
      var v = Matrix(rows: d, columns: B)
      for (k, u) in atomU.enumerated() where coef[k] > 0 {
        let b = atomBlock[k]
        for i in 0..<d { v[i, b] += coef[k] * u[i] }
      }
      return v
    }
    /// The true ReLU-network objective of blocks V (upper bound) and the residual gradient at its prediction.
    func networkObjective(_ v: Matrix) -> Double {
      let xv = Matrix.product(x, v)
      for j in 0..<n { yhat[j] = 0 }
      for b in 0..<B {
        let sb = signs[b]
        for j in 0..<n { yhat[j] += sb * Swift.max(0, xv[j, b]) }
      }
      return loss.value(yhat, y) + beta * base.groupNormSum(v)
    }
    func considerUpper(_ v: Matrix) {
      let ub = networkObjective(v)
      if ub < best.ub {
        best.ub = ub
        bestV = v
      }
    }
    /// Appends atoms (block, unit direction in K_b, coefficient) and extends the Gram matrix of their columns.
    func appendAtoms(_ list: [(b: Int, u: [Double], c: Double)]) {
      let m0 = atomU.count
      for a in list {
        var col = [Double](repeating: 0, count: n)
        let xu = x.multiply(a.u)
        let sb = signs[a.b]
        for j in 0..<n { col[j] = sb * masks[j, a.b] * xu[j] }
        atomU.append(a.u)
        atomCol.append(col)
        atomBlock.append(a.b)
        coef.append(a.c)
        idle.append(0)
        aty.append(col.dot(y))
      }
      let m = atomU.count
      var g = Matrix(rows: m, columns: m)
      for j in 0..<m0 { for i in 0..<m0 { g[i, j] = gram[i, j] } }
      for j in m0..<m {
        for i in 0...j {
          let val = atomCol[i].dot(atomCol[j])
          g[i, j] = val
          g[j, i] = val
        }
      }
      gram = g
    }
    // Warm start: the start's cone-feasible nonzero blocks become atoms with their norms as coefficients.
    if let s = start, s.rows == d, s.columns == B {
      considerUpper(s)
      let xs = Matrix.product(x, s)
      var seeds: [(b: Int, u: [Double], c: Double)] = []
      for b in 0..<B {
        let col = s.column(b)
        let nrm = col.norm2
        guard nrm > 0 else { continue }
        var viol = 0.0, mx = 0.0
        for j in 0..<n {
          viol = Swift.max(viol, -(2 * masks[j, b] - 1) * xs[j, b])
          mx = Swift.max(mx, abs(xs[j, b]))
        }
        if viol <= 1e-12 * mx { seeds.append((b, col.map { $0 / nrm }, nrm)) }
      }
      appendAtoms(seeds)
    }
    considerUpper(Matrix(rows: d, columns: B))

    while rounds < options.maxIterations {
      rounds += 1
      // ∇ℓ at the master's prediction ŷ = Σ c_a col_a.
      for j in 0..<n { yhat[j] = 0 }
      for (k, col) in atomCol.enumerated() where coef[k] > 0 { yhat.axpy(coef[k], col) }
      yhat.withUnsafeBufferPointer { p in
        y.withUnsafeBufferPointer { q in lossGrad.withUnsafeMutableBufferPointer { g in _ = loss.valueAndGradient(p, q, gradient: g) } }
      }

      // Screening: ‖Xᵀ(σ_b D_b v + S_b λ_b)‖ with last λ, one GEMM.
      masks.withUnsafeBufferPointer { m in
        lambdas.withUnsafeBufferPointer { l in
          tbuf.withUnsafeMutableBufferPointer { t in
            for b in 0..<B {
              let sb = signs[b]
              for j in 0..<n {
                let k = j + b * n
                t[k] = -sb * m[k] * lossGrad[j] + (2 * m[k] - 1) * l[k]
              }
            }
          }
        }
      }
      screen.gemm(x, tbuf, transA: .transpose)
      var bounds = (0..<B).map { screen.column($0).norm2 }
      var newAtoms: [(b: Int, u: [Double], value: Double)] = []
      for b in 0..<B where bounds[b] > beta * (1 + 0.1 * options.tolerance) {
        let (e, f) = polishSolver.coneSystem(block: b, lossGrad: lossGrad)
        let nn = NonNegativeLeastSquares(e, f, start: supports[b])
        var dir = e.multiply(nn.solution)
        for i in 0..<d { dir[i] -= f[i] }
        let value = dir.norm2
        bounds[b] = Swift.min(bounds[b], value)
        supports[b] = (0..<n).filter { nn.solution[$0] > 0 }
        for j in 0..<n { lambdas[j, b] = nn.solution[j] }
        if value > beta * (1 + 0.1 * options.tolerance) && value > 0 {
          newAtoms.append((b, dir.map { $0 / value }, value))
        }
      }
      // Certificate.
      let cbar = bounds.max() ?? 0
      let v = lossGrad.map { -$0 }
      let scaled = loss.bestDualScaling(v, y, maxScale: cbar > 0 ? beta / cbar : .infinity)
      best.lb = Swift.max(best.lb, ReLUCertificate.roundedDown(scaled.value, v: v, y: y, scale: scaled.scale))
      if !atomU.isEmpty { considerUpper(merged()) }
      var gap = ConvexSolverReport.relative(best.ub, best.lb)
      if gap > options.tolerance && gap <= 0.2 && !atomU.isEmpty && rounds - polishedAt >= 5 {
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
          // Its certificate: exact cone maxima at the candidate's residual.
          var lg = [Double](repeating: 0, count: n)
          let pred = base.prediction(cand.u)
          for j in 0..<n { lg[j] = pred[j] - y[j] }
          var cb = 0.0
          for b in 0..<B {
            let (e, f) = polishSolver.coneSystem(block: b, lossGrad: lg)
            cb = Swift.max(cb, NonNegativeLeastSquares(e, f, start: supports[b]).residualNorm)
          }
          let vv = lg.map { -$0 }
          let sc = loss.bestDualScaling(vv, y, maxScale: cb > 0 ? beta / cb : .infinity)
          best.lb = Swift.max(best.lb, ReLUCertificate.roundedDown(sc.value, v: vv, y: y, scale: sc.scale))
          gap = ConvexSolverReport.relative(best.ub, best.lb)
        }
      }
      let now = elapsed()
      if let progress = options.progress, now - lastProgress >= options.progressInterval {
        lastProgress = now
        progress(ConvexSolverProgress(iteration: rounds, objective: best.ub, lowerBound: best.lb, relativeGap: gap, seconds: now))
      }
      if gap <= options.tolerance {
        stop = .converged
        break
      }
      // No cone maximum above β(1 + tol/10) but the gap still open (rounding limits what the master can do), or
      // no better gap in 50 rounds: stalled.
      if gap < bestGap.value {
        bestGap = (gap, rounds)
      }
      if newAtoms.isEmpty || rounds - bestGap.round >= 50 {
        stop = .stalled
        break
      }
      // Master: append atoms (Gram incrementally), solve, prune idle atoms.
      let m0 = atomU.count
      appendAtoms(newAtoms.map { ($0.b, $0.u, 0) })
      let m = atomU.count
      let warm = (0..<m).filter { coef[$0] > 0 || $0 >= m0 }
      if loss == .squared {
        coef = NonNegativeQuadratic(gram: gram, linear: aty.map { $0 - beta }, start: warm).solution
      } else {
        coef = proximalNewton(columns: atomCol, start: coef, warm: warm)
      }
      for k in 0..<m { idle[k] = coef[k] > 0 ? 0 : idle[k] + 1 }
      let keep = (0..<m).filter { idle[$0] < 3 }
      if keep.count < m {
        atomU = keep.map { atomU[$0] }
        atomCol = keep.map { atomCol[$0] }
        atomBlock = keep.map { atomBlock[$0] }
        coef = keep.map { coef[$0] }
        idle = keep.map { idle[$0] }
        aty = keep.map { aty[$0] }
        var gk = Matrix(rows: keep.count, columns: keep.count)
        for (q, j) in keep.enumerated() { for (r, i) in keep.enumerated() { gk[r, q] = gram[i, j] } }
        gram = gk
      }
    }
    let violation = base.coneViolation(of: bestV)
    let report = ConvexSolverReport(
      iterations: rounds, outerIterations: atomU.count, seconds: elapsed(), stopReason: stop,
      objective: best.ub, lowerBound: best.lb, constraintViolation: violation)
    // λ per block are cone multipliers of the pricing problems (a warm start for the ADMM's γ as well).
    return GroupLassoSolver.Result(u: bestV, multipliers: lambdas, penalty: 1, report: report)
  }

  /// `min_{c ≥ 0} ℓ(Ac, y) + β Σ c` (A = the atom columns, n×m) by proximal Newton from `start`: each step solves the
  /// non-negative QP of the local quadratic model (weighted Gram AᵀWA, W = diag ∇²ℓ) and backtracks on the true
  /// objective; stops when a step lowers it by less than 1e-13 relative (at most 50 steps).
  func proximalNewton(columns: [[Double]], start: [Double], warm: [Int]) -> [Double] {
    let n = self.n, m = columns.count, y = base.y, beta = base.beta, loss = base.loss.kind
    var a = Matrix(rows: n, columns: m)
    for (k, col) in columns.enumerated() { for j in 0..<n { a[j, k] = col[j] } }
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
