/// An n×n symmetric matrix K(s) of `ScaledKernel` (lower triangle) and, after `factorInPlace`, its lower Cholesky
/// factor L, in double or single precision.
///
/// A double factor solves exactly (to rounding). A single one costs half the time — the single-precision kernels of
/// `ssyrk`, `spotrf` and `strsm` process twice the lanes (n = 1 800, one thread: `spotrf` 22 ms against `dpotrf`
/// 46 ms) — and its error, about κ(K)·6·10⁻⁸ relative, makes it a preconditioner and a Hessian approximation rather than
/// a solver: `KernelNewton` obtains r = K⁻¹y from it by conjugate gradients in double precision (`KernelChord`).
struct KernelFactor {
  enum Precision: Sendable { case single, double }
  let order: Int
  private(set) var precision: Precision
  /// The matrix or its factor (n×n, column-major, lower triangle), in the array of its precision (the other empty).
  var double: [Double]
  var single: [Float]
  /// Scratch for single-precision solves (n, and n·k for `solveLeft`).
  private var vector: [Float] = []
  private var block: [Float] = []

  init(order n: Int, precision: Precision) {
    order = n
    self.precision = precision
    double = precision == .double ? [Double](repeating: 0, count: n * n) : []
    single = precision == .single ? [Float](repeating: 0, count: n * n) : []
  }

  /// Switches to `precision`, allocating its storage (contents unspecified) and releasing the other's.
  mutating func convert(to precision: Precision) {
    guard precision != self.precision else { return }
    self.precision = precision
    let n = order
    if precision == .double {
      double = [Double](repeating: 0, count: n * n)
      single = []
    } else {
      single = [Float](repeating: 0, count: n * n)
      double = []
    }
  }

  /// Cholesky-factors the matrix held (`dpotrf` / `spotrf`); false when it is not numerically positive definite.
  mutating func factorInPlace() -> Bool {
    let n = order
    switch precision {
    case .double: return double.withUnsafeMutableBufferPointer { LAPACK.potrfInPlace($0.baseAddress!, order: n) }
    case .single: return single.withUnsafeMutableBufferPointer { LAPACK.potrfInPlace($0.baseAddress!, order: n) }
    }
  }

  /// x ← (LLᵀ)⁻¹x (n), in the factor's precision.
  mutating func solve(_ x: inout [Double]) {
    let n = order
    switch precision {
    case .double:
      double.withUnsafeBufferPointer { l in x.withUnsafeMutableBufferPointer { RawBLAS.choleskySolve(l.baseAddress!, order: n, $0.baseAddress!) } }
    case .single:
      if vector.count < n { vector = [Float](repeating: 0, count: n) }
      for i in 0..<n { vector[i] = Float(x[i]) }
      single.withUnsafeBufferPointer { l in vector.withUnsafeMutableBufferPointer { RawBLAS.choleskySolve(l.baseAddress!, order: n, $0.baseAddress!) } }
      for i in 0..<n { x[i] = Double(vector[i]) }
    }
  }

  /// B ← L⁻¹B for B (n×k, leading dimension n) at `b`, in the factor's precision.
  mutating func solveLeft(_ b: UnsafeMutablePointer<Double>, columns k: Int) {
    let n = order
    switch precision {
    case .double:
      double.withUnsafeBufferPointer { RawBLAS.solveLeftLower(order: n, columns: k, $0.baseAddress!, b) }
    case .single:
      if block.count < n * k { block = [Float](repeating: 0, count: n * k) }
      for e in 0..<(n * k) { block[e] = Float(b[e]) }
      single.withUnsafeBufferPointer { l in block.withUnsafeMutableBufferPointer { RawBLAS.solveLeftLower(order: n, columns: k, l.baseAddress!, $0.baseAddress!) } }
      for e in 0..<(n * k) { b[e] = Double(block[e]) }
    }
  }
}
