import Testing
@testable import ZeroGap

@Suite("Dataset, split, standardiser")
struct DatasetTests {
  func sample(n: Int, seed: UInt64) throws -> Dataset {
    var g = SeededGenerator(seed: seed)
    // Row i carries its own index in the target, so splits can be checked against the original.
    let x = g.normalMatrix(rows: n, columns: 3)
    return try Dataset(name: "s", features: x, targets: Matrix(column: (0..<n).map(Double.init)))
  }

  @Test func splitIsAReproduciblePartition() throws {
    let ds = try sample(n: 50, seed: 1)
    let (train, test) = try ds.trainTestSplit(testFraction: 0.2, seed: 42)
    #expect(test.sampleCount == 10 && train.sampleCount == 40)
    let trainIdx = train.targets.column(0).map { Int($0) }
    let testIdx = test.targets.column(0).map { Int($0) }
    // Disjoint, covering, each part in original order, rows carried with their features.
    #expect(Set(trainIdx).isDisjoint(with: testIdx))
    #expect(Set(trainIdx + testIdx) == Set(0..<50))
    #expect(trainIdx == trainIdx.sorted() && testIdx == testIdx.sorted())
    for (r, i) in testIdx.enumerated() { #expect(test.features.row(r) == ds.features.row(i)) }
    // Same seed → same split; another seed → another split.
    let again = try ds.trainTestSplit(testFraction: 0.2, seed: 42)
    #expect(again.test == test && again.train == train)
    let other = try ds.trainTestSplit(testFraction: 0.2, seed: 43)
    #expect(other.test.targets != test.targets)
  }

  @Test func splitIsRoughlyUniform() throws {
    // Over 2000 seeds each of 10 samples lands in the 3-sample test set with probability 0.3:
    // counts ~ Binomial(2000, 0.3), mean 600, sd 20.5; allow 5 sd.
    let ds = try sample(n: 10, seed: 2)
    var hits = [Int](repeating: 0, count: 10)
    for seed in 0..<2000 {
      let (_, test) = try ds.trainTestSplit(testFraction: 0.3, seed: UInt64(seed))
      for v in test.targets.column(0) { hits[Int(v)] += 1 }
    }
    #expect(hits.allSatisfy { abs($0 - 600) < 103 }, "\(hits)")
  }

  @Test func splitRejectsImpossibleFractions() throws {
    let ds = try sample(n: 4, seed: 3)
    for f in [0.0, 1.0, -0.1, .nan, 0.05, 0.95] {
      #expect(throws: DataError.self) { try ds.trainTestSplit(testFraction: f, seed: 0) }
    }
  }

  @Test func nextIndexIsUniformAndInRange() {
    var g = SeededGenerator(seed: 5)
    var counts = [Int](repeating: 0, count: 7)
    for _ in 0..<70_000 { counts[g.nextIndex(below: 7)] += 1 }
    // Binomial(70000, 1/7): mean 10000, sd 92.6; allow 5 sd.
    #expect(counts.allSatisfy { abs($0 - 10_000) < 463 }, "\(counts)")
    var h = SeededGenerator(seed: 6)
    #expect(h.shuffledIndices(count: 20).sorted() == Array(0..<20))
  }

  @Test func biasColumn() throws {
    let ds = try Dataset(name: "b", features: Matrix([[1, 2], [3, 4]]), targets: Matrix(column: [5, 6]))
    let withBias = ds.addingBiasColumn()
    #expect(withBias.features == Matrix([[1, 2, 1], [3, 4, 1]]))
    #expect(withBias.featureNames == ["x1", "x2", "bias"])
    #expect(withBias.targets == ds.targets)
  }

  @Test func constructorChecks() {
    #expect(throws: DataError.self) { try Dataset(name: "r", features: Matrix(rows: 3, columns: 2), targets: Matrix(rows: 2, columns: 1)) }
    #expect(throws: DataError.self) {
      try Dataset(name: "n", features: Matrix(rows: 2, columns: 2), targets: Matrix(rows: 2, columns: 1), featureNames: ["a"])
    }
    #expect {
      try Dataset(name: "inf", features: Matrix([[1, .infinity]]), targets: Matrix([[0]]))
    } throws: { ($0 as? DataError)?.description == "inf, column 2 (\"x2\"): feature value in row 1 is inf; remove or impute non-finite values" }
  }

  @Test func signedLabels() throws {
    let ds = try Dataset(name: "c", features: Matrix([[1], [2], [3]]), targets: Matrix(column: [0, 1, 1]))
    #expect(try ds.signedLabels().targets == Matrix(column: [-1, 1, 1]))
    let bad = try Dataset(name: "c", features: Matrix([[1]]), targets: Matrix(column: [2]))
    #expect(throws: DataError.self) { try bad.signedLabels() }
  }

  @Test func standardizerMatchesHandComputedStatistics() throws {
    // Column 0 = (1, 2, 3, 6): mean 3, population variance (4+1+0+9)/4 = 3.5. Column 1 constant 7.
    let x = Matrix([[1, 7], [2, 7], [3, 7], [6, 7]])
    let s = try Standardizer(fitting: x)
    #expect(s.means == [3, 7])
    expectClose(s.scales[0], (3.5 as Double).squareRoot(), relative: 1e-15)
    #expect(s.scales[1] == 1)
    let z = try s.transform(x)
    #expect(z.isFinite)
    expectClose(z, Matrix([[-2, 0], [-1, 0], [0, 0], [3, 0]]) / (3.5 as Double).squareRoot(), relative: 1e-15)
    #expect(z.column(1) == [0, 0, 0, 0])
    expectClose(try s.inverseTransform(z), x, relative: 1e-15)
    // A column constant up to rounding (0.1 + tiny noise at 1e-17 level) also gets scale 1.
    let nearly = Matrix(column: [0.1, 0.1 + 1e-17, 0.1, 0.3 - 0.2])
    #expect(try Standardizer(fitting: nearly).scales == [1])
  }

  @Test func standardizerFitsOnTrainOnly() throws {
    var g = SeededGenerator(seed: 9)
    let ds = try Dataset(
      name: "t", features: g.normalMatrix(rows: 40, columns: 4, scale: 3) + Matrix(rows: 40, columns: 4, repeating: 5),
      targets: g.normalMatrix(rows: 40, columns: 1))
    let (train, test) = try ds.trainTestSplit(testFraction: 0.25, seed: 1)
    let split = try StandardizedSplit(train: train, test: test, targets: true, bias: true)
    // Train columns: mean 0, population variance 1 (independent recomputation).
    for j in 0..<4 {
      let c = split.train.features.column(j)
      let mean = c.reduce(0, +) / Double(c.count)
      let variance = c.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(c.count)
      #expect(abs(mean) < 1e-14)
      expectClose(variance, 1, relative: 1e-13)
      // Test set uses the training statistics.
      let t = test.features.column(j)
      for (i, v) in t.enumerated() {
        let expected = (v - train.features.column(j).reduce(0, +) / 30) / split.featureScaler.scales[j]
        expectClose(split.test.features[i, j], expected, relative: 1e-13)
      }
    }
    #expect(split.train.features.column(4) == [Double](repeating: 1, count: 30))
    #expect(split.test.featureNames.last == "bias" && split.test.featureCount == 5)
    #expect(try split.targetScaler?.inverseTransform(split.test.targets) != nil)
    #expect(throws: DataError.self) { try split.featureScaler.transform(Matrix(rows: 2, columns: 3)) }
    #expect(throws: DataError.self) { try Standardizer(fitting: Matrix(rows: 0, columns: 2)) }
  }
}
