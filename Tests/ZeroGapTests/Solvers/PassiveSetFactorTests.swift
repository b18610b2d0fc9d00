import Testing
@testable import ZeroGap

/// The updated least-squares factor of a Lawson–Hanson passive set (`PassiveSetFactor`): after any sequence of appends
/// and deletions its solve equals LAPACK's least squares on the remaining columns (an independent QR solve), and a
/// dependent column makes it unusable (the caller's fallback) until the column leaves and the factor is rebuilt.
@Suite struct PassiveSetFactorTests {
  /// Solves through the factor with `columns` (d×k, column-major).
  static func solve(_ factor: PassiveSetFactor, _ columns: [Double], _ f: [Double]) -> [Double] {
    var x = [Double](repeating: 0, count: factor.count), scratch = [Double](repeating: 0, count: factor.d + factor.count)
    columns.withUnsafeBufferPointer { c in
      f.withUnsafeBufferPointer { fp in
        x.withUnsafeMutableBufferPointer { xp in
          scratch.withUnsafeMutableBufferPointer { sp in factor.solve(columns: c.baseAddress!, f: fp.baseAddress!, into: xp.baseAddress!, scratch: sp.baseAddress!) }
        }
      }
    }
    return x
  }

  static func append(_ factor: inout PassiveSetFactor, _ columns: [Double], _ f: [Double]) {
    let d = factor.d, k = factor.count
    columns.withUnsafeBufferPointer { c in
      f.withUnsafeBufferPointer { fp in factor.append(c.baseAddress! + k * d, columns: c.baseAddress!, f: fp.baseAddress!) }
    }
  }

  /// Random appends and deletions (the storage grows past its initial capacity of 2) against `LeastSquares`.
  @Test(arguments: [(12, UInt64(1)), (30, 2), (65, 3)])
  func appendsAndDeletionsMatchLeastSquares(d: Int, seed: UInt64) throws {
    var g = SeededGenerator(seed: seed)
    let f = g.normalVector(d)
    var factor = PassiveSetFactor(d: d, capacity: 2)
    var columns: [Double] = []
    var checked = 0
    for step in 0..<(3 * d) {
      let k = factor.count
      if k > 0 && (k >= d - 1 || g.nextUniform() < 0.35) {
        let p = Int(g.nextUniform() * Double(k)) % k
        factor.remove(at: p)
        columns.removeSubrange((p * d)..<((p + 1) * d))
      } else {
        columns += g.normalVector(d)
        Self.append(&factor, columns, f)
      }
      #expect(factor.count * d == columns.count)
      guard factor.count > 0 else { continue }
      #expect(factor.usable, "step \(step)")
      let got = Self.solve(factor, columns, f)
      let want = try LeastSquares(Matrix(rows: d, columns: factor.count, columnMajor: columns), Matrix(column: f)).solution.storage
      let err = zip(got, want).map { abs($0 - $1) }.max() ?? 0
      let scale = want.map { abs($0) }.max() ?? 1
      #expect(err <= 1e-11 * Swift.max(1, scale), "step \(step): k = \(factor.count), error \(err)")
      checked += 1
    }
    #expect(checked >= 2 * d)
  }

  /// A column in the span of the others makes the factor unusable; once it leaves, a rebuild is usable again.
  @Test func dependentColumnMakesItUnusableUntilRebuilt() throws {
    var g = SeededGenerator(seed: 9)
    let d = 6
    let f = g.normalVector(d)
    let a = g.normalVector(d), b = g.normalVector(d)
    var columns = a + b
    var factor = PassiveSetFactor(d: d)
    Self.append(&factor, Array(columns[0..<d]) , f)
    Self.append(&factor, columns, f)
    #expect(factor.usable)
    columns += zip(a, b).map { 2 * $0 - $1 }
    Self.append(&factor, columns, f)
    #expect(!factor.usable)
    factor.remove(at: 2)
    columns.removeLast(d)
    factor.reset()
    Self.append(&factor, Array(columns[0..<d]), f)
    Self.append(&factor, columns, f)
    #expect(factor.usable)
    let want = try LeastSquares(Matrix(rows: d, columns: 2, columnMajor: columns), Matrix(column: f)).solution.storage
    let got = Self.solve(factor, columns, f)
    #expect(zip(got, want).allSatisfy { abs($0 - $1) <= 1e-12 * (1 + abs($1)) })
  }
}
