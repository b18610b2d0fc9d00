import Testing
@testable import ZeroGap

@Suite("BLAS wrappers: scaling, transposes, accumulation, empty shapes")
struct BLASEdgeCaseTests {
  /// C ← α·op(A)·op(B) + β·C for all four transpose combinations, against a naive oracle.
  @Test(arguments: [(Transpose.none, Transpose.none), (.transpose, .none), (.none, .transpose), (.transpose, .transpose)])
  func gemmAccumulates(transA: Transpose, transB: Transpose) {
    var g = SeededGenerator(seed: 12)
    let (m, k, n) = (7, 5, 9)
    let a = g.normalMatrix(rows: m, columns: k), b = g.normalMatrix(rows: k, columns: n)
    let c0 = g.normalMatrix(rows: m, columns: n)
    var c = c0
    c.gemm(transA == .none ? a : a.transposed, transB == .none ? b : b.transposed, transA: transA, transB: transB, alpha: -1.5, beta: 0.25)
    expectClose(c, naiveProduct(a, b) * -1.5 + c0 * 0.25, relative: 1e-13)
    let p = Matrix.product(transA == .none ? a : a.transposed, transB == .none ? b : b.transposed, transA: transA, transB: transB, alpha: 2)
    expectClose(p, naiveProduct(a, b) * 2, relative: 1e-13)
  }

  /// Empty inner dimension: A·B = 0 and C ← β·C; empty outer dimensions give empty results.
  @Test func gemmEmptyShapes() {
    let a = Matrix(rows: 3, columns: 0), b = Matrix(rows: 0, columns: 4)
    #expect(a * b == Matrix(rows: 3, columns: 4))
    var c = Matrix(rows: 3, columns: 4, repeating: 2)
    c.gemm(a, b, beta: 0.5)
    #expect(c == Matrix(rows: 3, columns: 4, repeating: 1))
    #expect(Matrix(rows: 0, columns: 3) * Matrix(rows: 3, columns: 2) == Matrix(rows: 0, columns: 2))
    #expect(Matrix(rows: 2, columns: 3) * Matrix(rows: 3, columns: 0) == Matrix(rows: 2, columns: 0))
    #expect(Matrix([[3]]) * Matrix([[-2]]) == Matrix([[-6]]))
  }

  @Test func gemvAndGramOnAllShapes() {
    var g = SeededGenerator(seed: 13)
    for (m, n) in [(9, 4), (4, 9), (1, 6), (6, 1), (1, 1)] {
      let a = g.normalMatrix(rows: m, columns: n)
      let x = g.normalVector(n), y = g.normalVector(m)
      expectClose(Matrix(column: a.multiply(x, alpha: 3)), naiveProduct(a, Matrix(column: x)) * 3, relative: 1e-13)
      expectClose(Matrix(column: a.multiply(y, trans: .transpose)), naiveProduct(a.transposed, Matrix(column: y)), relative: 1e-13)
      let ata = a.gram(.transpose), aat = a.gram(.none)
      expectClose(ata, naiveProduct(a.transposed, a), relative: 1e-13)
      expectClose(aat, naiveProduct(a, a.transposed), relative: 1e-13)
      #expect(ata == ata.transposed && aat == aat.transposed)  // exactly symmetric
    }
    #expect(Matrix(rows: 0, columns: 3).gram() == Matrix(rows: 3, columns: 3))
    #expect(Matrix(rows: 3, columns: 0).multiply([]) == [0, 0, 0])
    #expect(Matrix(rows: 0, columns: 3).multiply([1, 2, 3]) == [])
  }

  @Test func level1() {
    var g = SeededGenerator(seed: 14)
    let a = g.normalMatrix(rows: 5, columns: 3), b = g.normalMatrix(rows: 5, columns: 3)
    expectClose(a.dot(b), naiveProduct(a.transposed, b).trace, relative: 1e-14)
    var c = a
    c.add(b, scaledBy: -2)
    expectClose(c, Matrix(rows: 5, columns: 3, columnMajor: zip(a.storage, b.storage).map { $0 - 2 * $1 }), relative: 1e-15)
    c.scale(by: 0.5)
    expectClose(c, Matrix(rows: 5, columns: 3, columnMajor: zip(a.storage, b.storage).map { 0.5 * ($0 - 2 * $1) }), relative: 1e-15)
    var v: [Double] = [1, -2, 4]
    v.scal(-0.5)
    #expect(v == [-0.5, 1, -2])
    // dnrm2 is overflow/underflow safe.
    expectClose([1e200, 1e200].norm2 / 1e200, 2.0.squareRoot(), relative: 1e-15)
    expectClose([3e-200, 4e-200].norm2 / 1e-200, 5, relative: 1e-15)
    #expect([Double]().norm2 == 0 && [Double]().dot([]) == 0)
  }

  /// `Matrix` element order and constructors agree (column-major storage).
  @Test func layout() {
    let a = Matrix([[1, 2, 3], [4, 5, 6]])
    #expect(a.storage == [1, 4, 2, 5, 3, 6])
    #expect(Matrix(rows: 2, columns: 3, rowMajor: [1, 2, 3, 4, 5, 6]) == a)
    #expect(a.transposed == Matrix([[1, 4], [2, 5], [3, 6]]))
    #expect(a.columns(1..<3) == Matrix([[2, 3], [5, 6]]) && a.rows([1]) == Matrix([[4, 5, 6]]))
    #expect(Matrix(rows: 0, columns: 5).transposed.rows == 5)
  }
}
