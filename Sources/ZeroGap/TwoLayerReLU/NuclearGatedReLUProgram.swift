/// The gated-ReLU program with nuclear norms for vector outputs (MATH.md §3.9), over a set of patterns:
///
///     min_{V_i ∈ R^{d×k}} (1/2)‖Σ_i D_i X V_i − Y‖_F² + β Σ_i ‖V_i‖_*
///
/// X is n×d, Y is n×k, the patterns' masks are n×P. Exact for gated vector-output networks with weight decay;
/// over all patterns a lower bound on the vector-output two-layer ReLU problem. Its dual is
/// `max tr(YᵀΛ) − ‖Λ‖_F²/2 s.t. ‖XᵀD_iΛ‖₂ ≤ β ∀i`; the certificate scales Λ = Y − Ŷ into the feasible set.
///
/// Solver: the generic restarted FISTA over `NuclearBlocks`. The blocks are stored side by side as V (d×Pk, block i
/// in columns ik..<(i+1)k), so every iteration is BLAS-3: `X·V` (n×d×Pk) and `Xᵀ·T` with `T_i = D_i R` (d×n×Pk).
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

  /// Solves to a certified relative gap `options.tolerance` (or the iteration budget) with the generic restarted
  /// FISTA (`ProximalGradientSolver` over `NuclearBlocks`).
  /// - Returns: the blocks V (d×Pk) and the report (objective = upper bound, certified lower bound).
  public func solve(options: ConvexSolverOptions = ConvexSolverOptions()) throws(ConvexReLUError) -> (blocks: Matrix, report: ConvexSolverReport) {
    guard options.tolerance > 0, options.tolerance.isFinite else { throw .invalidParameter("the gap tolerance must be > 0 (got \(options.tolerance))") }
    let blocks = NuclearBlocks(x: data, masks: patterns.masks, outputs: k, targets: targets.storage, beta: beta)
    let result = ProximalGradientSolver(program: blocks).solve(start: nil, multipliers: nil, penalty: nil, options: options)
    return (result.u, result.report)
  }
}

/// The vector-output gated program of §3.9 as a `GroupSparseProgram` with d×k blocks and nuclear norms: U = V
/// (d×Pk), P = XV (n×Pk), predictions Ŷ_c = Σ_i D_i P_{i,c} as one n·k vector (column-major, the squared loss is
/// entrywise), no constraints. Penalty Σ_i ‖V_i‖_*, prox a singular-value threshold per block, dual norm spectral.
struct NuclearBlocks: GroupSparseProgram {
  let x: Matrix
  let masks: Matrix
  /// k.
  let outputs: Int
  /// Y column-major (length n·k).
  let targets: [Double]
  let beta: Double
  var loss: SolverLoss { SolverLoss(.squared) }
  let liftNormSquared: Double

  init(x: Matrix, masks: Matrix, outputs: Int, targets: [Double], beta: Double) {
    self.x = x
    self.masks = masks
    self.outputs = outputs
    self.targets = targets
    self.beta = beta
    liftNormSquared = x.frobeniusNorm * x.frobeniusNorm
  }

  var sampleCount: Int { x.rows * outputs }
  var blockSize: Int { x.columns }
  var blockCount: Int { masks.columns }
  var blockWidth: Int { outputs }
  var productShape: (rows: Int, columns: Int) { (x.rows, masks.columns * outputs) }

  func lift(_ u: Matrix, into p: inout Matrix) { p.gemm(x, u) }
  func liftAdjoint(_ t: Matrix, into g: inout Matrix, alpha: Double, accumulate: Bool) {
    g.gemm(x, t, transA: .transpose, alpha: alpha, beta: accumulate ? 1 : 0)
  }

  /// Ŷ_c = Σ_i D_i P_{i,c}.
  func predict(_ p: Matrix, into yhat: inout [Double]) {
    let n = x.rows, k = outputs
    masks.withUnsafeBufferPointer { m in
      p.withUnsafeBufferPointer { a in
        yhat.withUnsafeMutableBufferPointer { o in
          for q in 0..<o.count { o[q] = 0 }
          for i in 0..<masks.columns {
            for c in 0..<k {
              let col = (i * k + c) * n
              for j in 0..<n { o[j + c * n] += m[j + i * n] * a[j + col] }
            }
          }
        }
      }
    }
  }

  /// T_{i,c} = scale·D_i g_c (no constraints).
  func adjoint(_ g: [Double], scale: Double, multipliers: Matrix?, into t: inout Matrix) {
    let n = x.rows, k = outputs
    masks.withUnsafeBufferPointer { m in
      g.withUnsafeBufferPointer { gp in
        t.withUnsafeMutableBufferPointer { tp in
          for i in 0..<masks.columns { for c in 0..<k { for j in 0..<n { tp[j + (i * k + c) * n] = scale * (m[j + i * n] * gp[j + c * n]) } } }
        }
      }
    }
  }

  /// Σ_i ‖V_i‖_* (an SVD per block).
  func penalty(_ u: Matrix) -> Double {
    (0..<blockCount).reduce(0) { s, i in s + ((try? block(u, i).nuclearNorm()) ?? .infinity) }
  }

  /// Singular-value threshold of each block of A + s·B (a block whose SVD fails — non-finite — becomes 0).
  func proximal(_ a: Matrix, plus b: Matrix, scaledBy s: Double, threshold t: Double, into out: inout Matrix) {
    var w = a
    w.add(b, scaledBy: s)
    for i in 0..<blockCount {
      let shrunk = (try? block(w, i).singularValueThreshold(t)) ?? Matrix(rows: blockSize, columns: outputs)
      for c in 0..<outputs { out.setColumn(i * outputs + c, shrunk.column(c)) }
    }
  }

  /// Spectral norms of the blocks (the dual of the nuclear norm); +∞ for a block whose SVD fails (a valid bound).
  func blockNorms(_ g: Matrix, into norms: inout [Double]) {
    for i in 0..<blockCount { norms[i] = (try? block(g, i).spectralNorm()) ?? .infinity }
  }

  func block(_ u: Matrix, _ i: Int) -> Matrix { u.columns((i * outputs)..<((i + 1) * outputs)) }
}
