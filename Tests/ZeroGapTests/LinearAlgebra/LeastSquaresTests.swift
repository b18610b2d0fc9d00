import Testing
@testable import ZeroGap

@Suite("Least squares (dgelsd) and pseudo-inverse")
struct LeastSquaresTests {
  /// Rank-deficient and full-rank, tall and wide A with a known SVD and an inconsistent B. The
  /// minimum-norm least-squares solution is characterised without gelsd by
  ///   (1) normal equations Aᵀ(A·X − B) = 0, and (2) X ⟂ null(A) (X lies in range(Aᵀ) = span V_r),
  /// and must equal A⁺·B computed through the SVD.
  @Test(arguments: [
    (40, 12, [9.0, 5, 3, 2, 1, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01]),  // tall, full column rank
    (40, 12, [9.0, 5, 3, 1]),  // tall, rank 4
    (10, 30, [4.0, 3, 2, 1, 1, 1, 0.5, 0.5, 0.25, 0.1]),  // wide, full row rank
    (10, 30, [4.0, 1, 0.25]),  // wide, rank 3
    (15, 15, [2.0, 2, 1, 1]),  // square singular
  ])
  func minimumNormSolution(m: Int, n: Int, s: [Double]) throws {
    let k = try KnownSpectrum(rows: m, columns: n, singularValues: s, seed: UInt64(m * 31 + n + s.count))
    var g = SeededGenerator(seed: 17)
    let b = g.normalMatrix(rows: m, columns: 3)
    let ls = try LeastSquares(k.a, b)
    let x = ls.solution
    #expect(x.rows == n && x.columns == 3)
    #expect(ls.rank == k.rank)
    #expect(maxAbsDifference(ls.singularValues, k.sortedSingularValues) <= 1e-13 * s[0])
    // (1) Optimality: the gradient of (1/2)‖AX − B‖² vanishes.
    let gradient = naiveProduct(k.a.transposed, naiveProduct(k.a, x) - b)
    #expect(gradient.maxAbs <= 1e-12 * s[0] * s[0] * max(1, x.maxAbs))
    // (2) Minimum norm: no component in null(A), spanned by the trailing columns of the full V.
    let nullBasis = k.vFull.columns(k.rank..<n)
    #expect(naiveProduct(nullBasis.transposed, x).maxAbs <= 1e-12 * max(1, x.maxAbs))
    // Equal to A⁺·B, and to the closed form V_r·diag(1/s)·U_rᵀ·B from the construction.
    let pinv = try k.a.pseudoInverse()
    #expect(relativeError(x, naiveProduct(pinv, b)) <= 1e-10)
    let closedForm = naiveProduct(naiveUSVt(k.v, s.map { 1 / $0 }, k.u.transposed), b)
    #expect(relativeError(x, closedForm) <= 1e-10)
    // Consistent system B = A·X₀ with X₀ in range(Aᵀ): recovered exactly (1e-10 relative).
    let x0 = naiveProduct(k.v, g.normalMatrix(rows: k.rank, columns: 2))
    let exact = try LeastSquares(k.a, naiveProduct(k.a, x0))
    #expect(relativeError(exact.solution, x0) <= 1e-10)
    #expect(LeastSquares.residual(k.a, exact.solution, naiveProduct(k.a, x0)) <= 1e-12 * s[0] * x0.frobeniusNorm)
  }

  /// The four Penrose conditions characterise A⁺ uniquely; check them on a rank-deficient matrix.
  @Test(arguments: [(20, 8), (8, 20), (9, 9)])
  func penroseConditions(m: Int, n: Int) throws {
    let k = try KnownSpectrum(rows: m, columns: n, singularValues: [5, 2, 1, 0.1], seed: UInt64(m + 7 * n))
    let a = k.a
    let p = try a.pseudoInverse()
    #expect(p.rows == n && p.columns == m)
    let ap = naiveProduct(a, p), pa = naiveProduct(p, a)
    #expect(relativeError(naiveProduct(ap, a), a) <= 1e-10)
    #expect(relativeError(naiveProduct(pa, p), p) <= 1e-10)
    #expect((ap - ap.transposed).maxAbs <= 1e-12)
    #expect((pa - pa.transposed).maxAbs <= 1e-12)
    // ‖A⁺‖₂ = 1/σ_r.
    expectClose(try p.spectralNorm(), 10, relative: 1e-10)
  }

  /// The rank tolerance: σ ≤ rcond·σ₁ counts as zero, in both gelsd and pseudoInverse.
  @Test func relativeTolerance() throws {
    let k = try KnownSpectrum(rows: 6, columns: 4, singularValues: [1, 1e-3, 1e-20], seed: 21)
    // Default tolerance (max(m,n)·ε): 1e-20 is zero, 1e-3 is kept.
    #expect(try LeastSquares(k.a, Matrix(rows: 6, columns: 1)).rank == 2)
    expectClose(try k.a.pseudoInverse().spectralNorm(), 1e3, relative: 1e-8)
    // rcond = 1e-2 also drops 1e-3.
    #expect(try LeastSquares(k.a, Matrix(rows: 6, columns: 1), relativeTolerance: 1e-2).rank == 1)
    expectClose(try k.a.pseudoInverse(relativeTolerance: 1e-2).spectralNorm(), 1, relative: 1e-10)
    #expect(throws: LinearAlgebraError.self) { try k.a.pseudoInverse(relativeTolerance: -1) }
    #expect(throws: LinearAlgebraError.self) { try LeastSquares(k.a, Matrix(rows: 6, columns: 1), relativeTolerance: .nan) }
  }

  /// MATH.md §1.4 "General X": X = [[1,0],[0,1],[1,1]], Y = X·M0 gives X⁺Y = M0.
  @Test func mathWorkedExampleRecoversM0() throws {
    let x = Matrix([[1, 0], [0, 1], [1, 1]])
    let m0 = Matrix([[2, 0, 1], [1, 1, 0]])
    let y = naiveProduct(x, m0)
    expectClose(try LeastSquares(x, y).solution, m0, relative: 1e-13)
    expectClose(naiveProduct(try x.pseudoInverse(), y), m0, relative: 1e-13)
    // Closed form X⁺ = (XᵀX)⁻¹Xᵀ = (1/3)[[2,−1,1],[−1,2,1]].
    expectClose(try x.pseudoInverse(), Matrix([[2, -1, 1], [-1, 2, 1]]) / 3, relative: 1e-14)
  }

  @Test func emptyAndOneByOne() throws {
    let e1 = try LeastSquares(Matrix(rows: 0, columns: 3), Matrix(rows: 0, columns: 2))
    #expect(e1.solution == Matrix(rows: 3, columns: 2) && e1.rank == 0)
    let e2 = try LeastSquares(Matrix(rows: 4, columns: 0), Matrix(rows: 4, columns: 2))
    #expect(e2.solution.rows == 0 && e2.solution.columns == 2)
    let e3 = try LeastSquares(Matrix.identity(3), Matrix(rows: 3, columns: 0))
    #expect(e3.solution.rows == 3 && e3.solution.columns == 0 && e3.rank == 3)
    #expect(try LeastSquares(Matrix([[4]]), Matrix([[2]])).solution == Matrix([[0.5]]))
    #expect(try LeastSquares(Matrix([[0]]), Matrix([[2]])).solution == Matrix([[0]]))
    #expect(try Matrix([[0]]).pseudoInverse() == Matrix([[0]]))
    #expect(try Matrix([[-4]]).pseudoInverse() == Matrix([[-0.25]]))
    let p = try Matrix(rows: 0, columns: 3).pseudoInverse()
    #expect(p.rows == 3 && p.columns == 0)
  }

  @Test func badInputThrows() {
    let a = Matrix.identity(3)
    #expect(throws: LinearAlgebraError.self) { try LeastSquares(a, Matrix(rows: 2, columns: 1)) }
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgelsd")) { try LeastSquares(poisoned(3, 3, value: .nan), Matrix(rows: 3, columns: 1)) }
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgelsd")) { try LeastSquares(a, Matrix(column: [1, .infinity, 0])) }
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgesdd")) { try poisoned(3, 2, value: .nan).pseudoInverse() }
  }
}
