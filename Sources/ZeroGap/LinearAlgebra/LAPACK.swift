import CZeroGapLAPACK

// The second (and last) file that imports the C module. Raw LAPACKE drivers in column-major
// order; each checks its input for NaN/∞, maps `info` to `LinearAlgebraError`, and returns Swift
// values. The decomposition types (SVD.swift, SymmetricEigen.swift, …) build on these.

enum LAPACK {
  private static func char(_ c: Character) -> CChar { CChar(bitPattern: c.asciiValue ?? 0) }

  /// Test hook: while `true` (bound with `LAPACK.$simulateGesddFailure.withValue(true) { … }`),
  /// every `dgesdd` call reports non-convergence after running, so the `dgesvd` fallback path is
  /// exercised. Task-local, so concurrent tests are unaffected.
  @TaskLocal static var simulateGesddFailure = false

  private static func check(_ info: Int32, _ routine: String) throws(LinearAlgebraError) {
    // LAPACKE_WORK_MEMORY_ERROR / LAPACKE_TRANSPOSE_MEMORY_ERROR.
    if info == -1010 || info == -1011 { throw .outOfMemory(routine: routine) }
    if info < 0 { throw .illegalArgument(routine: routine, index: Int(-info)) }
    if info > 0 { throw .didNotConverge(routine: routine, info: Int(info)) }
  }

  private static func requireFinite(_ a: Matrix, _ routine: String) throws(LinearAlgebraError) {
    if !a.isFinite { throw .nonFiniteInput(routine: routine) }
  }

  /// Which singular vectors an SVD driver computes (LAPACK `jobz`/`jobu`/`jobvt`).
  enum SVDVectors {
    /// None: `U` and `Vᵀ` are returned empty (m×0 and 0×n).
    case none
    /// Thin: U is m×k, Vᵀ is k×n, k = min(m, n).
    case thin
    /// Full: U is m×m, Vᵀ is n×n.
    case full

    var job: Character {
      switch self {
      case .none: "N"
      case .thin: "S"
      case .full: "A"
      }
    }
  }

  /// SVD `A = U·diag(s)·Vᵀ` of an m×n matrix. Tries `dgesdd` (divide and conquer) and falls back
  /// to `dgesvd` (QR iteration) if it fails to converge; the fallback restarts from the original
  /// `a` (dgesdd overwrites its own copy). s has length min(m, n) and is descending.
  static func svd(_ a: Matrix, vectors: SVDVectors) throws(LinearAlgebraError) -> (u: Matrix, s: [Double], vt: Matrix) {
    try requireFinite(a, "dgesdd")
    do {
      return try gesdd(a, vectors: vectors)
    } catch .didNotConverge(routine: _, info: let gesddInfo) {
      do {
        return try gesvd(a, vectors: vectors)
      } catch .didNotConverge(routine: _, info: let info) {
        throw .didNotConverge(routine: "dgesvd (fallback after dgesdd failed with info = \(gesddInfo))", info: info)
      }
    }
  }

  /// The shapes of U and Vᵀ for `vectors`, and what to return when min(m, n) = 0.
  private static func svdShapes(_ m: Int, _ n: Int, _ vectors: SVDVectors) -> (u: Matrix, vt: Matrix) {
    let k = min(m, n)
    switch vectors {
    case .none: return (Matrix(rows: m, columns: 0), Matrix(rows: 0, columns: n))
    case .thin: return (Matrix(rows: m, columns: k), Matrix(rows: k, columns: n))
    case .full: return (Matrix(rows: m, columns: m), Matrix(rows: n, columns: n))
    }
  }

  /// The SVD of a matrix with min(m, n) = 0: no singular values; the full factors are identities.
  private static func emptySVD(_ m: Int, _ n: Int, _ vectors: SVDVectors) -> (u: Matrix, s: [Double], vt: Matrix) {
    if vectors == .full { return (Matrix.identity(m), [], Matrix.identity(n)) }
    let (u, vt) = svdShapes(m, n, vectors)
    return (u, [], vt)
  }

  static func gesdd(_ a: Matrix, vectors: SVDVectors) throws(LinearAlgebraError) -> (u: Matrix, s: [Double], vt: Matrix) {
    let m = a.rows, n = a.columns, k = min(m, n)
    var s = [Double](repeating: 0, count: k)
    if k == 0 { return emptySVD(m, n, vectors) }
    var work = a
    // With jobz = N, LAPACK still requires ldu ≥ 1 and ldvt ≥ 1 and never touches U/Vᵀ: 1-element buffers.
    var (u, vt) = vectors == .none ? (Matrix(rows: 1, columns: 1), Matrix(rows: 1, columns: 1)) : svdShapes(m, n, vectors)
    let ldu = max(1, u.rows), ldvt = max(1, vt.rows)
    var info = work.withUnsafeMutableBufferPointer { pa in
      u.withUnsafeMutableBufferPointer { pu in
        vt.withUnsafeMutableBufferPointer { pv in
          s.withUnsafeMutableBufferPointer { ps in
            LAPACKE_dgesdd(
              LAPACK_COL_MAJOR, char(vectors.job), Int32(m), Int32(n), pa.baseAddress, Int32(max(1, m)),
              ps.baseAddress, pu.baseAddress, Int32(ldu), pv.baseAddress, Int32(ldvt))
          }
        }
      }
    }
    if simulateGesddFailure && info == 0 { info = 1 }
    try check(info, "dgesdd")
    if vectors == .none { (u, vt) = svdShapes(m, n, .none) }
    return (u, s, vt)
  }

  static func gesvd(_ a: Matrix, vectors: SVDVectors) throws(LinearAlgebraError) -> (u: Matrix, s: [Double], vt: Matrix) {
    try requireFinite(a, "dgesvd")
    let m = a.rows, n = a.columns, k = min(m, n)
    var s = [Double](repeating: 0, count: k)
    if k == 0 { return emptySVD(m, n, vectors) }
    var work = a
    var (u, vt) = vectors == .none ? (Matrix(rows: 1, columns: 1), Matrix(rows: 1, columns: 1)) : svdShapes(m, n, vectors)
    let ldu = max(1, u.rows), ldvt = max(1, vt.rows)
    var superb = [Double](repeating: 0, count: max(1, k - 1))
    let job = char(vectors.job)
    let info = work.withUnsafeMutableBufferPointer { pa in
      u.withUnsafeMutableBufferPointer { pu in
        vt.withUnsafeMutableBufferPointer { pv in
          s.withUnsafeMutableBufferPointer { ps in
            superb.withUnsafeMutableBufferPointer { pw in
              LAPACKE_dgesvd(
                LAPACK_COL_MAJOR, job, job, Int32(m), Int32(n), pa.baseAddress, Int32(max(1, m)),
                ps.baseAddress, pu.baseAddress, Int32(ldu), pv.baseAddress, Int32(ldvt), pw.baseAddress)
            }
          }
        }
      }
    }
    try check(info, "dgesvd")
    if vectors == .none { (u, vt) = svdShapes(m, n, .none) }
    return (u, s, vt)
  }

  /// Singular values only (`dgesdd` with `jobz = N`, `dgesvd` fallback), descending.
  static func singularValues(_ a: Matrix) throws(LinearAlgebraError) -> [Double] {
    try svd(a, vectors: .none).s
  }

  /// Symmetric eigendecomposition `A = V·diag(λ)·Vᵀ` (`dsyevd`); λ ascending. Reads the lower triangle.
  static func syevd(_ a: Matrix, vectors: Bool) throws(LinearAlgebraError) -> (values: [Double], vectors: Matrix) {
    try requireFinite(a, "dsyevd")
    let n = a.rows
    var v = a
    var w = [Double](repeating: 0, count: n)
    if n == 0 { return (w, v) }
    let info = v.withUnsafeMutableBufferPointer { pa in
      w.withUnsafeMutableBufferPointer { pw in
        LAPACKE_dsyevd(LAPACK_COL_MAJOR, char(vectors ? "V" : "N"), char("L"), Int32(n), pa.baseAddress, Int32(n), pw.baseAddress)
      }
    }
    try check(info, "dsyevd")
    return (w, v)
  }

  /// Householder QR (`dgeqrf` + `dorgqr`): thin Q (m×k) and R (k×n), k = min(m, n).
  static func qr(_ a: Matrix) throws(LinearAlgebraError) -> (q: Matrix, r: Matrix) {
    try requireFinite(a, "dgeqrf")
    let m = a.rows, n = a.columns, k = min(m, n)
    var f = a
    var tau = [Double](repeating: 0, count: max(1, k))
    if k == 0 { return (Matrix(rows: m, columns: 0), Matrix(rows: 0, columns: n)) }
    var info = f.withUnsafeMutableBufferPointer { pa in
      LAPACKE_dgeqrf(LAPACK_COL_MAJOR, Int32(m), Int32(n), pa.baseAddress, Int32(m), &tau)
    }
    try check(info, "dgeqrf")
    var r = Matrix(rows: k, columns: n)
    for j in 0..<n {
      for i in 0...min(j, k - 1) { r[i, j] = f[i, j] }
    }
    var q = Matrix(rows: m, columns: k, columnMajor: Array(f.storage[0..<(m * k)]))
    info = q.withUnsafeMutableBufferPointer { pq in
      LAPACKE_dorgqr(LAPACK_COL_MAJOR, Int32(m), Int32(k), Int32(k), pq.baseAddress, Int32(m), &tau)
    }
    try check(info, "dorgqr")
    return (q, r)
  }

  /// Cholesky factor `A = L·Lᵀ` (`dpotrf`, lower). Throws `.notPositiveDefinite` when it is not.
  static func potrf(_ a: Matrix) throws(LinearAlgebraError) -> Matrix {
    try requireFinite(a, "dpotrf")
    let n = a.rows
    var l = a
    if n == 0 { return l }
    let info = l.withUnsafeMutableBufferPointer { pa in
      LAPACKE_dpotrf(LAPACK_COL_MAJOR, char("L"), Int32(n), pa.baseAddress, Int32(n))
    }
    if info > 0 { throw .notPositiveDefinite(routine: "dpotrf", order: Int(info)) }
    try check(info, "dpotrf")
    for j in 1..<max(1, n) {
      for i in 0..<j { l[i, j] = 0 }
    }
    return l
  }

  /// Solves `L·Lᵀ·X = B` given the lower Cholesky factor (`dpotrs`).
  static func potrs(_ l: Matrix, _ b: Matrix) throws(LinearAlgebraError) -> Matrix {
    try requireFinite(b, "dpotrs")
    let n = l.rows
    var x = b
    if n == 0 || b.columns == 0 { return x }
    let info = l.withUnsafeBufferPointer { pl in
      x.withUnsafeMutableBufferPointer { px in
        LAPACKE_dpotrs(LAPACK_COL_MAJOR, char("L"), Int32(n), Int32(b.columns), pl.baseAddress, Int32(n), px.baseAddress, Int32(n))
      }
    }
    try check(info, "dpotrs")
    return x
  }

  /// In-place Cholesky of the n×n block at `a` (lower triangle read and overwritten; `dpotrf`); false when the
  /// matrix is not positive definite. For batches of small matrices kept in one buffer.
  static func potrfInPlace(_ a: UnsafeMutablePointer<Double>, order n: Int) -> Bool {
    if n == 0 { return true }
    return LAPACKE_dpotrf(LAPACK_COL_MAJOR, char("L"), Int32(n), a, Int32(n)) == 0
  }

  /// `spotrf` (lower, in place, no NaN scan of the input: a NaN fails the factorisation or reaches the caller's
  /// finiteness checks); true on success.
  static func potrfInPlace(_ a: UnsafeMutablePointer<Float>, order n: Int) -> Bool {
    if n == 0 { return true }
    return LAPACKE_spotrf_work(LAPACK_COL_MAJOR, char("L"), Int32(n), a, Int32(n)) == 0
  }

  /// Solves `L·Lᵀ·X = B` in place for the lower factor at `l` (n×n) and B at `b` (n×nrhs, `dpotrs`).
  static func potrsInPlace(_ l: UnsafePointer<Double>, order n: Int, _ b: UnsafeMutablePointer<Double>, rightHandSides nrhs: Int) {
    if n == 0 || nrhs == 0 { return }
    _ = LAPACKE_dpotrs(LAPACK_COL_MAJOR, char("L"), Int32(n), Int32(nrhs), l, Int32(n), b, Int32(n))
  }

  /// The upper-triangular factor R (k×n, k = min(m, n)) of a Householder QR of the m×n matrix at `a` (overwritten;
  /// `dgeqrf`), written column-major into `r`; `tau` needs min(m, n) entries. False on a LAPACK error.
  static func qrFactorR(
    _ a: UnsafeMutablePointer<Double>, rows m: Int, columns n: Int, tau: UnsafeMutablePointer<Double>,
    into r: UnsafeMutablePointer<Double>
  ) -> Bool {
    let k = Swift.min(m, n)
    guard LAPACKE_dgeqrf(LAPACK_COL_MAJOR, Int32(m), Int32(n), a, Int32(m), tau) == 0 else { return false }
    for j in 0..<n {
      for i in 0..<k { r[i + j * k] = i <= j ? a[i + j * m] : 0 }
    }
    return true
  }

  /// Minimum-norm least squares `argmin ‖A·X − B‖_F` with the smallest ‖X‖_F (`dgelsd`, SVD based).
  /// Singular values `≤ rcond·σ₁` are treated as zero. Returns X (n×k), the effective rank, and σ(A).
  static func gelsd(_ a: Matrix, _ b: Matrix, rcond: Double) throws(LinearAlgebraError)
    -> (x: Matrix, rank: Int, singularValues: [Double])
  {
    try requireFinite(a, "dgelsd")
    try requireFinite(b, "dgelsd")
    let m = a.rows, n = a.columns, nrhs = b.columns
    if min(m, n) == 0 { return (Matrix(rows: n, columns: nrhs), 0, []) }
    if nrhs == 0 {
      let s = try singularValues(a)
      return (Matrix(rows: n, columns: 0), s.filter { $0 > rcond * s[0] }.count, s)
    }
    let ldb = max(m, n)
    var work = a
    // dgelsd needs B in an ldb×nrhs buffer with ldb ≥ max(m, n); X comes back in its first n rows.
    var bb = Matrix(rows: ldb, columns: nrhs)
    for j in 0..<nrhs {
      for i in 0..<m { bb[i, j] = b[i, j] }
    }
    var s = [Double](repeating: 0, count: min(m, n))
    var rank: Int32 = 0
    let info = work.withUnsafeMutableBufferPointer { pa in
      bb.withUnsafeMutableBufferPointer { pb in
        s.withUnsafeMutableBufferPointer { ps in
          LAPACKE_dgelsd(
            LAPACK_COL_MAJOR, Int32(m), Int32(n), Int32(nrhs), pa.baseAddress, Int32(m), pb.baseAddress,
            Int32(ldb), ps.baseAddress, rcond, &rank)
        }
      }
    }
    try check(info, "dgelsd")
    return (bb.rows(0..<n), Int(rank), s)
  }
}
