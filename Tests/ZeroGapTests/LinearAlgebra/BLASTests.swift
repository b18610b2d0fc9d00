import Testing
@testable import ZeroGap

@Suite("BLAS wrappers")
struct BLASTests {
  @Test(arguments: [(1, 1, 1), (3, 4, 5), (37, 23, 41), (64, 1, 9)])
  func gemmMatchesNaiveProduct(m: Int, k: Int, n: Int) {
    var g = SeededGenerator(seed: UInt64(m * 100 + k * 10 + n))
    let a = g.normalMatrix(rows: m, columns: k)
    let b = g.normalMatrix(rows: k, columns: n)
    expectClose(a * b, naiveProduct(a, b), relative: 1e-13)
    expectClose(Matrix.product(a.transposed, b, transA: .transpose), naiveProduct(a, b), relative: 1e-13)
    expectClose(Matrix.product(a, b.transposed, transB: .transpose), naiveProduct(a, b), relative: 1e-13)
  }

  @Test func gramMatchesProduct() {
    var g = SeededGenerator(seed: 7)
    let a = g.normalMatrix(rows: 13, columns: 6)
    expectClose(a.gram(.transpose), naiveProduct(a.transposed, a), relative: 1e-13)
    expectClose(a.gram(.none), naiveProduct(a, a.transposed), relative: 1e-13)
  }

  @Test func level1() {
    let x: [Double] = [3, 4]
    #expect(x.norm2 == 5)
    #expect(x.dot([1, 2]) == 11)
    var y: [Double] = [1, 1]
    y.axpy(2, x)
    #expect(y == [7, 9])
    let a = Matrix([[1, 2], [3, 4]])
    #expect(a.frobeniusNorm == (30.0).squareRoot())
    #expect(a.multiply([1, 1]) == [3, 7])
    #expect(a.multiply([1, 1], trans: .transpose) == [4, 6])
  }
}
