import Foundation
import Testing
@testable import ZeroGap

/// Classification labels other than ±1 (MATH.md §3.8 needs ±1): the estimator maps two classes to ±1, records
/// them, predicts and scores in the original labels, and keeps them through save/load.
@Suite struct ConvexReLUEstimatorClassesTests {
  static func data() -> (x: Matrix, signs: [Double]) {
    var gen = SeededGenerator(seed: 8)
    let x = gen.normalMatrix(rows: 30, columns: 2)
    let signs: [Double] = (0..<30).map { i in x[i, 0] * x[i, 0] - x[i, 1] + 0.3 * gen.nextNormal() > 0.5 ? 1 : -1 }
    return (x, signs)
  }

  static func estimator() -> ConvexReLUEstimator {
    ConvexReLUEstimator(configuration: .init(
      model: .gatedReLU, loss: .logistic, beta: 0.5, patterns: .sampled(count: 12, seed: 2), solver: ConvexSolverOptions(tolerance: 1e-8)))
  }

  @Test func twoArbitraryClassesAreTheSignProblem() throws {
    let (x, signs) = Self.data()
    // Classes 2 < 4: 2 ↦ −1, 4 ↦ +1.
    let labels = signs.map { $0 > 0 ? 4.0 : 2.0 }
    var a = Self.estimator(), b = Self.estimator()
    try a.fit(data: x, targets: signs)
    try b.fit(data: x, targets: labels)
    let fa = try #require(a.fitted), fb = try #require(b.fitted)
    #expect(fa.classes == .signs)
    #expect(fb.classes == ConvexReLUEstimator.ClassLabels(negative: 2, positive: 4))
    // The same convex program: identical objective and scores.
    #expect(fa.report.objective == fb.report.objective)
    let scores = try b.predict(x)
    #expect(scores == (try a.predict(x)))
    // Labels = the class of sign(score); accuracy counted by hand in the original labels equals score().
    let predicted = try b.predictLabels(x)
    var correct = 0
    for i in 0..<30 {
      #expect(predicted[i] == (scores[i] >= 0 ? 4 : 2))
      if predicted[i] == labels[i] { correct += 1 }
    }
    #expect(try b.score(x, labels) == Double(correct) / 30)
    #expect(try a.score(x, signs) == Double(correct) / 30)
    // A label outside the classes is refused, naming it.
    var bad = labels
    bad[3] = 3
    let e = #expect(throws: ConvexReLUError.self) { try b.score(x, bad) }
    #expect(e?.description.contains("3") == true && e?.description.contains("classes") == true)
    // Certificates see the ±1 encoding: the same certificate from either fit.
    // A gated network is certified over its own gates (the gated program restricted to them: scope sampled).
    let gated = try b.certificate(x, labels)
    #expect(gated.scope == .sampled && gated.lowerBound <= gated.objective)
    // Save/load keeps the classes.
    let dir = try scratchDirectory()
    let path = dir.appendingPathComponent("m.json").path
    try b.save(to: path)
    let loaded = try ConvexReLUEstimator.load(from: path)
    #expect(loaded.fitted?.classes == fb.classes)
    #expect(try loaded.predictLabels(x) == predicted)
  }

  @Test func exactReLUCertificateUsesTheEncoding() throws {
    let (x, signs) = Self.data()
    let labels = signs.map { $0 > 0 ? 1.0 : 0.0 }
    var a = Self.estimator(), b = Self.estimator()
    a.configuration.model = .relu
    b.configuration.model = .relu
    a.configuration.solver = ConvexSolverOptions(tolerance: 1e-6)
    b.configuration.solver = ConvexSolverOptions(tolerance: 1e-6)
    try a.fit(data: x, targets: signs)
    try b.fit(data: x, targets: labels)
    let ca = try a.certificate(x, signs), cb = try b.certificate(x, labels)
    #expect(ca == cb)
    // d' = 3 (two features + bias) and no enumeration: the crude bound of §3.5.3, below the network's value.
    #expect(cb.scope == .crude && cb.lowerBound <= cb.objective)
    expectClose(cb.objective, try #require(b.fitted).report.objective, relative: 1e-9)
  }

  @Test func notTwoClassesIsRefused() throws {
    let (x, signs) = Self.data()
    var est = Self.estimator()
    let three = signs.enumerated().map { $0.offset % 3 == 0 ? 0.5 : $0.element }
    let e = #expect(throws: ConvexReLUError.self) { try est.fit(data: x, targets: three) }
    #expect(e?.description.contains("{−1, +1}") == true && e?.description.contains("3 distinct") == true)
    let one = [Double](repeating: 0, count: 30)
    #expect(throws: ConvexReLUError.self) { try est.fit(data: x, targets: one) }
  }
}
