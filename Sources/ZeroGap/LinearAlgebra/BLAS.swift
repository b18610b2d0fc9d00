import CZeroGapLAPACK

// One of the two files that import the C module (the other is LAPACK.swift). Everything here is
// a thin, shape-checked wrapper over CBLAS in column-major order. Shape errors are programmer
// errors (preconditions); user data is validated before it reaches these functions.

/// Whether a BLAS operand is used as is or transposed.
public enum Transpose: Sendable {
  case none
  case transpose

  @usableFromInline var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

@inline(__always) private func i32(_ n: Int) -> Int32 {
  precondition(n <= Int(Int32.max), "dimension \(n) exceeds the 32-bit BLAS index range")
  return Int32(n)
}

extension Matrix {
  // MARK: Level 3

  /// General matrix product `C ← α·op(A)·op(B) + β·C`, in place, allocation-free (`dgemm`).
  ///
  /// Shapes: op(A) is m×k, op(B) is k×n and `self` (C) is m×n.
  /// - Complexity: 2mnk flops.
  public mutating func gemm(
    _ a: Matrix, _ b: Matrix, transA: Transpose = .none, transB: Transpose = .none,
    alpha: Double = 1, beta: Double = 0
  ) {
    let (m, k) = transA == .none ? (a.rows, a.columns) : (a.columns, a.rows)
    let (kb, n) = transB == .none ? (b.rows, b.columns) : (b.columns, b.rows)
    precondition(k == kb, "gemm: inner dimensions differ (op(A) is \(m)×\(k), op(B) is \(kb)×\(n))")
    precondition(rows == m && columns == n, "gemm: C is \(rows)×\(columns), expected \(m)×\(n)")
    if m == 0 || n == 0 { return }
    if k == 0 {
      scale(by: beta)
      return
    }
    let lda = Swift.max(1, a.rows), ldb = Swift.max(1, b.rows), ldc = Swift.max(1, rows)
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        withUnsafeMutableBufferPointer { pc in
          cblas_dgemm(
            CblasColMajor, transA.cblas, transB.cblas, i32(m), i32(n), i32(k), alpha,
            pa.baseAddress, i32(lda), pb.baseAddress, i32(ldb), beta, pc.baseAddress, i32(ldc))
        }
      }
    }
  }

  /// `op(A)·op(B)` as a new matrix (`dgemm`).
  public static func product(
    _ a: Matrix, _ b: Matrix, transA: Transpose = .none, transB: Transpose = .none, alpha: Double = 1
  ) -> Matrix {
    let m = transA == .none ? a.rows : a.columns
    let n = transB == .none ? b.columns : b.rows
    var c = Matrix(rows: m, columns: n)
    c.gemm(a, b, transA: transA, transB: transB, alpha: alpha)
    return c
  }

  /// Matrix product `A·B` (`dgemm`).
  public static func * (a: Matrix, b: Matrix) -> Matrix { product(a, b) }

  /// The Gram matrix `AᵀA` (n×n, `.transpose`) or `AAᵀ` (m×m, `.none`), full symmetric (`dsyrk`).
  /// - Complexity: about half the flops of the equivalent `dgemm`.
  public func gram(_ side: Transpose = .transpose) -> Matrix {
    let n = side == .transpose ? columns : rows
    let k = side == .transpose ? rows : columns
    var c = Matrix(rows: n, columns: n)
    if n == 0 || k == 0 { return c }
    withUnsafeBufferPointer { pa in
      c.withUnsafeMutableBufferPointer { pc in
        cblas_dsyrk(
          CblasColMajor, CblasUpper, side == .transpose ? CblasTrans : CblasNoTrans, i32(n), i32(k), 1,
          pa.baseAddress, i32(Swift.max(1, rows)), 0, pc.baseAddress, i32(n))
      }
    }
    c.symmetrizeFromUpper()
    return c
  }

  /// Copies the upper triangle into the lower one.
  mutating func symmetrizeFromUpper() {
    precondition(rows == columns)
    let n = rows
    withUnsafeMutableBufferPointer { p in
      for j in 0..<n {
        for i in (j + 1)..<Swift.max(j + 1, n) { p[i + j * n] = p[j + i * n] }
      }
    }
  }

  // MARK: Level 2

  /// Matrix–vector product `op(A)·x` (`dgemv`). `x` has length op(A).columns.
  public func multiply(_ x: [Double], trans: Transpose = .none, alpha: Double = 1) -> [Double] {
    var y = [Double](repeating: 0, count: trans == .none ? rows : columns)
    multiply(x, into: &y, trans: trans, alpha: alpha)
    return y
  }

  /// `y ← α·op(A)·x` into a buffer the caller keeps (`dgemv`, no allocation): `x` has length op(A).columns, `y`
  /// op(A).rows.
  public func multiply(_ x: [Double], into y: inout [Double], trans: Transpose = .none, alpha: Double = 1) {
    let (m, n) = trans == .none ? (rows, columns) : (columns, rows)
    precondition(x.count == n && y.count == m, "gemv: op(A) is \(m)×\(n) but x has length \(x.count), y \(y.count)")
    if m == 0 { return }
    if n == 0 {
      for i in 0..<m { y[i] = 0 }
      return
    }
    withUnsafeBufferPointer { pa in
      x.withUnsafeBufferPointer { px in
        y.withUnsafeMutableBufferPointer { py in
          cblas_dgemv(
            CblasColMajor, trans.cblas, i32(rows), i32(columns), alpha, pa.baseAddress,
            i32(Swift.max(1, rows)), px.baseAddress, 1, 0, py.baseAddress, 1)
        }
      }
    }
  }

  // MARK: Level 1 on the whole buffer

  /// `self ← self + α·B` (`daxpy`).
  public mutating func add(_ b: Matrix, scaledBy alpha: Double = 1) {
    precondition(rows == b.rows && columns == b.columns, "axpy: shapes \(rows)×\(columns) and \(b.rows)×\(b.columns) differ")
    if count == 0 { return }
    b.withUnsafeBufferPointer { pb in
      let n = count
    withUnsafeMutableBufferPointer { pa in
        cblas_daxpy(i32(n), alpha, pb.baseAddress, 1, pa.baseAddress, 1)
      }
    }
  }

  /// `self ← α·self` (`dscal`).
  public mutating func scale(by alpha: Double) {
    if count == 0 { return }
    let n = count
    withUnsafeMutableBufferPointer { pa in cblas_dscal(i32(n), alpha, pa.baseAddress, 1) }
  }

  /// Frobenius inner product `⟨A, B⟩ = Σ a_ij b_ij = tr(AᵀB)` (`ddot`).
  public func dot(_ b: Matrix) -> Double {
    precondition(rows == b.rows && columns == b.columns, "dot: shapes differ")
    return storage.dot(b.storage)
  }

  /// Frobenius norm `‖A‖_F` (`dnrm2`, overflow-safe).
  public var frobeniusNorm: Double { storage.norm2 }
}

// MARK: - Level 1 on vectors

extension Array where Element == Double {
  /// `xᵀy` (`ddot`).
  public func dot(_ y: [Double]) -> Double {
    precondition(count == y.count, "dot: lengths \(count) and \(y.count) differ")
    if isEmpty { return 0 }
    return withUnsafeBufferPointer { px in
      y.withUnsafeBufferPointer { py in cblas_ddot(i32(count), px.baseAddress, 1, py.baseAddress, 1) }
    }
  }

  /// Euclidean norm `‖x‖₂` (`dnrm2`, overflow-safe).
  public var norm2: Double {
    if isEmpty { return 0 }
    return withUnsafeBufferPointer { px in cblas_dnrm2(i32(count), px.baseAddress, 1) }
  }

  /// `self ← self + α·x` (`daxpy`).
  public mutating func axpy(_ alpha: Double, _ x: [Double]) {
    precondition(count == x.count, "axpy: lengths \(count) and \(x.count) differ")
    if isEmpty { return }
    let n = count
    x.withUnsafeBufferPointer { px in
      withUnsafeMutableBufferPointer { py in cblas_daxpy(i32(n), alpha, px.baseAddress, 1, py.baseAddress, 1) }
    }
  }

  /// `self ← α·self` (`dscal`).
  public mutating func scal(_ alpha: Double) {
    if isEmpty { return }
    let n = count
    withUnsafeMutableBufferPointer { px in cblas_dscal(i32(n), alpha, px.baseAddress, 1) }
  }
}

extension ArraySlice where Element == Double {
  /// Euclidean norm `‖x‖₂` of the slice where it lies (`dnrm2`, overflow-safe; no copy).
  public var norm2: Double {
    if isEmpty { return 0 }
    return withUnsafeBufferPointer { px in cblas_dnrm2(i32(count), px.baseAddress, 1) }
  }
}

// MARK: - Runtime facts (exposed publicly through `BLASRuntime`)

enum BLAS {
  static var coreName: String { String(cString: openblas_get_corename()) }
  static var configuration: String { String(cString: openblas_get_config()) }
  static var threadCount: Int { Int(openblas_get_num_threads()) }
  static func setThreadCount(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
}

/// Raw-pointer BLAS for solvers that keep many small column-major matrices in one buffer (a batch of n×n blocks):
/// the same CBLAS calls as the `Matrix` methods, without a `Matrix` per block. Shapes are the caller's contract.
enum RawBLAS {
  /// `C ← α·op(A)·op(B) + β·C` (`dgemm`), op(A) m×k, op(B) k×n, C m×n, leading dimensions given.
  static func gemm(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Double,
    _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int, beta: Double,
    _ c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    if m == 0 || n == 0 { return }
    cblas_dgemm(
      CblasColMajor, transA.cblas, transB.cblas, i32(m), i32(n), i32(k), alpha, a, i32(Swift.max(1, lda)), b,
      i32(Swift.max(1, ldb)), beta, c, i32(Swift.max(1, ldc)))
  }

  /// `y ← α·op(A)·x + β·y` (`dgemv`), A m×n with leading dimension lda.
  static func gemv(
    _ trans: Transpose, m: Int, n: Int, alpha: Double, _ a: UnsafePointer<Double>, lda: Int,
    _ x: UnsafePointer<Double>, beta: Double, _ y: UnsafeMutablePointer<Double>
  ) {
    if m == 0 || n == 0 { return }
    cblas_dgemv(CblasColMajor, trans.cblas, i32(m), i32(n), alpha, a, i32(Swift.max(1, lda)), x, 1, beta, y, 1)
  }

  /// Solves `op(U)·x = b` in place for the upper-triangular U (n×n, leading dimension lda; `dtrsv`).
  static func upperTriangularSolve(_ trans: Transpose, order n: Int, _ u: UnsafePointer<Double>, lda: Int, _ x: UnsafeMutablePointer<Double>) {
    if n == 0 { return }
    cblas_dtrsv(CblasColMajor, CblasUpper, trans.cblas, CblasNonUnit, i32(n), u, i32(Swift.max(1, lda)), x, 1)
  }

  /// `C ← α·op(A)·op(A)ᵀ + β·C` in C's lower triangle (`dsyrk`), C n×n: with `.none` A is n×k (AAᵀ), with
  /// `.transpose` A is k×n (AᵀA); leading dimensions given.
  static func syrkLower(
    _ trans: Transpose, n: Int, k: Int, alpha: Double, _ a: UnsafePointer<Double>, lda: Int, beta: Double,
    _ c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    if n == 0 { return }
    cblas_dsyrk(CblasColMajor, CblasLower, trans.cblas, i32(n), i32(k), alpha, a, i32(Swift.max(1, lda)), beta, c, i32(Swift.max(1, ldc)))
  }

  /// `B ← B·L⁻ᵀ` in place for the lower-triangular L (n×n, leading dimension n) and B (m×n, leading dimension ldb;
  /// `dtrsm` from the right).
  static func solveRightLowerTransposed(rows m: Int, order n: Int, _ l: UnsafePointer<Double>, _ b: UnsafeMutablePointer<Double>, ldb: Int) {
    if n == 0 || m == 0 { return }
    cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, i32(m), i32(n), 1, l, i32(n), b, i32(Swift.max(1, ldb)))
  }

  /// `B ← L⁻¹·B` in place for the lower-triangular L (n×n, leading dimension n) and B (n×m, leading dimension n;
  /// `dtrsm` from the left).
  static func solveLeftLower(order n: Int, columns m: Int, _ l: UnsafePointer<Double>, _ b: UnsafeMutablePointer<Double>) {
    if n == 0 || m == 0 { return }
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, i32(n), i32(m), 1, l, i32(n), b, i32(n))
  }

  /// `y ← α·A·x + β·y` for the symmetric A (n×n, leading dimension n) stored in its lower triangle (`dsymv`).
  static func symvLower(order n: Int, alpha: Double, _ a: UnsafePointer<Double>, _ x: UnsafePointer<Double>, beta: Double, _ y: UnsafeMutablePointer<Double>) {
    if n == 0 { return }
    cblas_dsymv(CblasColMajor, CblasLower, i32(n), alpha, a, i32(n), x, 1, beta, y, 1)
  }

  /// `xᵀy` over n entries (`ddot`).
  static func dot(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
    n == 0 ? 0 : cblas_ddot(i32(n), x, 1, y, 1)
  }

  // Single precision, for factors used as preconditioners (`KernelFactor`): the same calls as above.

  /// `ssyrk`: `C ← α·A·Aᵀ + β·C` in C's lower triangle, A n×k.
  static func syrkLower(n: Int, k: Int, alpha: Float, _ a: UnsafePointer<Float>, lda: Int, beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    if n == 0 { return }
    cblas_ssyrk(CblasColMajor, CblasLower, CblasNoTrans, i32(n), i32(k), alpha, a, i32(Swift.max(1, lda)), beta, c, i32(Swift.max(1, ldc)))
  }

  /// `strsm` from the left: `B ← L⁻¹·B`, L n×n lower, B n×m (leading dimension n).
  static func solveLeftLower(order n: Int, columns m: Int, _ l: UnsafePointer<Float>, _ b: UnsafeMutablePointer<Float>) {
    if n == 0 || m == 0 { return }
    cblas_strsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, i32(n), i32(m), 1, l, i32(n), b, i32(n))
  }

  /// `ssymv`: `y ← α·A·x + β·y`, A symmetric n×n in its lower triangle.
  static func symvLower(order n: Int, alpha: Float, _ a: UnsafePointer<Float>, _ x: UnsafePointer<Float>, beta: Float, _ y: UnsafeMutablePointer<Float>) {
    if n == 0 { return }
    cblas_ssymv(CblasColMajor, CblasLower, i32(n), alpha, a, i32(n), x, 1, beta, y, 1)
  }

  /// `L·Lᵀ·x = b` in place, L lower n×n (two `strsv`).
  static func choleskySolve(_ l: UnsafePointer<Float>, order n: Int, _ x: UnsafeMutablePointer<Float>) {
    if n == 0 { return }
    cblas_strsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, i32(n), l, i32(n), x, 1)
    cblas_strsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, i32(n), l, i32(n), x, 1)
  }

  /// Solves `L·Lᵀ·x = b` in place for the lower Cholesky factor at `l` (n×n): two triangular solves (`dtrsv`).
  static func choleskySolve(_ l: UnsafePointer<Double>, order n: Int, _ x: UnsafeMutablePointer<Double>) {
    if n == 0 { return }
    cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, i32(n), l, i32(n), x, 1)
    cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, i32(n), l, i32(n), x, 1)
  }
}
