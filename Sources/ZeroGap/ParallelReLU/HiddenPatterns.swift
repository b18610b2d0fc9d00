/// Candidate activation patterns D₂ of a branch's hidden unit h (MATH.md §4.3): 0/1 vectors of length n, one column
/// each (masks n×P₂). All of {0,1}ⁿ for small n (`all`, complete), or the patterns of random parallel branches
/// (`sample`, an upper-bound program).
public struct HiddenPatterns: Sendable, Equatable {
  /// n×P₂ 0/1 masks (column l = diag D_{2l}).
  public let masks: Matrix
  /// Whether every pattern of {0,1}ⁿ is present (then the program's bound covers every parallel network).
  public let isComplete: Bool

  public var count: Int { masks.columns }
  public var sampleCount: Int { masks.rows }

  init(masks: Matrix, isComplete: Bool) {
    self.masks = masks
    self.isComplete = isComplete
  }

  /// The largest n for which `all` enumerates (2ⁿ patterns).
  public static let enumerationLimit = 16

  /// All 2ⁿ patterns (column l has bit j of l in row j).
  /// - Throws: `.enumerationTooLarge` for n above `enumerationLimit`.
  public static func all(sampleCount n: Int) throws(ConvexReLUError) -> HiddenPatterns {
    guard n >= 1 else { throw .shapeMismatch("there are no samples") }
    guard n <= enumerationLimit else {
      throw .enumerationTooLarge("all second-layer patterns of n = \(n) samples are 2^\(n); enumerate up to n = \(enumerationLimit), or sample some (--patterns2 M)")
    }
    let p = 1 << n
    var m = Matrix(rows: n, columns: p)
    for l in 0..<p { for j in 0..<n where (l >> j) & 1 == 1 { m[j, l] = 1 } }
    return HiddenPatterns(masks: m, isComplete: true)
  }

  /// The distinct patterns 1[h ≥ 0] of `count` random branches built on the program's own first layer, plus the
  /// all-ones pattern (fewer when patterns repeat): h = (X G)₊ w₂ = Σ_k w₂ₖ D₁ₖ X g_k, with G the first-layer
  /// patterns' gates (d×P₁, D₁ₖ = diag 1[X g_k ≥ 0]) and w₂ standard normal.
  ///
  /// Every such pattern is realised by a point of the program (MATH.md §4.3): the branch with v_k = w₂ₖ g_k where
  /// w₂ₖ > 0 and w_k = −w₂ₖ g_k otherwise lies in the first-layer cones and produces this h, so (2D₂ − I)h ≥ 0. Random
  /// first layers (`sample(count:data:level:width:generator:)`) can produce patterns that no combination of a few
  /// sampled first-layer patterns realises; a branch with such a pattern admits only h with zeros where the pattern
  /// and the span disagree, and the interior point then stalls (diabetes with 6 first-layer and 6 second-layer
  /// patterns: a 99 % gap).
  public static func sample(count: Int, data x: Matrix, firstLayerGates gates: Matrix, generator: inout SeededGenerator) throws(ConvexReLUError) -> HiddenPatterns {
    guard count >= 1 else { throw .invalidParameter("the number of hidden-layer patterns must be ≥ 1 (got \(count))") }
    guard gates.rows == x.columns, gates.columns >= 1 else {
      throw .shapeMismatch("first-layer gates are \(gates.rows)×\(gates.columns) for data with \(x.columns) columns")
    }
    var units = Matrix.product(x, gates)
    units.withUnsafeMutableBufferPointer { p in for e in 0..<p.count where p[e] < 0 { p[e] = 0 } }
    return distinct(count: count, sampleCount: x.rows) { units.multiply(generator.normalVector(gates.columns)) }
  }

  /// The distinct patterns 1[h ≥ 0] of `count` random branches, plus the all-ones pattern (the branch that passes h
  /// through); fewer when patterns repeat. At `level` 2 (the second layer, §4.3) h = (X W₁)_+ w₂; at level k ≥ 3 (§4.4)
  /// h = (⋯((X W₁)_+ W₂)_+ ⋯)_+ w_k, a random chain one layer deeper per level (every weight standard normal, hidden
  /// widths `width`).
  public static func sample(count: Int, data x: Matrix, level: Int = 2, width: Int = 8, generator: inout SeededGenerator) throws(ConvexReLUError) -> HiddenPatterns {
    guard count >= 1 else { throw .invalidParameter("the number of hidden-layer patterns must be ≥ 1 (got \(count))") }
    guard level >= 2 else { throw .invalidParameter("hidden pattern levels start at 2 (got \(level))") }
    return distinct(count: count, sampleCount: x.rows) {
      let w1 = generator.normalMatrix(rows: x.columns, columns: width)
      var layers = [w1]
      for _ in 2..<level { layers.append(generator.normalMatrix(rows: width, columns: width)) }
      let w2 = generator.normalVector(width)
      layers.append(Matrix(rows: width, columns: 1, columnMajor: w2))
      // The pre-activation of the last unit: the chain with ReLUs after every layer but the last.
      var a = x
      for (k, w) in layers.enumerated() {
        a = Matrix.product(a, w)
        if k < layers.count - 1 { a.withUnsafeMutableBufferPointer { p in for e in 0..<p.count where p[e] < 0 { p[e] = 0 } } }
      }
      return a.column(0)
    }
  }

  /// The all-ones pattern, then the distinct patterns 1[h ≥ 0] of the pre-activations `draw()` returns (n each),
  /// until there are `count` or 20·`count` draws have been made.
  private static func distinct(count: Int, sampleCount n: Int, _ draw: () -> [Double]) -> HiddenPatterns {
    var seen = PatternTable(n: n)
    var columns: [[Double]] = []
    func add(_ bits: [Bool]) {
      if seen.insert({ bits[$0] }).inserted { columns.append(bits.map { $0 ? 1 : 0 }) }
    }
    add([Bool](repeating: true, count: n))
    var attempts = 0
    while columns.count < count && attempts < 20 * count {
      attempts += 1
      add(draw().map { $0 >= 0 })
    }
    return HiddenPatterns(masks: Matrix(rows: n, columns: columns.count, columnMajor: columns.flatMap { $0 }), isComplete: false)
  }
}
