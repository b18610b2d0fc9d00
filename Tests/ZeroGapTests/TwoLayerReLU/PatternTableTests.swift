import Testing
@testable import ZeroGap

@Suite struct PatternTableTests {
  /// Random 0/1 patterns against a dictionary of their strings: lengths on both sides of a word boundary, many
  /// repeats, and a table grown well past its first capacity.
  @Test(arguments: [1, 5, 63, 64, 65, 130])
  func agreesWithADictionary(n: Int) {
    var gen = SeededGenerator(seed: UInt64(n))
    var table = PatternTable(n: n)
    var reference: [String: Int] = [:]
    // Short patterns repeat (n = 1 and 5 have 2 and 32); from n = 63 on, the 600 are distinct.
    for _ in 0..<600 {
      let bits = (0..<n).map { _ in gen.nextUniform() < 0.5 }
      let key = String(bits.map { $0 ? "1" : "0" })
      let (index, inserted) = table.insert { bits[$0] }
      if let known = reference[key] {
        #expect(!inserted && index == known)
      } else {
        #expect(inserted && index == reference.count)
        reference[key] = index
      }
    }
    #expect(table.count == reference.count)
    for (key, index) in reference {
      let bits = key.map { $0 == "1" }
      #expect(table.index { bits[$0] } == index)
      // One bit flipped: found only if that pattern was stored too.
      for flip in [0, n - 1] {
        var other = bits
        other[flip].toggle()
        let otherKey = String(other.map { $0 ? "1" : "0" })
        #expect(table.index { other[$0] } == reference[otherKey])
      }
    }
  }

  @Test func columnsOfAMaskMatrixKeepTheirFirstIndex() {
    // Columns 0 and 2 are equal; column 3 is all zeros, column 1 all ones.
    let masks = Matrix(rows: 3, columns: 4, columnMajor: [1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0])
    let table = PatternTable(columnsOf: masks)
    #expect(table.count == 3)
    #expect(table.index { [true, false, true][$0] } == 0)
    #expect(table.index { _ in true } == 1)
    #expect(table.index { _ in false } == 3)
    #expect(table.index { [false, true, false][$0] } == nil)
  }
}
