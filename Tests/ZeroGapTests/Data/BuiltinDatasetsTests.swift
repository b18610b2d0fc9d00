import Testing
@testable import ZeroGap

/// Reference numbers computed once with scikit-learn 1.9.1 / numpy 2.4 from scikit-learn's own
/// files (`load_diabetes(scaled=False)`, `load_breast_cancer()`): an independent reader and
/// independent arithmetic.
@Suite("Built-in datasets")
struct BuiltinDatasetsTests {
  @Test func diabetesShapeAndStatistics() throws {
    let d = try BuiltinDatasets.load("diabetes")
    #expect(d.sampleCount == 442 && d.featureCount == 10 && d.targetCount == 1)
    #expect(d.featureNames == ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"])
    #expect(d.targets.column(0).reduce(0, +) == 67243)
    #expect(Array(d.targets.column(0).prefix(3)) == [151, 75, 141])
    let sklearnMeans = [
      48.51809954751131, 1.4683257918552035, 26.37579185520364, 94.64701357466065, 189.14027149321268,
      115.43914027149319, 49.78846153846154, 4.070248868778281, 4.641410859728506, 91.26018099547511,
    ]
    let sklearnStds = [
      13.09419020798002, 0.49899573599220226, 4.413120855492464, 13.815628311857537, 34.568880126921385,
      30.378657550243783, 12.919562419379742, 1.288989285051803, 0.5217992869003063, 11.483322471735475,
    ]
    let s = try Standardizer(fitting: d.features)
    for j in 0..<10 {
      expectClose(s.means[j], sklearnMeans[j], relative: 1e-13)
      expectClose(s.scales[j], sklearnStds[j], relative: 1e-12)
    }
    // scikit-learn's default `scaled=True` features have unit column sums of squares: so do ours
    // after centring and dividing by sd·sqrt(n).
    let z = try s.transform(d.features)
    for j in 0..<10 {
      let c = z.column(j)
      expectClose(c.map { $0 * $0 }.reduce(0, +) / 442, 1, relative: 1e-12)
    }
  }

  @Test func breastCancerShapeAndStatistics() throws {
    let b = try BuiltinDatasets.load("breast-cancer")
    #expect(b.sampleCount == 569 && b.featureCount == 30 && b.targetCount == 1)
    #expect(b.featureNames.first == "mean radius" && b.featureNames.last == "worst fractal dimension")
    #expect(b.targets.column(0).reduce(0, +) == 357)  // 357 benign (1), 212 malignant (0)
    let targets = b.targets.column(0)
    #expect([10, 50, 85].map { targets[$0] } == [0, 1, 0])
    let means = [14.127291739894563, 19.28964850615117, 91.96903339191566, 654.8891036906857]
    for j in 0..<4 { expectClose(b.features.column(j).reduce(0, +) / 569, means[j], relative: 1e-13) }
    #expect(b.features.column(0).max() == 28.11 && b.features.column(3).max() == 2501 && b.features.column(23).max() == 4254)
    expectClose(b.features.storage.reduce(0, +), 1056474.4596356, relative: 1e-13)
    let signed = try b.signedLabels()
    #expect(signed.targets.column(0).reduce(0, +) == 357 - 212)
  }

  @Test func syntheticEntriesMatchTheCatalogueAndTheSeed() throws {
    for entry in BuiltinDatasets.catalog {
      let d = try BuiltinDatasets.load(entry.name, seed: 3)
      #expect(d.sampleCount == entry.samples && d.featureCount == entry.features && d.targetCount == entry.targets, "\(entry.name)")
      if entry.synthetic {
        #expect(try BuiltinDatasets.load(entry.name, seed: 3) == d)
        #expect(try BuiltinDatasets.load(entry.name, seed: 4) != d)
      }
    }
  }

  @Test func unknownNameListsTheValidOnes() {
    #expect {
      try BuiltinDatasets.load("iris")
    } throws: { e in
      (e as? DataError)?.description == "unknown dataset \"iris\"; built-in datasets are diabetes, breast-cancer, relu-teacher, low-rank, spiral, sine"
    }
  }

  @Test func defaultSummary() throws {
    let s = try BuiltinDatasets.summarizeDefault()
    #expect(s.name == "diabetes" && s.samples == 442 && s.columns.count == 11)
    let target = try #require(s.columns.last)
    #expect(target.role == "target" && target.count == 442 && target.minimum == 25 && target.maximum == 346)
    expectClose(target.mean ?? .nan, 152.13348416289594, relative: 1e-14)
    #expect(s.columns[1].distinctCount == 2)  // sex is binary
    #expect(s.lines.first == "dataset diabetes: 442 samples, 10 features, 1 target")
    #expect(s.json.serialized().hasPrefix("{\"name\":\"diabetes\",\"samples\":442,\"features\":10,\"targets\":1,\"columns\":[{\"name\":\"age\""))
  }
}
