/// K(s) = I + (XXᵀ) ⊙ (M diag(s) Mᵀ) = I + Σ_b s_b A_bA_bᵀ of a `MaskedBlockProgram` (n×n, lower triangles), formed and
/// factored at given scales into a `KernelFactor`, in double or single precision (`precision`), with the buffers kept
/// across calls. A single-precision kernel whose factorisation fails (K(s) too ill-conditioned for it) switches to
/// double for good and factors again.
struct ScaledKernel {
  let x: Matrix
  let masks: Matrix
  let targets: [Double]
  let beta: Double
  private(set) var precision: KernelFactor.Precision
  /// XXᵀ (lower triangle), in the array of the kernel's precision.
  private var gramDouble: [Double] = [], gramSingle: [Float] = []
  /// M diag(√s) over the positive scales (n×B), likewise.
  private var scaledDouble: [Double] = [], scaledSingle: [Float] = []

  init<Program: MaskedBlockProgram>(program: Program, precision: KernelFactor.Precision = .double) {
    x = program.x
    masks = program.masks
    targets = program.targets
    beta = program.beta
    self.precision = .double
    use(precision)
  }

  /// XXᵀ and the scaled masks in `precision`: in single precision XXᵀ comes from `ssyrk` on X rounded to single (a
  /// preconditioner's accuracy), without an n×n array of doubles — at n = 1 500 its first touch alone took about
  /// 10 ms (page faults).
  mutating func use(_ precision: KernelFactor.Precision) {
    let n = x.rows, d = x.columns
    guard gramDouble.isEmpty && gramSingle.isEmpty || precision != self.precision else { return }
    self.precision = precision
    if precision == .double {
      gramDouble = [Double](repeating: 0, count: n * n)
      x.withUnsafeBufferPointer { xp in
        gramDouble.withUnsafeMutableBufferPointer { gp in
          RawBLAS.syrkLower(.none, n: n, k: d, alpha: 1, xp.baseAddress!, lda: n, beta: 0, gp.baseAddress!, ldc: n)
        }
      }
      scaledDouble = [Double](repeating: 0, count: n * masks.columns)
      gramSingle = []
      scaledSingle = []
    } else {
      let rounded = x.withUnsafeBufferPointer { xp in xp.map { Float($0) } }
      gramSingle = [Float](repeating: 0, count: n * n)
      rounded.withUnsafeBufferPointer { xp in
        gramSingle.withUnsafeMutableBufferPointer { gp in
          RawBLAS.syrkLower(n: n, k: d, alpha: 1, xp.baseAddress!, lda: n, beta: 0, gp.baseAddress!, ldc: n)
        }
      }
      scaledSingle = [Float](repeating: 0, count: n * masks.columns)
      gramDouble = []
      scaledDouble = []
    }
  }

  /// Forms and factors K(s) into `f`; false when K(s) is not numerically positive definite (in double precision).
  mutating func factor(_ s: [Double], into f: inout KernelFactor) -> Bool {
    form(s, into: &f)
    if f.factorInPlace() { return true }
    guard precision == .single else { return false }
    use(.double)
    form(s, into: &f)
    return f.factorInPlace()
  }

  /// `factor(c·1, into:)` from G = K(1) − I in `g` (lower triangle, as `form(_:into:identity: false)` leaves it):
  /// K(c·1) = I + c·G without the rank-B update. When a single-precision G's K(c·1) does not factor, the kernel
  /// switches to double and forms K(c·1) itself.
  mutating func factor(uniform c: Double, from g: KernelFactor, into f: inout KernelFactor) -> Bool {
    let n = masks.rows
    f.convert(to: g.precision)
    switch g.precision {
    case .double: Self.shifted(g.double, c, into: &f.double, n: n)
    case .single: Self.shifted(g.single, Float(c), into: &f.single, n: n)
    }
    if f.factorInPlace() { return true }
    // A double K(c·1) that does not factor would not factor formed again; a single one is formed again in double.
    guard g.precision == .single else { return false }
    use(.double)
    return factor([Double](repeating: c, count: masks.columns), into: &f)
  }

  /// The lower triangle of `out` ← I + c·g.
  private static func shifted<T: BinaryFloatingPoint>(_ g: [T], _ c: T, into out: inout [T], n: Int) {
    g.withUnsafeBufferPointer { gp in
      out.withUnsafeMutableBufferPointer { o in
        for j in 0..<n {
          let col = j * n
          for i in j..<n { o[i + col] = c * gp[i + col] }
          o[j + col] += 1
        }
      }
    }
  }

  /// J(s) = ½ yᵀr + (β²/2) Σ_b s_b given r = K(s)⁻¹y, or nil when not finite.
  func objective(residual r: [Double], scales s: [Double]) -> Double? {
    let value = 0.5 * targets.dot(r) + 0.5 * beta * beta * s.reduce(0, +)
    return value.isFinite ? value : nil
  }

  /// K(s) — or K(s) − I without `identity` — into `f` (in the kernel's precision, lower triangle); returns Σ_b s_b.
  @discardableResult
  mutating func form(_ s: [Double], into f: inout KernelFactor, identity: Bool = true) -> Double {
    let n = masks.rows, B = masks.columns
    f.convert(to: precision)
    var k = 0, sum = 0.0
    masks.withUnsafeBufferPointer { m in
      for b in 0..<B where s[b] > 0 {
        let w = s[b].squareRoot()
        if precision == .double {
          for i in 0..<n { scaledDouble[i + k * n] = w * m[i + b * n] }
        } else {
          let ws = Float(w)
          for i in 0..<n { scaledSingle[i + k * n] = ws * Float(m[i + b * n]) }
        }
        k += 1
        sum += s[b]
      }
    }
    switch precision {
    case .double:
      if k > 0 {
        scaledDouble.withUnsafeBufferPointer { w in
          f.double.withUnsafeMutableBufferPointer { o in
            RawBLAS.syrkLower(.none, n: n, k: k, alpha: 1, w.baseAddress!, lda: n, beta: 0, o.baseAddress!, ldc: n)
          }
        }
      }
      Self.scaleByGram(&f.double, n: n, gram: gramDouble, empty: k == 0, identity: identity)
    case .single:
      if k > 0 {
        scaledSingle.withUnsafeBufferPointer { w in
          f.single.withUnsafeMutableBufferPointer { o in
            RawBLAS.syrkLower(n: n, k: k, alpha: 1, w.baseAddress!, lda: n, beta: 0, o.baseAddress!, ldc: n)
          }
        }
      }
      Self.scaleByGram(&f.single, n: n, gram: gramSingle, empty: k == 0, identity: identity)
    }
    return sum
  }

  /// The lower triangle of `matrix` (WWᵀ, or nothing when `empty`) ← (XXᵀ) ⊙ WWᵀ, plus I with `identity`.
  private static func scaleByGram<T: BinaryFloatingPoint>(_ matrix: inout [T], n: Int, gram: [T], empty: Bool, identity: Bool) {
    matrix.withUnsafeMutableBufferPointer { o in
      gram.withUnsafeBufferPointer { g in
        for j in 0..<n {
          let c = j * n
          if empty {
            for i in j..<n { o[i + c] = 0 }
          } else {
            for i in j..<n { o[i + c] *= g[i + c] }
          }
          if identity { o[j + c] += 1 }
        }
      }
    }
  }
}
