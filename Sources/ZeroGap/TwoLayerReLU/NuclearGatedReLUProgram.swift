/// The gated-ReLU program with nuclear norms for vector outputs (MATH.md §3.9), over a set of patterns:
///
///     min_{V_i ∈ R^{d×k}} (1/2)‖Σ_i D_i X V_i − Y‖_F² + β Σ_i ‖V_i‖_*
///
/// X is n×d, Y is n×k, the patterns' masks are n×P. Exact for gated vector-output networks with weight decay;
/// over all patterns a lower bound on the vector-output two-layer ReLU problem. Its dual is
/// `max tr(YᵀΛ) − ‖Λ‖_F²/2 s.t. ‖XᵀD_iΛ‖₂ ≤ β ∀i`; the certificate scales Λ = Y − Ŷ into the feasible set.
///
/// Solver: FISTA with backtracking and adaptive restart. The blocks are stored side by side as V (d×Pk, block i in
/// columns ik..<(i+1)k), so every iteration is BLAS-3: `X·V` (n×d×Pk) and `Xᵀ·T` with `T_i = D_i R` (d×n×Pk).
/// The prox is a per-block singular-value threshold (LAPACK SVD of a d×k block).
public struct NuclearGatedReLUProgram: Sendable {
  public let data: Matrix
  public let targets: Matrix
  public let patterns: ActivationPatterns
  public let beta: Double

  /// - Throws: `.shapeMismatch`, `.nonFinite`, `.invalidParameter` (β ≤ 0 or non-finite, no patterns).
  public init(data: Matrix, targets: Matrix, patterns: ActivationPatterns, beta: Double) throws(ConvexReLUError) {
    guard data.rows == targets.rows else {
      throw .shapeMismatch("X has \(data.rows) rows (samples) but Y has \(targets.rows) rows")
    }
    guard data.rows >= 1, data.columns >= 1, targets.columns >= 1 else {
      throw .shapeMismatch("X is \(data.rows)×\(data.columns) and Y is \(targets.rows)×\(targets.columns); need samples, features and outputs")
    }
    guard patterns.sampleCount == data.rows, patterns.gates.rows == data.columns else {
      throw .shapeMismatch("the patterns were built for \(patterns.sampleCount) samples and \(patterns.gates.rows) features, but X is \(data.rows)×\(data.columns)")
    }
    guard patterns.count >= 1 else { throw .invalidParameter("no activation patterns: sample some (--patterns N) or give gates") }
    guard data.isFinite else { throw .nonFinite("the data matrix X contains NaN or infinite values") }
    guard targets.isFinite else { throw .nonFinite("the targets Y contain NaN or infinite values") }
    guard beta > 0, beta.isFinite else { throw .invalidParameter("the regularisation β must be a finite number > 0 (got \(beta))") }
    self.data = data
    self.targets = targets
    self.patterns = patterns
    self.beta = beta
  }

  var k: Int { targets.columns }

  /// Ŷ = Σ_i D_i X V_i (n×k) for blocks V (d×Pk).
  public func prediction(_ v: Matrix) -> Matrix {
    predictionFromProducts(Matrix.product(data, v))
  }

  func predictionFromProducts(_ xv: Matrix) -> Matrix {
    let n = data.rows, k = self.k
    var out = Matrix(rows: n, columns: k)
    patterns.masks.withUnsafeBufferPointer { m in
      xv.withUnsafeBufferPointer { a in
        out.withUnsafeMutableBufferPointer { o in
          for i in 0..<patterns.count {
            for c in 0..<k {
              let col = (i * k + c) * n
              for j in 0..<n { o[j + c * n] += m[j + i * n] * a[j + col] }
            }
          }
        }
      }
    }
    return out
  }

  /// The objective at blocks V (d×Pk).
  public func objective(_ v: Matrix) throws(ConvexReLUError) -> Double {
    let r = prediction(v) - targets
    return 0.5 * r.dot(r) + beta * (try nuclearSum(v))
  }

  func nuclearSum(_ v: Matrix) throws(ConvexReLUError) -> Double {
    var s = 0.0
    for i in 0..<patterns.count {
      do { s += try v.columns((i * k)..<((i + 1) * k)).nuclearNorm() } catch { throw .wrap(error) }
    }
    return s
  }

  /// The dual value at Λ = Y − Ŷ scaled into `‖XᵀD_iΛ‖₂ ≤ β` with the best scale s ∈ [0, β/c̄], c̄ = max_i ‖XᵀD_iΛ‖₂.
  public func lowerBound(prediction yhat: Matrix) throws(ConvexReLUError) -> Double {
    let lambda = targets - yhat
    let n = data.rows, k = self.k, p = patterns.count
    var t = Matrix(rows: n, columns: p * k)
    patterns.masks.withUnsafeBufferPointer { m in
      lambda.withUnsafeBufferPointer { l in
        t.withUnsafeMutableBufferPointer { tp in
          for i in 0..<p { for c in 0..<k { for j in 0..<n { tp[j + (i * k + c) * n] = m[j + i * n] * l[j + c * n] } } }
        }
      }
    }
    let g = Matrix.product(data, t, transA: .transpose)
    var cbar = 0.0
    for i in 0..<p {
      do { cbar = Swift.max(cbar, try g.columns((i * k)..<((i + 1) * k)).spectralNorm()) } catch { throw .wrap(error) }
    }
    // The squared loss's dual at s·Λ, entrywise: s⟨Y, Λ⟩ − (s²/2)‖Λ‖², best s ∈ [0, β/c̄], with its rounding guard.
    return CertifiedLoop.dualBound(v: lambda.storage, y: targets.storage, loss: ConvexLoss.squared, dualNormBound: cbar, beta: beta)
  }

  /// Solves to a certified relative gap `options.tolerance` (or the iteration budget).
  /// - Returns: the blocks V (d×Pk) and the report (objective = upper bound, certified lower bound).
  public func solve(options: ConvexSolverOptions = ConvexSolverOptions()) throws(ConvexReLUError) -> (blocks: Matrix, report: ConvexSolverReport) {
    guard options.tolerance > 0, options.tolerance.isFinite else { throw .invalidParameter("the gap tolerance must be > 0 (got \(options.tolerance))") }
    var loop = CertifiedLoop(options: options)
    let n = data.rows, d = data.columns, k = self.k, p = patterns.count
    var v = Matrix(rows: d, columns: p * k)
    var vPrev = v, z = v
    var t = Matrix(rows: n, columns: p * k)
    var grad = Matrix(rows: d, columns: p * k)
    var eta = 1 / Swift.max(1e-300, 1.05 * operatorNormSquared())
    var mom = 1.0
    var bestV = v
    var iterations = 0
    func smooth(_ w: Matrix) -> (Double, Matrix) {
      let r = prediction(w) - targets
      return (0.5 * r.dot(r), r)
    }
    while iterations < options.maxIterations {
      let (fz, rz) = smooth(z)
      // T_i = D_i R_z; ∇ = Xᵀ T.
      patterns.masks.withUnsafeBufferPointer { m in
        rz.withUnsafeBufferPointer { r in
          t.withUnsafeMutableBufferPointer { tp in
            for i in 0..<p { for c in 0..<k { for j in 0..<n { tp[j + (i * k + c) * n] = m[j + i * n] * r[j + c * n] } } }
          }
        }
      }
      grad.gemm(data, t, transA: .transpose)
      eta *= 1.05
      var vNew = v
      while true {
        vNew = z
        vNew.add(grad, scaledBy: -eta)
        for i in 0..<p {
          let cols = (i * k)..<((i + 1) * k)
          let block: Matrix
          do { block = try vNew.columns(cols).singularValueThreshold(eta * beta) } catch { throw .wrap(error) }
          for (c, col) in cols.enumerated() { vNew.setColumn(col, block.column(c)) }
        }
        let diff = vNew - z
        let (fNew, _) = smooth(vNew)
        if fNew <= fz + grad.dot(diff) + diff.dot(diff) / (2 * eta) + 1e-14 * Swift.max(1, abs(fz)) { break }
        eta *= 0.5
        if eta < 1e-300 { break }
      }
      iterations += 1
      // Adaptive restart ⟨Z − V⁺, V⁺ − V⟩ > 0.
      let restart = (z - vNew).dot(vNew - v) > 0
      vPrev = v
      v = vNew
      var beta1 = 0.0
      if restart {
        mom = 1
      } else {
        let next = (1 + (1 + 4 * mom * mom).squareRoot()) / 2
        beta1 = (mom - 1) / next
        mom = next
      }
      z = v
      z.add(v - vPrev, scaledBy: beta1)
      if iterations % Swift.max(1, options.checkEvery) == 0 {
        let yhat = prediction(v)
        let r = yhat - targets
        let ub = 0.5 * r.dot(r) + beta * (try nuclearSum(v))
        let lb = try lowerBound(prediction: yhat)
        if loop.offerUpper(ub) { bestV = v }
        loop.offerLower(lb)
        if !ub.isFinite {
          loop.stopReason = .diverged
          break
        }
        if loop.checkpoint(iteration: iterations) { break }
      }
    }
    if !loop.upper.isFinite {
      bestV = v
      _ = loop.offerUpper(try objective(v))
      loop.offerLower(try lowerBound(prediction: prediction(v)))
    }
    return (bestV, loop.report(iterations: iterations, outerIterations: 0, constraintViolation: 0))
  }

  /// ‖A‖² for A: V ↦ Σ D_i X V_i (acts on each output column alike), by power iteration.
  func operatorNormSquared() -> Double {
    let n = data.rows, p = patterns.count
    var r = [Double](repeating: 1, count: n)
    var lambda = 1.0
    for _ in 0..<30 {
      let nr = r.norm2
      if nr == 0 { return 1 }
      r.scal(1 / nr)
      var tm = patterns.masks
      for i in 0..<p { for j in 0..<n { tm[j, i] *= r[j] } }
      let g = Matrix.product(data, tm, transA: .transpose)
      let xg = Matrix.product(data, g)
      for j in 0..<n { r[j] = 0 }
      for i in 0..<p { for j in 0..<n { r[j] += patterns.masks[j, i] * xg[j, i] } }
      lambda = r.norm2
    }
    return Swift.max(lambda, 1e-12)
  }
}
