import CZeroGapLAPACK

// The second (and last) file that imports the C module. Raw LAPACKE drivers in column-major
// order; each checks its input for NaN/∞, maps `info` to `LinearAlgebraError`, and returns Swift
// values. The decomposition types (SVD.swift, SymmetricEigen.swift, …) build on these.

enum LAPACK {
  private static func char(_ c: Character) -> CChar { CChar(bitPattern: c.asciiValue ?? 0) }

  private static func check(_ info: Int32, _ routine: String) throws(LinearAlgebraError) {
    if info < 0 { throw .illegalArgument(routine: routine, index: Int(-info)) }
    if info > 0 { throw .didNotConverge(routine: routine, info: Int(info)) }
  }

  private static func requireFinite(_ a: Matrix, _ routine: String) throws(LinearAlgebraError) {
    if !a.isFinite { throw .nonFiniteInput(routine: routine) }
  }

  /// Thin (`full == false`) or full SVD `A = U·diag(s)·Vᵀ` of an m×n matrix. Tries `dgesdd`
  /// (divide and conquer) and falls back to `dgesvd` (QR iteration) if it fails to converge.
  /// Returns U (m×k or m×m), s (length min(m,n), descending) and Vᵀ (k×n or n×n), k = min(m,n).
  static func svd(_ a: Matrix, full: Bool) throws(LinearAlgebraError) -> (u: Matrix, s: [Double], vt: Matrix) {
    try requireFinite(a, "dgesdd")
    do {
      return try gesdd(a, full: full)
    } catch .didNotConverge {
      return try gesvd(a, full: full)
    }
  }

  static func gesdd(_ a: Matrix, full: Bool) throws(LinearAlgebraError) -> (u: Matrix, s: [Double], vt: Matrix) {
    let m = a.rows, n = a.columns, k = min(m, n)
    var work = a
    var s = [Double](repeating: 0, count: k)
    var u = Matrix(rows: m, columns: full ? m : k)
    var vt = Matrix(rows: full ? n : k, columns: n)
    let ldvt = max(1, vt.rows)
    if k == 0 { return (full ? Matrix.identity(m) : u, s, full ? Matrix.identity(n) : vt) }
    let info = work.withUnsafeMutableBufferPointer { pa in
      u.withUnsafeMutableBufferPointer { pu in
        vt.withUnsafeMutableBufferPointer { pv in
          s.withUnsafeMutableBufferPointer { ps in
            LAPACKE_dgesdd(
              LAPACK_COL_MAJOR, char(full ? "A" : "S"), Int32(m), Int32(n), pa.baseAddress, Int32(max(1, m)),
              ps.baseAddress, pu.baseAddress, Int32(max(1, m)), pv.baseAddress, Int32(ldvt))
          }
        }
      }
    }
    try check(info, "dgesdd")
    return (u, s, vt)
  }

  static func gesvd(_ a: Matrix, full: Bool) throws(LinearAlgebraError) -> (u: Matrix, s: [Double], vt: Matrix) {
    let m = a.rows, n = a.columns, k = min(m, n)
    var work = a
    var s = [Double](repeating: 0, count: k)
    var u = Matrix(rows: m, columns: full ? m : k)
    var vt = Matrix(rows: full ? n : k, columns: n)
    let ldvt = max(1, vt.rows)
    var superb = [Double](repeating: 0, count: max(1, k - 1))
    if k == 0 { return (full ? Matrix.identity(m) : u, s, full ? Matrix.identity(n) : vt) }
    let job = char(full ? "A" : "S")
    let info = work.withUnsafeMutableBufferPointer { pa in
      u.withUnsafeMutableBufferPointer { pu in
        vt.withUnsafeMutableBufferPointer { pv in
          s.withUnsafeMutableBufferPointer { ps in
            LAPACKE_dgesvd(
              LAPACK_COL_MAJOR, job, job, Int32(m), Int32(n), pa.baseAddress, Int32(max(1, m)),
              ps.baseAddress, pu.baseAddress, Int32(max(1, m)), pv.baseAddress, Int32(ldvt), &superb)
          }
        }
      }
    }
    try check(info, "dgesvd")
    return (u, s, vt)
  }

  /// Singular values only (`dgesdd` with `jobz = N`), descending.
  static func singularValues(_ a: Matrix) throws(LinearAlgebraError) -> [Double] {
    try requireFinite(a, "dgesdd")
    let m = a.rows, n = a.columns, k = min(m, n)
    if k == 0 { return [] }
    var work = a
    var s = [Double](repeating: 0, count: k)
    var dummy = [Double](repeating: 0, count: 1)
    var dummy2 = [Double](repeating: 0, count: 1)
    let info = work.withUnsafeMutableBufferPointer { pa in
      s.withUnsafeMutableBufferPointer { ps in
        LAPACKE_dgesdd(
          LAPACK_COL_MAJOR, char("N"), Int32(m), Int32(n), pa.baseAddress, Int32(max(1, m)), ps.baseAddress,
          &dummy, 1, &dummy2, 1)
      }
    }
    if info > 0 { return try gesvd(a, full: false).s }
    try check(info, "dgesdd")
    return s
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

  /// Minimum-norm least squares `argmin ‖A·X − B‖_F` with the smallest ‖X‖_F (`dgelsd`, SVD based).
  /// Singular values `≤ rcond·σ₁` are treated as zero. Returns X (n×k), the effective rank, and σ(A).
  static func gelsd(_ a: Matrix, _ b: Matrix, rcond: Double) throws(LinearAlgebraError)
    -> (x: Matrix, rank: Int, singularValues: [Double])
  {
    try requireFinite(a, "dgelsd")
    try requireFinite(b, "dgelsd")
    let m = a.rows, n = a.columns, nrhs = b.columns
    let ldb = max(1, max(m, n))
    var work = a
    var bb = Matrix(rows: ldb, columns: nrhs)
    for j in 0..<nrhs {
      for i in 0..<m { bb[i, j] = b[i, j] }
    }
    var s = [Double](repeating: 0, count: max(1, min(m, n)))
    var rank: Int32 = 0
    if min(m, n) == 0 || nrhs == 0 { return (Matrix(rows: n, columns: nrhs), 0, []) }
    let info = work.withUnsafeMutableBufferPointer { pa in
      bb.withUnsafeMutableBufferPointer { pb in
        LAPACKE_dgelsd(
          LAPACK_COL_MAJOR, Int32(m), Int32(n), Int32(nrhs), pa.baseAddress, Int32(max(1, m)), pb.baseAddress,
          Int32(ldb), &s, rcond, &rank)
      }
    }
    try check(info, "dgelsd")
    var x = Matrix(rows: n, columns: nrhs)
    for j in 0..<nrhs {
      for i in 0..<n { x[i, j] = bb[i, j] }
    }
    return (x, Int(rank), Array(s.prefix(min(m, n))))
  }
}
