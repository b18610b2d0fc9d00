/// K(s) = I + (XXᵀ) ⊙ (M diag(s) Mᵀ) = I + Σ_b s_b A_bA_bᵀ of a `MaskedBlockProgram` (n×n, lower triangles), factored
/// at given scales with the buffers kept across calls.
struct ScaledKernel {
  let masks: Matrix
  let targets: [Double]
  let beta: Double
  /// XXᵀ (lower triangle).
  private let gramX: [Double]
  /// M diag(√s) over the positive scales.
  private var scaled: [Double]

  init<Program: MaskedBlockProgram>(program: Program) {
    let x = program.x, n = x.rows
    masks = program.masks
    targets = program.targets
    beta = program.beta
    var g = [Double](repeating: 0, count: n * n)
    x.withUnsafeBufferPointer { xp in
      g.withUnsafeMutableBufferPointer { gp in
        RawBLAS.syrkLower(.none, n: n, k: x.columns, alpha: 1, xp.baseAddress!, lda: n, beta: 0, gp.baseAddress!, ldc: n)
      }
    }
    gramX = g
    scaled = [Double](repeating: 0, count: n * masks.columns)
  }

  /// The Cholesky factor of K(s) into `factor` (n×n, lower), r = K(s)⁻¹y into `residual`; returns
  /// J(s) = ½ yᵀr + (β²/2) Σ s_b, or nil when K(s) is not numerically positive definite.
  mutating func factor(_ s: [Double], into factor: inout [Double], residual: inout [Double]) -> Double? {
    let sum = form(s, into: &factor)
    return factorFormed(&factor, scaleSum: sum, residual: &residual)
  }

  /// `factor(c·1, …)` from K(1) in `one` (lower triangle, as `form` leaves it): K(c·1) = I + c·(K(1) − I) without
  /// the rank-B update.
  func factor(uniform c: Double, from one: [Double], into factor: inout [Double], residual: inout [Double]) -> Double? {
    let n = masks.rows
    one.withUnsafeBufferPointer { k1 in
      factor.withUnsafeMutableBufferPointer { o in
        for j in 0..<n {
          let col = j * n
          for i in j..<n { o[i + col] = c * k1[i + col] }
          o[j + col] += 1 - c
        }
      }
    }
    return factorFormed(&factor, scaleSum: c * Double(masks.columns), residual: &residual)
  }

  /// Factors the K(s) formed in `factor`, solves r = K(s)⁻¹y into `residual` (two triangular solves) and returns
  /// J(s) given Σ_b s_b, or nil when K(s) is not numerically positive definite or J is not finite.
  private func factorFormed(_ factor: inout [Double], scaleSum sum: Double, residual: inout [Double]) -> Double? {
    let n = masks.rows
    let ok = factor.withUnsafeMutableBufferPointer { o in LAPACK.potrfInPlace(o.baseAddress!, order: n) }
    guard ok else { return nil }
    for i in 0..<n { residual[i] = targets[i] }
    factor.withUnsafeBufferPointer { o in
      residual.withUnsafeMutableBufferPointer { rp in RawBLAS.choleskySolve(o.baseAddress!, order: n, rp.baseAddress!) }
    }
    let value = 0.5 * targets.dot(residual) + 0.5 * beta * beta * sum
    return value.isFinite ? value : nil
  }

  /// K(s) into the lower triangle of `matrix` (n×n); returns Σ_b s_b.
  mutating func form(_ s: [Double], into matrix: inout [Double]) -> Double {
    let n = masks.rows, B = masks.columns
    var k = 0, sum = 0.0
    masks.withUnsafeBufferPointer { m in
      for b in 0..<B where s[b] > 0 {
        let w = s[b].squareRoot()
        for i in 0..<n { scaled[i + k * n] = w * m[i + b * n] }
        k += 1
        sum += s[b]
      }
    }
    let rank = k
    matrix.withUnsafeMutableBufferPointer { o in
      let op = o.baseAddress!
      if rank > 0 {
        scaled.withUnsafeBufferPointer { w in
          RawBLAS.syrkLower(.none, n: n, k: rank, alpha: 1, w.baseAddress!, lda: n, beta: 0, op, ldc: n)
        }
      }
      gramX.withUnsafeBufferPointer { g in
        for j in 0..<n {
          let c = j * n
          if rank > 0 {
            for i in j..<n { op[i + c] *= g[i + c] }
          } else {
            for i in j..<n { op[i + c] = 0 }
          }
          op[j + c] += 1
        }
      }
    }
    return sum
  }
}
