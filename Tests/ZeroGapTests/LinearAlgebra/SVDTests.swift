import Testing
@testable import ZeroGap

/// Shapes and spectra: tall, wide, square, vectors, rank-deficient (zeros in s), clustered values.
let svdCases: [(m: Int, n: Int, s: [Double])] = [
  (40, 25, (0..<25).map { 10 / Double($0 + 1) }),
  (25, 40, (0..<25).map { 10 / Double($0 + 1) }),
  (30, 30, (0..<30).map { Double.pow(10, -Double($0) / 5) }),
  (30, 20, [5, 4, 3, 2, 1]),  // rank 5 < 20
  (12, 35, [7, 7, 7, 1e-3]),  // repeated values, rank 4
  (17, 1, [2.5]),
  (1, 17, [2.5]),
  (1, 1, [0.75]),
]

@Suite("SVD (dgesdd, dgesvd fallback)")
struct SVDTests {
  /// Thin SVD of A = Q₁·diag(s)·Q₂ᵀ: singular values equal the known s, U and V are orthonormal,
  /// and U·diag(σ)·Vᵀ reconstructs A to 1e-10 relative.
  @Test(arguments: svdCases.indices)
  func thinSVDRecoversKnownSpectrum(index: Int) throws {
    let (m, n, s) = svdCases[index]
    let k = try KnownSpectrum(rows: m, columns: n, singularValues: s, seed: UInt64(100 + index))
    let svd = try SVD(k.a)
    #expect(svd.u.rows == m && svd.u.columns == min(m, n))
    #expect(svd.vt.rows == min(m, n) && svd.vt.columns == n)
    #expect(maxAbsDifference(svd.singularValues, k.sortedSingularValues) <= 1e-13 * k.sortedSingularValues[0])
    #expect(svd.singularValues == svd.singularValues.sorted(by: >))
    #expect(orthonormalityError(svd.u) <= 1e-13)
    #expect(orthonormalityError(svd.vt.transposed) <= 1e-13)
    #expect(relativeError(naiveUSVt(svd.u, svd.singularValues, svd.vt), k.a) <= 1e-10)
    #expect(relativeError(svd.reconstruct(), k.a) <= 1e-10)
    #expect(svd.rank() == k.rank)
    #expect(try k.a.rank() == k.rank)
    // The values-only driver agrees with the known spectrum too.
    #expect(maxAbsDifference(try k.a.singularValues(), k.sortedSingularValues) <= 1e-13 * k.sortedSingularValues[0])
  }

  /// Full SVD: U (m×m) and V (n×n) are orthogonal and U·Σ·Vᵀ (Σ m×n) reconstructs A.
  @Test(arguments: [0, 1, 3, 5, 6, 7])
  func fullSVDIsOrthogonalAndReconstructs(index: Int) throws {
    let (m, n, s) = svdCases[index]
    let k = try KnownSpectrum(rows: m, columns: n, singularValues: s, seed: UInt64(200 + index))
    let svd = try SVD(k.a, full: true)
    #expect(svd.u.rows == m && svd.u.columns == m)
    #expect(svd.vt.rows == n && svd.vt.columns == n)
    #expect(orthonormalityError(svd.u) <= 1e-13)
    #expect(orthonormalityError(svd.vt) <= 1e-13)
    let sigma = Matrix.diagonal(svd.singularValues, rows: m, columns: n)
    #expect(relativeError(naiveProduct(naiveProduct(svd.u, sigma), svd.vt), k.a) <= 1e-10)
    // The trailing columns of the full V span null(A): A·V[:, r...] = 0.
    let nullBasis = svd.v.columns(k.rank..<n)
    #expect(naiveProduct(k.a, nullBasis).maxAbs <= 1e-13 * k.sortedSingularValues[0])
  }

  /// σ_i² are the eigenvalues of AᵀA (an independent algorithm, dsyevd).
  @Test func singularValuesSquaredAreEigenvaluesOfGram() throws {
    var g = SeededGenerator(seed: 5)
    let a = g.normalMatrix(rows: 30, columns: 12)
    let s = try a.singularValues()
    let eig = try SymmetricEigen(naiveProduct(a.transposed, a), vectors: false)
    let fromEig = eig.eigenvalues.reversed().map { $0 }
    #expect(maxAbsDifference(s.map { $0 * $0 }, fromEig) <= 1e-12 * fromEig[0])
  }

  /// The dgesvd fallback (forced through the test hook) gives the same, correct decomposition.
  @Test(arguments: [0, 1, 3, 7])
  func gesvdFallbackIsExercisedAndCorrect(index: Int) throws {
    let (m, n, s) = svdCases[index]
    let k = try KnownSpectrum(rows: m, columns: n, singularValues: s, seed: UInt64(300 + index))
    try LAPACK.$simulateGesddFailure.withValue(true) {
      // The hook really makes dgesdd fail…
      #expect(throws: LinearAlgebraError.didNotConverge(routine: "dgesdd", info: 1)) {
        try LAPACK.gesdd(k.a, vectors: .thin)
      }
      // …and every public entry point still succeeds through dgesvd.
      for full in [false, true] {
        let svd = try SVD(k.a, full: full)
        #expect(maxAbsDifference(svd.singularValues, k.sortedSingularValues) <= 1e-13 * k.sortedSingularValues[0])
        #expect(orthonormalityError(svd.u) <= 1e-13)
        #expect(orthonormalityError(full ? svd.vt : svd.vt.transposed) <= 1e-13)
        let sigma = Matrix.diagonal(svd.singularValues, rows: svd.u.columns, columns: svd.vt.rows)
        #expect(relativeError(naiveProduct(naiveProduct(svd.u, sigma), svd.vt), k.a) <= 1e-10)
      }
      #expect(maxAbsDifference(try k.a.singularValues(), k.sortedSingularValues) <= 1e-13 * k.sortedSingularValues[0])
      expectClose(try k.a.nuclearNorm(), s.reduce(0, +), relative: 1e-12)
    }
    // The public QR-iteration driver (dgesvd only) agrees as well.
    let qrIt = try SVD(k.a, driver: .qrIteration)
    #expect(maxAbsDifference(qrIt.singularValues, k.sortedSingularValues) <= 1e-13 * k.sortedSingularValues[0])
    #expect(relativeError(naiveUSVt(qrIt.u, qrIt.singularValues, qrIt.vt), k.a) <= 1e-10)
  }

  @Test func emptyMatrices() throws {
    for (m, n) in [(0, 0), (0, 3), (4, 0)] {
      let a = Matrix(rows: m, columns: n)
      let thin = try SVD(a)
      #expect(thin.singularValues.isEmpty)
      #expect(thin.u.rows == m && thin.u.columns == 0 && thin.vt.rows == 0 && thin.vt.columns == n)
      #expect(thin.reconstruct() == a)
      let full = try SVD(a, full: true)
      #expect(full.u == Matrix.identity(m) && full.vt == Matrix.identity(n))
      #expect(try a.singularValues().isEmpty)
      #expect(try a.rank() == 0)
    }
  }

  /// 1×1: σ = |a|, and u·vᵀ carries the sign.
  @Test func oneByOne() throws {
    let svd = try SVD(Matrix([[-3]]))
    #expect(svd.singularValues == [3])
    #expect(abs(svd.u[0, 0] * svd.vt[0, 0] + 1) <= 1e-15)
    #expect(try SVD(Matrix([[0]])).singularValues == [0])
    #expect(try Matrix([[0]]).rank() == 0)
  }

  /// The zero matrix has rank 0 and all-zero singular values.
  @Test func zeroMatrix() throws {
    let z = Matrix(rows: 5, columns: 3)
    #expect(try z.singularValues() == [0, 0, 0])
    #expect(try z.rank() == 0)
    #expect(try SVD(z).reconstruct() == z)
  }

  @Test(arguments: [Double.nan, .infinity, -.infinity])
  func nonFiniteInputThrows(value: Double) {
    let a = poisoned(6, 4, value: value, at: 3, 2)
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgesdd")) { try SVD(a) }
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgesdd")) { try SVD(a, full: true) }
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgesdd")) { try a.singularValues() }
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgesdd")) { try a.rank() }
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgesvd")) { try LAPACK.gesvd(a, vectors: .thin) }
  }

  /// Rank with an explicit tolerance counts σ_i strictly above it; a bad tolerance is an error.
  @Test func rankTolerance() throws {
    let k = try KnownSpectrum(rows: 8, columns: 6, singularValues: [4, 1, 1e-3, 1e-9], seed: 11)
    #expect(try k.a.rank() == 4)
    #expect(try k.a.rank(tolerance: 1e-6) == 3)
    #expect(try k.a.rank(tolerance: 0.5) == 2)
    #expect(try SVD(k.a).rank(tolerance: 2) == 1)
    #expect(throws: LinearAlgebraError.self) { try k.a.rank(tolerance: -1) }
    #expect(throws: LinearAlgebraError.self) { try k.a.rank(tolerance: .nan) }
  }

  /// The error message names the routine and says what to do.
  @Test func errorMessagesAreActionable() {
    let e = LinearAlgebraError.nonFiniteInput(routine: "dgesdd")
    #expect(e.description.hasPrefix("dgesdd:"))
    #expect(e.description.contains("NaN"))
    let p = LinearAlgebraError.notPositiveDefinite(routine: "dpotrf", order: 2)
    #expect(p.description.contains("order 2"))
  }
}
