/// The ray of uniform scales s = c·1 of `KernelNewton`'s problem (MATH.md §3.6 in the scales' variables):
///
///     J(c·1) = ½ yᵀ(I + cG)⁻¹y + (β²/2)·B·c,   G = Σ_b A_bA_bᵀ = (XXᵀ) ⊙ (MMᵀ)   (n×n, ⪰ 0),
///
/// convex in c ≥ 0. yᵀ(I + cG)⁻¹y is a Stieltjes function of c, and k Lanczos steps on G from y give its Gauss
/// quadrature (`LanczosQuadrature`), exact once the Krylov space is invariant. The minimiser of that model costs k
/// products with G (2n² flops each) and no factorisation, where a line search along the ray would factor K(c·1) at
/// every trial.
extension ScaledKernel {
  /// The minimiser c* > 0 of the quadrature model of J(c·1), or nil when there is none: J(c·1) is non-decreasing
  /// from c = 0 (β²B ≥ yᵀGy: no uniform scale pays), y = 0, or a non-finite model. `work` receives G = K(1) − I
  /// (n×n, in the kernel's precision); `steps` bounds the Lanczos steps (full reorthogonalisation, n·(steps + 1)
  /// doubles for the basis).
  mutating func uniformScaleMinimiser(work: inout KernelFactor, steps: Int = 32) -> Double? {
    let n = masks.rows, B = masks.columns
    guard n > 0, B > 0 else { return nil }
    form([Double](repeating: 1, count: B), into: &work, identity: false)
    var single = work.precision == .single ? [Float](repeating: 0, count: 2 * n) : []
    let lanczos = LanczosQuadrature(start: targets, steps: steps) { v, w in
      switch work.precision {
      case .double:
        work.double.withUnsafeBufferPointer { RawBLAS.symvLower(order: n, alpha: 1, $0.baseAddress!, v, beta: 0, w) }
      case .single:
        for i in 0..<n { single[i] = Float(v[i]) }
        work.single.withUnsafeBufferPointer { kp in
          single.withUnsafeMutableBufferPointer { sp in
            RawBLAS.symvLower(order: n, alpha: 1, kp.baseAddress!, sp.baseAddress!, beta: 0, sp.baseAddress! + n)
          }
        }
        for i in 0..<n { w[i] = Double(single[n + i]) }
      }
    }
    return lanczos?.uniformScaleMinimiser(beta: beta, blocks: B)
  }
}
