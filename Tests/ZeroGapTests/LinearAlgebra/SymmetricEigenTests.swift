import Testing
@testable import ZeroGap

@Suite("Symmetric eigendecomposition (dsyevd)")
struct SymmetricEigenTests {
  /// A = Q·diag(λ)·Qᵀ with known λ (negative, repeated, zero): eigenvalues match ascending,
  /// V is orthogonal, A·V = V·Λ and V·Λ·Vᵀ reconstructs A to 1e-10 relative.
  @Test(arguments: [
    [3.0, -2, 1, 0.5, 0, 0, -7, 4, 4, 4],
    (0..<40).map { Double($0) - 19.5 },
    [2.0],
  ])
  func recoversKnownSpectrum(lambda: [Double]) throws {
    let n = lambda.count
    var g = SeededGenerator(seed: UInt64(n))
    let q = try randomOrthonormal(n, n, &g)
    let a = naiveUSVt(q, lambda, q.transposed)
    let eig = try SymmetricEigen(a)
    let scale = lambda.map(abs).max() ?? 1
    #expect(maxAbsDifference(eig.eigenvalues, lambda.sorted()) <= 1e-13 * scale)
    #expect(eig.minimum == eig.eigenvalues.first && eig.maximum == eig.eigenvalues.last)
    let v = eig.eigenvectors
    #expect(orthonormalityError(v) <= 1e-13)
    var vl = v
    for j in 0..<n {
      for i in 0..<n { vl[i, j] *= eig.eigenvalues[j] }
    }
    #expect((naiveProduct(a, v) - vl).maxAbs <= 1e-12 * scale)
    #expect(relativeError(naiveUSVt(v, eig.eigenvalues, v.transposed), a) <= 1e-10)
    // Values only: the same eigenvalues.
    let valuesOnly = try SymmetricEigen(a, vectors: false)
    #expect(maxAbsDifference(valuesOnly.eigenvalues, eig.eigenvalues) <= 1e-13 * scale)
    #expect(valuesOnly.eigenvectors.count == 0)
  }

  /// Only the lower triangle is read: garbage (finite) above the diagonal changes nothing.
  @Test func readsLowerTriangleOnly() throws {
    let a = Matrix([[2, 1, 0], [1, 2, 1], [0, 1, 2]])
    var b = a
    b[0, 1] = 100; b[0, 2] = -50; b[1, 2] = 7
    let ea = try SymmetricEigen(a, vectors: false).eigenvalues
    let eb = try SymmetricEigen(b, vectors: false).eigenvalues
    #expect(ea == eb)
    // Closed form for this tridiagonal Toeplitz matrix: 2 − √2, 2, 2 + √2.
    #expect(maxAbsDifference(ea, [2 - 2.0.squareRoot(), 2, 2 + 2.0.squareRoot()]) <= 1e-14)
  }

  @Test func specialShapes() throws {
    let empty = try SymmetricEigen(Matrix(rows: 0, columns: 0))
    #expect(empty.eigenvalues.isEmpty && empty.minimum.isNaN)
    let one = try SymmetricEigen(Matrix([[-4]]))
    #expect(one.eigenvalues == [-4] && abs(one.eigenvectors[0, 0]) == 1)
    #expect(throws: LinearAlgebraError.self) { try SymmetricEigen(Matrix(rows: 3, columns: 2)) }
  }

  @Test(arguments: [Double.nan, .infinity])
  func nonFiniteInputThrows(value: Double) {
    var a = Matrix.identity(4)
    a[2, 1] = value
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dsyevd")) { try SymmetricEigen(a) }
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dsyevd")) { try SymmetricEigen(a, vectors: false) }
  }
}
