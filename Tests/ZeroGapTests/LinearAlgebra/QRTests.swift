import Testing
@testable import ZeroGap

@Suite("QR (dgeqrf + dorgqr)")
struct QRTests {
  /// Q has orthonormal columns, R is upper triangular (trapezoidal) and Q·R = A to 1e-10 relative,
  /// for tall, wide, square, vector and rank-deficient inputs.
  @Test(arguments: [(50, 20, 0), (20, 50, 0), (30, 30, 0), (40, 1, 0), (1, 40, 0), (1, 1, 0), (30, 12, 4)])
  func factorsAndReconstructs(m: Int, n: Int, rank: Int) throws {
    var g = SeededGenerator(seed: UInt64(m * 1000 + n))
    let a: Matrix
    if rank > 0 {
      a = naiveProduct(g.normalMatrix(rows: m, columns: rank), g.normalMatrix(rows: rank, columns: n))
    } else {
      a = g.normalMatrix(rows: m, columns: n)
    }
    let qr = try QR(a)
    let k = min(m, n)
    #expect(qr.q.rows == m && qr.q.columns == k && qr.r.rows == k && qr.r.columns == n)
    #expect(orthonormalityError(qr.q) <= 1e-13)
    for j in 0..<n {
      for i in (j + 1)..<max(j + 1, k) { #expect(qr.r[i, j] == 0) }
    }
    #expect(relativeError(naiveProduct(qr.q, qr.r), a) <= 1e-10)
  }

  /// |det A| = Π |r_ii| for a square matrix with a known spectrum (|det| = Π σ_i).
  @Test func determinantFromR() throws {
    let s: [Double] = [3, 2, 1.5, 0.5, 0.25]
    let k = try KnownSpectrum(rows: 5, columns: 5, singularValues: s, seed: 3)
    let r = try QR(k.a).r
    expectClose(r.diagonal.reduce(1) { $0 * abs($1) }, s.reduce(1, *), relative: 1e-12)
  }

  @Test func emptyAndNonFinite() throws {
    let e = try QR(Matrix(rows: 0, columns: 3))
    #expect(e.q.rows == 0 && e.q.columns == 0 && e.r.rows == 0 && e.r.columns == 3)
    let f = try QR(Matrix(rows: 4, columns: 0))
    #expect(f.q.rows == 4 && f.q.columns == 0 && f.r.columns == 0)
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgeqrf")) { try QR(poisoned(5, 3, value: .nan, at: 4, 2)) }
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgeqrf")) { try QR(poisoned(3, 5, value: -.infinity)) }
  }
}
