/// The ray of uniform scales s = c·1 of `KernelNewton`'s problem (MATH.md §3.6 in the scales' variables):
///
///     J(c·1) = ½ yᵀ(I + cG)⁻¹y + (β²/2)·B·c,   G = Σ_b A_bA_bᵀ = (XXᵀ) ⊙ (MMᵀ)   (n×n, ⪰ 0),
///
/// convex in c ≥ 0. yᵀ(I + cG)⁻¹y is a Stieltjes function of c, and k Lanczos steps on G from y give its Gauss
/// quadrature ‖y‖² Σ_j τ_j²/(1 + cθ_j) (θ_j the eigenvalues of the Lanczos tridiagonal T_k, τ_j the first entries of
/// its eigenvectors; Golub & Meurant, *Matrices, Moments and Quadrature*), exact once the Krylov space is invariant.
/// The minimiser of that model costs k products with G (2n² flops each) and no factorisation, where a line search
/// along the ray would factor K(c·1) at every trial.
extension ScaledKernel {
  /// The minimiser c* > 0 of the quadrature model of J(c·1), or nil when there is none: J(c·1) is non-decreasing
  /// from c = 0 (β²B ≥ yᵀGy: no uniform scale pays), y = 0, or a non-finite model. `work` receives G = K(1) − I
  /// (n×n, in the kernel's precision); `steps` bounds the Lanczos steps (full reorthogonalisation, n·(steps + 1)
  /// doubles for the basis).
  mutating func uniformScaleMinimiser(work: inout KernelFactor, steps: Int = 32) -> Double? {
    let n = masks.rows, B = masks.columns
    let yy = targets.dot(targets)
    guard n > 0, B > 0, yy > 0, yy.isFinite else { return nil }
    form([Double](repeating: 1, count: B), into: &work, identity: false)
    var single = work.precision == .single ? [Float](repeating: 0, count: 2 * n) : []
    let k = Swift.min(steps, n)
    var basis = [Double](repeating: 0, count: n * (k + 1))
    var w = [Double](repeating: 0, count: n), coefficients = [Double](repeating: 0, count: k + 1)
    var diagonal: [Double] = [], offDiagonal: [Double] = []
    let norm = yy.squareRoot()
    for i in 0..<n { basis[i] = targets[i] / norm }
    basis.withUnsafeMutableBufferPointer { vp in
      let v = vp.baseAddress!
      w.withUnsafeMutableBufferPointer { wp in
        coefficients.withUnsafeMutableBufferPointer { cp in
          for m in 0..<k {
            let vm = v + m * n
            // w = G v_m, α_m = v_mᵀw, then w orthogonalised against v_0…v_m (twice).
            switch work.precision {
            case .double:
              work.double.withUnsafeBufferPointer { RawBLAS.symvLower(order: n, alpha: 1, $0.baseAddress!, vm, beta: 0, wp.baseAddress!) }
            case .single:
              for i in 0..<n { single[i] = Float(vm[i]) }
              work.single.withUnsafeBufferPointer { kp in
                single.withUnsafeMutableBufferPointer { sp in
                  RawBLAS.symvLower(order: n, alpha: 1, kp.baseAddress!, sp.baseAddress!, beta: 0, sp.baseAddress! + n)
                }
              }
              for i in 0..<n { wp[i] = Double(single[n + i]) }
            }
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
    var t = Matrix(rows: m, columns: m)
    for i in 0..<m { t[i, i] = diagonal[i] }
    for i in 0..<(m - 1) {
      t[i + 1, i] = offDiagonal[i]
      t[i, i + 1] = offDiagonal[i]
    }
    guard let eigen = try? SymmetricEigen(t) else { return nil }
    let theta = eigen.eigenvalues.map { Swift.max(0, $0) }
    let weight = (0..<m).map { yy * eigen.eigenvectors[0, $0] * eigen.eigenvectors[0, $0] }
    // d/dc of the model: −½ Σ_j w_j θ_j/(1 + cθ_j)² + ½β²B, increasing in c.
    let linear = 0.5 * beta * beta * Double(B)
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
    var hi = 2 * yy / (4 * beta * beta * Double(B)), lo = hi
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
}
