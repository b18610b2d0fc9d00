import Testing
@testable import ZeroGap

// Test fixtures for the linear-algebra suites: matrices with a KNOWN spectrum, built as
// A = Q₁·diag(s)·Q₂ᵀ from the orthonormal Q factors of random Gaussian matrices, and small
// independent oracles (naive products) to measure errors without the routine under test.

/// A random m×k matrix with orthonormal columns (k ≤ m): the Q factor of a Gaussian matrix.
func randomOrthonormal(_ m: Int, _ k: Int, _ g: inout SeededGenerator) throws -> Matrix {
  precondition(k <= m)
  return try QR(g.normalMatrix(rows: m, columns: k)).q
}

/// An m×n matrix `A = U·diag(s)·Vᵀ` with the given singular values (any order, zeros allowed, at most
/// min(m, n) of them), together with U (m×r) and V (n×r), r = s.count, and the full orthonormal
/// completions Ufull (m×m) and Vfull (n×n) whose first r columns are U and V.
struct KnownSpectrum {
  let a: Matrix
  let s: [Double]
  let uFull: Matrix
  let vFull: Matrix
  var u: Matrix { uFull.columns(0..<s.count) }
  var v: Matrix { vFull.columns(0..<s.count) }
  /// Singular values sorted descending, padded with zeros to min(m, n).
  var sortedSingularValues: [Double] {
    s.sorted(by: >) + [Double](repeating: 0, count: min(a.rows, a.columns) - s.count)
  }
  /// Numerical rank (number of s_i > 0).
  var rank: Int { s.filter { $0 > 0 }.count }

  init(rows m: Int, columns n: Int, singularValues s: [Double], seed: UInt64) throws {
    precondition(s.count <= min(m, n))
    var g = SeededGenerator(seed: seed)
    uFull = try randomOrthonormal(m, m, &g)
    vFull = try randomOrthonormal(n, n, &g)
    self.s = s
    var us = uFull.columns(0..<s.count)
    for j in 0..<s.count {
      for i in 0..<m { us[i, j] *= s[j] }
    }
    a = naiveProduct(us, vFull.columns(0..<s.count).transposed)
  }
}

/// ‖QᵀQ − I‖_max with a naive product (independent of BLAS).
func orthonormalityError(_ q: Matrix) -> Double {
  (naiveProduct(q.transposed, q) - Matrix.identity(q.columns)).maxAbs
}

/// ‖A − B‖_F / ‖B‖_F (or the absolute error when B = 0).
func relativeError(_ a: Matrix, _ b: Matrix) -> Double {
  let d = (a - b).frobeniusNorm
  let nb = b.frobeniusNorm
  return nb > 0 ? d / nb : d
}

/// U·diag(s)·Vᵀ with naive products (U m×k, s length k, Vᵀ k×n).
func naiveUSVt(_ u: Matrix, _ s: [Double], _ vt: Matrix) -> Matrix {
  var us = u.columns(0..<s.count)
  for j in 0..<s.count {
    for i in 0..<us.rows { us[i, j] *= s[j] }
  }
  return naiveProduct(us, vt.rows(0..<s.count))
}

/// A matrix of the given shape with one non-finite entry at (i, j).
func poisoned(_ rows: Int, _ columns: Int, value: Double, at i: Int = 0, _ j: Int = 0) -> Matrix {
  var g = SeededGenerator(seed: 99)
  var a = g.normalMatrix(rows: rows, columns: columns)
  a[i, j] = value
  return a
}

/// Max |a_i − b_i| over two equal-length arrays.
func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
  precondition(a.count == b.count, "lengths \(a.count) and \(b.count) differ")
  return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
