/// k steps of the Lanczos process on a symmetric positive semidefinite G (n×n, given by its products) from y/‖y‖, with
/// full reorthogonalisation: GV_k ≈ V_kT_k, V_k (n×k) orthonormal, T_k (k×k) tridiagonal, exact once the Krylov space
/// is invariant (then fewer than k steps are kept). For the ray of uniform scales of `KernelNewton`'s problem
/// (MATH.md §3.6 in the scales' variables),
///
///     J(c·1) = ½ yᵀ(I + cG)⁻¹y + (β²/2)·B·c,   G = Σ_b A_bA_bᵀ = (XXᵀ) ⊙ (MMᵀ),
///
/// it gives the Gauss quadrature of yᵀ(I + cG)⁻¹y — ‖y‖² Σ_j τ_j²/(1 + cθ_j), θ_j the eigenvalues of T_k and τ_j the
/// first entries of its eigenvectors (Golub & Meurant, *Matrices, Moments and Quadrature*) — and the Krylov
/// approximation (I + cG)⁻¹y ≈ ‖y‖ V_k(I + cT_k)⁻¹e₁, at k products with G and no factorisation.
struct LanczosQuadrature {
  /// ‖y‖.
  let norm: Double
  /// V_k (n×m, column-major), m ≤ k the steps kept.
  let basis: [Double]
  /// T_k's eigenvalues θ_j (clamped at 0: G ⪰ 0) and the first entries τ_j of its eigenvectors, with U (m×m).
  let theta: [Double]
  let eigenvectors: Matrix
  let rows: Int

  /// Runs up to `steps` steps from `y`; `product(v, w)` stores Gv in w (both n). Nil when y is 0 or not finite, or
  /// T's eigen-decomposition fails.
  init?(start y: [Double], steps: Int, product: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void) {
    let n = y.count
    let yy = y.dot(y)
    guard n > 0, steps > 0, yy > 0, yy.isFinite else { return nil }
    norm = yy.squareRoot()
    rows = n
    let k = Swift.min(steps, n)
    var basis = [Double](repeating: 0, count: n * (k + 1))
    var w = [Double](repeating: 0, count: n), coefficients = [Double](repeating: 0, count: k + 1)
    var diagonal: [Double] = [], offDiagonal: [Double] = []
    for i in 0..<n { basis[i] = y[i] / norm }
    basis.withUnsafeMutableBufferPointer { vp in
      let v = vp.baseAddress!
      w.withUnsafeMutableBufferPointer { wp in
        coefficients.withUnsafeMutableBufferPointer { cp in
          for m in 0..<k {
            let vm = v + m * n
            // w = G v_m, α_m = v_mᵀw, then w orthogonalised against v_0…v_m (twice).
            product(vm, wp.baseAddress!)
            let a = RawBLAS.dot(n, vm, wp.baseAddress!)
            for _ in 0..<2 {
              RawBLAS.gemv(.transpose, m: n, n: m + 1, alpha: 1, v, lda: n, wp.baseAddress!, beta: 0, cp.baseAddress!)
              RawBLAS.gemv(.none, m: n, n: m + 1, alpha: -1, v, lda: n, cp.baseAddress!, beta: 1, wp.baseAddress!)
            }
            diagonal.append(a)
            let b = RawBLAS.dot(n, wp.baseAddress!, wp.baseAddress!).squareRoot()
            // An invariant Krylov space (or the last step): T_m is complete.
            let scale = Swift.max(abs(a), offDiagonal.last ?? 0)
            if m == k - 1 || !(b > 1e-12 * scale) { break }
            offDiagonal.append(b)
            for i in 0..<n { vm[n + i] = wp[i] / b }
          }
        }
      }
    }
    let m = diagonal.count
    self.basis = Array(basis.prefix(n * m))
    var t = Matrix(rows: m, columns: m)
    for i in 0..<m { t[i, i] = diagonal[i] }
    for i in 0..<(m - 1) {
      t[i + 1, i] = offDiagonal[i]
      t[i, i + 1] = offDiagonal[i]
    }
    guard let eigen = try? SymmetricEigen(t) else { return nil }
    theta = eigen.eigenvalues.map { Swift.max(0, $0) }
    eigenvectors = eigen.eigenvectors
  }

  /// The steps kept (T_k's order).
  var steps: Int { theta.count }

  /// The minimiser c* > 0 of the quadrature model of J(c·1) for β and B blocks, or nil when there is none (J(c·1)
  /// non-decreasing from c = 0: β²B ≥ yᵀGy, no uniform scale pays) or the model is not finite.
  func uniformScaleMinimiser(beta: Double, blocks: Int) -> Double? {
    let m = steps, yy = norm * norm
    let weight = (0..<m).map { yy * eigenvectors[0, $0] * eigenvectors[0, $0] }
    // d/dc of the model: −½ Σ_j w_j θ_j/(1 + cθ_j)² + ½β²B, increasing in c.
    let linear = 0.5 * beta * beta * Double(blocks)
    func slope(_ c: Double) -> Double {
      var s = 0.0
      for j in 0..<m {
        let q = 1 + c * theta[j]
        s += weight[j] * theta[j] / (q * q)
      }
      return linear - 0.5 * s
    }
    guard slope(0) < 0, linear > 0 else { return nil }
    // θ/(1 + cθ)² ≤ 1/(4c) and Σ w_j = ‖y‖²: the slope is positive beyond ‖y‖²/(4β²B).
    var hi = 2 * yy / (4 * beta * beta * Double(blocks)), lo = hi
    guard hi.isFinite, hi > 0 else { return nil }
    var tries = 0
    while slope(lo) >= 0 && tries < 700 {
      lo /= 10
      tries += 1
    }
    guard slope(lo) < 0 else { return nil }
    for _ in 0..<100 {
      let mid = (lo * hi).squareRoot()
      if slope(mid) < 0 { lo = mid } else { hi = mid }
      if hi <= lo * (1 + 1e-6) { break }
    }
    let c = (lo * hi).squareRoot()
    return c.isFinite && c > 0 ? c : nil
  }

  /// The Krylov approximation ‖y‖ V_k(I + cT_k)⁻¹e₁ = ‖y‖ V_k U diag(1/(1 + cθ)) Uᵀe₁ of (I + cG)⁻¹y (n).
  func resolvent(_ c: Double) -> [Double] {
    let m = steps, n = rows
    var coefficients = [Double](repeating: 0, count: m)
    for i in 0..<m {
      var s = 0.0
      for j in 0..<m { s += eigenvectors[i, j] * eigenvectors[0, j] / (1 + c * theta[j]) }
      coefficients[i] = norm * s
    }
    var r = [Double](repeating: 0, count: n)
    basis.withUnsafeBufferPointer { v in
      coefficients.withUnsafeBufferPointer { cp in
        r.withUnsafeMutableBufferPointer { rp in
          RawBLAS.gemv(.none, m: n, n: m, alpha: 1, v.baseAddress!, lda: n, cp.baseAddress!, beta: 0, rp.baseAddress!)
        }
      }
    }
    return r
  }
}
