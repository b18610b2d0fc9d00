import Testing
@testable import ZeroGap

@Suite("Cholesky (dpotrf + dpotrs)")
struct CholeskyTests {
  /// A = BᵀB + I (SPD): L is lower triangular with positive diagonal, L·Lᵀ = A, and the solve has a
  /// residual ‖A·X − B‖ ≤ 1e-12·‖A‖·‖X‖ (backward stable).
  @Test(arguments: [1, 2, 17, 64])
  func factorsAndSolves(n: Int) throws {
    var g = SeededGenerator(seed: UInt64(n))
    let b = g.normalMatrix(rows: n + 3, columns: n)
    let a = naiveProduct(b.transposed, b) + Matrix.identity(n)
    let chol = try Cholesky(a)
    let l = chol.lower
    for j in 0..<n {
      #expect(l[j, j] > 0)
      for i in 0..<j { #expect(l[i, j] == 0) }
    }
    #expect(relativeError(naiveProduct(l, l.transposed), a) <= 1e-10)
    let rhs = g.normalMatrix(rows: n, columns: 3)
    let x = try chol.solve(rhs)
    let residual = (naiveProduct(a, x) - rhs).frobeniusNorm
    #expect(residual <= 1e-12 * a.frobeniusNorm * x.frobeniusNorm)
    // log det A = Σ log λ_i (independent: eigenvalues).
    let lambda = try SymmetricEigen(a, vectors: false).eigenvalues
    expectClose(chol.logDeterminant, lambda.reduce(0) { $0 + Double.log($1) }, relative: 1e-11)
  }

  /// Closed form: [[4, 2], [2, 3]] = L·Lᵀ with L = [[2, 0], [1, √2]].
  @Test func twoByTwoClosedForm() throws {
    let chol = try Cholesky(Matrix([[4, 2], [2, 3]]))
    expectClose(chol.lower, Matrix([[2, 0], [1, 2.0.squareRoot()]]), relative: 1e-15)
    // A·x = [8, 7] has solution x = [1.25, 1.5].
    expectClose(try chol.solve(Matrix(column: [8, 7])), Matrix(column: [1.25, 1.5]), relative: 1e-15)
  }

  /// Indefinite and semidefinite matrices are rejected with the failing leading minor.
  @Test func notPositiveDefinite() throws {
    #expect(throws: LinearAlgebraError.notPositiveDefinite(routine: "dpotrf", order: 2)) {
      try Cholesky(Matrix([[1, 2], [2, 1]]))
    }
    #expect(throws: LinearAlgebraError.notPositiveDefinite(routine: "dpotrf", order: 1)) {
      try Cholesky(Matrix([[-1, 0], [0, 1]]))
    }
    // Rank-deficient PSD: v·vᵀ (3×3, rank 1) fails at order 2.
    let v = Matrix(column: [1, 2, 3])
    #expect(throws: LinearAlgebraError.notPositiveDefinite(routine: "dpotrf", order: 2)) {
      try Cholesky(naiveProduct(v, v.transposed))
    }
    do {
      _ = try Cholesky(Matrix([[1, 2], [2, 1]]))
    } catch {
      #expect(error.description.contains("not positive definite"))
    }
  }

  @Test func badInputThrows() throws {
    #expect(throws: LinearAlgebraError.self) { try Cholesky(Matrix(rows: 2, columns: 3)) }
    var a = Matrix.identity(3)
    a[2, 0] = .nan
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dpotrf")) { try Cholesky(a) }
    let chol = try Cholesky(Matrix.identity(3))
    #expect(throws: LinearAlgebraError.self) { try chol.solve(Matrix(rows: 2, columns: 1)) }
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dpotrs")) { try chol.solve(Matrix(column: [1, .infinity, 0])) }
  }

  @Test func emptyAndOneByOne() throws {
    let e = try Cholesky(Matrix(rows: 0, columns: 0))
    #expect(e.lower.count == 0 && e.logDeterminant == 0)
    #expect(try e.solve(Matrix(rows: 0, columns: 2)).columns == 2)
    let one = try Cholesky(Matrix([[9]]))
    #expect(one.lower == Matrix([[3]]))
    #expect(try one.solve(Matrix([[18]])) == Matrix([[2]]))
  }
}
