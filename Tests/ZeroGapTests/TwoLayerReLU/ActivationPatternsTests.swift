import Testing
@testable import ZeroGap

@Suite struct ActivationPatternsTests {
  static func patternSet(_ p: ActivationPatterns) -> Set<String> { Set((0..<p.count).map { p.patternString($0) }) }

  /// Patterns found by many Gaussian gates: an independent (sampling) estimate of the set.
  static func sampledSet(_ x: Matrix, gates: Int, seed: UInt64) throws -> Set<String> {
    var gen = SeededGenerator(seed: seed)
    return patternSet(try ActivationPatterns.sample(data: x, count: gates, using: &gen))
  }

  @Test func masksMatchTheirGates() throws {
    var gen = SeededGenerator(seed: 1)
    let x = gen.normalMatrix(rows: 30, columns: 4)
    let p = try ActivationPatterns.sample(data: x, count: 50, using: &gen)
    #expect(p.count <= 50 && p.count > 40)
    #expect(p.origin == .sampled && !p.isComplete)
    for i in 0..<p.count {
      let g = p.gates.column(i)
      for j in 0..<30 { #expect((x.row(j).dot(g) >= 0) == (p.masks[j, i] == 1)) }
    }
    #expect(Self.patternSet(p).count == p.count)  // de-duplicated
  }

  @Test func fromGatesDeduplicates() throws {
    let x = Matrix([[1, 0], [0, 1], [1, 1]])
    let g = Matrix([[1, 2, -1], [1, 3, -1]])  // first two gates give the same pattern 111
    let p = try ActivationPatterns.fromGates(g, data: x)
    #expect(p.count == 2)
    #expect(Self.patternSet(p) == ["111", "000"])
  }

  @Test func badGatesAreRejected() throws {
    let x = Matrix([[1, 0], [0, 1]])
    #expect(throws: ConvexReLUError.self) { try ActivationPatterns.fromGates(Matrix(rows: 3, columns: 2), data: x) }
    var bad = Matrix(rows: 2, columns: 1, repeating: 1)
    bad[0, 0] = .nan
    #expect(throws: ConvexReLUError.self) { try ActivationPatterns.fromGates(bad, data: x) }
    var gen = SeededGenerator(seed: 1)
    #expect(throws: ConvexReLUError.self) { try ActivationPatterns.sample(data: x, count: 0, using: &gen) }
  }

  @Test func sweepCountIsTwiceTheNumberOfLines() throws {
    // Points (a, 1) on distinct lines, plus a repeated direction (2a, 2): P = 2·(distinct lines) (§3.2).
    let x = Matrix([[-1, 1], [0.5, 1], [2, 1], [1, 3], [-2, 2]])  // (-2,2) ∥ (-1,1): 4 lines
    let p = try ActivationPatterns.enumerate(data: x)
    #expect(p.count == 8)
    #expect(Self.patternSet(p) == (try Self.sampledSet(x, gates: 20_000, seed: 2)))
  }

  @Test(arguments: [(7, 3, UInt64(11)), (9, 3, UInt64(12)), (8, 4, UInt64(13))])
  func generalPositionCountMatchesTheBound(n: Int, d: Int, seed: UInt64) throws {
    // Rows in general position: P = 2 Σ_{k<d} C(n−1, k) exactly (Cover's count).
    var gen = SeededGenerator(seed: seed)
    let x = gen.normalMatrix(rows: n, columns: d)
    let p = try ActivationPatterns.enumerate(data: x)
    #expect(Double(p.count) == ActivationPatterns.patternBound(n: n, rank: d))
    let sampled = try Self.sampledSet(x, gates: 30_000, seed: seed + 100)
    #expect(sampled.isSubset(of: Self.patternSet(p)))
    // Gates are interior points: every row has x_jᵀg ≠ 0.
    let xg = x * p.gates
    #expect(xg.storage.allSatisfy { $0 != 0 })
  }

  @Test func degenerateArrangementMatchesDenseSampling() throws {
    // Three rows share the ray e₃ in their hyperplanes, a duplicated row, a zero row, and a rank-deficient copy.
    let x = Matrix([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 1, 1], [1, 1, 1], [0, 0, 0], [1, -1, 0.5]])
    let p = try ActivationPatterns.enumerate(data: x)
    let sampled = try Self.sampledSet(x, gates: 200_000, seed: 5)
    #expect(Self.patternSet(p) == sampled)
    // Rank-deficient data (d = 4, rank 3: last column = first + second) has the same patterns as its first 3 columns.
    let x4 = x.appendingColumns(Matrix(column: (0..<8).map { x[$0, 0] + x[$0, 1] }))
    let p4 = try ActivationPatterns.enumerate(data: x4)
    #expect(Self.patternSet(p4) == Self.patternSet(p))
  }

  @Test func enumerationRefusesLargeProblemsAndSuggestsSampling() throws {
    var gen = SeededGenerator(seed: 9)
    let x = gen.normalMatrix(rows: 200, columns: 10)
    let error = #expect(throws: ConvexReLUError.self) { try ActivationPatterns.enumerate(data: x) }
    #expect(error?.description.contains("--patterns") == true)
    #expect(error?.description.contains("sample") == true)
  }
}
