import Foundation
import Testing
@testable import ZeroGap

@Suite struct ConvexReLUEstimatorTests {
  static func exampleAEstimator() -> ConvexReLUEstimator {
    ConvexReLUEstimator(configuration: .init(
      model: .relu, loss: .squared, beta: ExampleA.beta, patterns: .enumerate, standardize: false, bias: false,
      solver: ConvexSolverOptions(tolerance: 1e-9)))
  }

  @Test func fitReproducesExampleAGlobally() throws {
    var est = Self.exampleAEstimator()
    try est.fit(data: ExampleA.x, targets: ExampleA.y)
    let f = try #require(est.fitted)
    #expect(f.boundScope == .global)
    expectClose(f.report.objective, ExampleA.pStar, relative: 1e-8)
    #expect(f.report.lowerBound <= ExampleA.pStar + 1e-12)
    let yhat = try est.predict(ExampleA.x)
    for j in 0..<5 { #expect(abs(yhat[j] - ExampleA.yhatStar[j]) < 1e-5) }
    // R² against its definition.
    let mean = ExampleA.y.reduce(0, +) / 5
    var ssRes = 0.0, ssTot = 0.0
    for j in 0..<5 {
      ssRes += (ExampleA.y[j] - yhat[j]) * (ExampleA.y[j] - yhat[j])
      ssTot += (ExampleA.y[j] - mean) * (ExampleA.y[j] - mean)
    }
    let r2 = 1 - ssRes / ssTot
    expectClose(try est.score(ExampleA.x, ExampleA.y), r2, relative: 1e-12)
    // Certificate of the fitted network on its data (exact arc sweep, d = 2).
    let cert = try est.certificate(ExampleA.x, ExampleA.y)
    #expect(cert.scope == .global && cert.lowerBound <= ExampleA.pStar + 1e-12)
  }

  @Test func saveLoadRoundTrip() throws {
    var gen = SeededGenerator(seed: 3)
    let x = gen.normalMatrix(rows: 40, columns: 3, scale: 5)
    let y = (0..<40).map { i in max(0, x[i, 0] - x[i, 1]) + 0.1 * gen.nextNormal() }
    var est = ConvexReLUEstimator(configuration: .init(model: .gatedReLU, beta: 0.5, patterns: .sampled(count: 20, seed: 1), solver: ConvexSolverOptions(tolerance: 1e-7)))
    try est.fit(data: x, targets: y)
    let dir = try scratchDirectory()
    let path = dir.appendingPathComponent("m.json").path
    try est.save(to: path)
    let loaded = try ConvexReLUEstimator.load(from: path)
    let a = try loaded.predict(x), b = try est.predict(x)
    for j in 0..<40 { #expect(a[j] == b[j], "\(a[j]) vs \(b[j])") }
    #expect(loaded.fitted?.report.objective == est.fitted?.report.objective)
    #expect(loaded.fitted?.boundScope == .sampled)
    #expect(loaded.configuration.model == .gatedReLU)
    // The gated network's objective on preprocessed data equals the solver's objective.
    let f = try #require(est.fitted)
    expectClose(f.network.objective(data: try est.preprocessed(x), targets: y, beta: 0.5), f.report.objective, relative: 1e-9)
    // A corrupt file is rejected with a message naming it.
    try "{\"format\": \"something\"}".write(toFile: path, atomically: true, encoding: .utf8)
    let error = #expect(throws: ConvexReLUError.self) { try ConvexReLUEstimator.load(from: path) }
    #expect(error?.description.contains(path) == true)
  }

  @Test func misuseThrows() throws {
    let est = ConvexReLUEstimator()
    #expect(throws: ConvexReLUError.self) { try est.predict(ExampleA.x) }
    var e2 = Self.exampleAEstimator()
    #expect(throws: ConvexReLUError.self) { try e2.fit(data: ExampleA.x, targets: [1, 2]) }
    try e2.fit(data: ExampleA.x, targets: ExampleA.y)
    #expect(throws: ConvexReLUError.self) { try e2.predict(Matrix(rows: 2, columns: 3)) }
  }
}
