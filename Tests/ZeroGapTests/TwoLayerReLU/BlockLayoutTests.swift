import Testing
@testable import ZeroGap

/// The block layout of the two-layer programs (MATH.md §3.3, §3.6): P gated blocks, or 2P signed ReLU blocks.
@Suite struct BlockLayoutTests {
  @Test func signedAndGatedLayouts() {
    var gen = SeededGenerator(seed: 2)
    let masks = Matrix(rows: 4, columns: 3, columnMajor: (0..<12).map { Double($0 % 2) })
    let relu = BlockLayout(patternCount: 3, model: .relu), gated = BlockLayout(patternCount: 3, model: .gatedReLU)
    #expect(relu.blockCount == 6 && gated.blockCount == 3)
    #expect(relu.signs == [1, 1, 1, -1, -1, -1] && gated.signs == [1, 1, 1])
    for b in 0..<6 {
      let i = relu.pattern(ofBlock: b)
      #expect(relu.block(pattern: i, sign: relu.signs[b]) == b)
      #expect(relu.perBlock(masks).column(b) == masks.column(i), "block \(b) uses pattern \(i)'s mask")
    }
    #expect(gated.perBlock(masks) == masks && gated.block(pattern: 2, sign: -1) == 2)
    let v = gen.normalMatrix(rows: 2, columns: 3), w = gen.normalMatrix(rows: 2, columns: 3)
    let joined = relu.join(positive: v, negative: w)
    #expect(joined.columns == 6)
    let (p, n) = relu.split(joined)
    #expect(p == v && n == w)
    let (g, none) = gated.split(v)
    #expect(g == v && none == nil && gated.join(positive: v, negative: nil) == v)
  }
}
