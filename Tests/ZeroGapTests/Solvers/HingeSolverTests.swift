import Foundation
import Testing
@testable import ZeroGap

/// The hinge programs (MATH.md §3.8) solved by Huber continuation, against the independent reference
/// (cvxpy + Clarabel fixtures) at 1e-6 relative, plus weak duality across the two implementations.
@Suite struct HingeSolverTests {
  @Test(arguments: ["classification-n30-d4", "classification-n60-d6"])
  func gatedHingeMatchesTheReference(name: String) throws {
    try check(name: name, model: .gatedReLU, tolerance: 5e-7, compare: 1e-6)
  }

  /// The cone-constrained hinge program converges more slowly (its bound is the smoothed program's): within the
  /// default budget it certifies 6e-4 on the smaller case (its objective then 1.1e-4 above the reference), so it is
  /// checked at 1e-3 (it was 1e-2).
  @Test func reluHingeMatchesTheReference() throws {
    try check(name: "classification-n30-d4", model: .relu, tolerance: 1e-3, compare: 1e-3)
  }

  func check(name: String, model: ConvexReLUModel, tolerance: Double, compare: Double) throws {
    let (x, y, g, expected) = try ReferenceSolverTests.load(name)
    let beta = try #require(expected["beta"]?.doubleValue)
    let r = try #require(expected["results"]?["\(model.rawValue)/hinge"])
    let reference = try #require(r["objective"]?.doubleValue)
    let referenceDual = try #require(r["dual"]?.doubleValue)
    let patterns = try ActivationPatterns.fromGates(g, data: x)
    let prog = try ConvexReLUProgram(data: x, targets: y, patterns: patterns, beta: beta, loss: .hinge, model: model)
    let sol = try prog.solve(options: ConvexSolverOptions(tolerance: tolerance))
    let label = "\(name) \(model.rawValue)/hinge"
    #expect(sol.report.stopReason == .converged, "\(label)")
    expectClose(sol.report.objective, reference, relative: compare, "\(label)")
    // Our lower bound is below the reference optimum, the reference's dual below our attained value.
    #expect(sol.report.lowerBound <= reference * (1 + 1e-7), "\(label)")
    #expect(referenceDual <= sol.report.objective * (1 + 1e-7), "\(label)")
    #expect(sol.report.relativeGap <= tolerance, "\(label)")
    // The reported objective is the true hinge objective of the recovered network (recomputed independently).
    let net = sol.network(gates: patterns.gates)
    let yhat = net.predict(x).column(0)
    var hinge = 0.0
    for j in 0..<y.count { hinge += max(0, 1 - y[j] * yhat[j]) }
    expectClose(hinge + beta * net.weightDecay, sol.report.objective, relative: 1e-9, "\(label)")
  }

  /// The Huber-smoothed hinge: its gradient matches central differences, it sits between ℓ − nμ/2 and ℓ, and
  /// Fenchel–Young holds with the smoothed dual piece at v = −∇ℓ_μ (equality: ℓ_μ(ŷ) = −ℓ_μ*(−v) − vᵀŷ).
  @Test func huberSmoothingIdentities() {
    var gen = SeededGenerator(seed: 11)
    let n = 9, mu = 0.3
    let y = (0..<n).map { _ in gen.nextUniform() < 0.5 ? -1.0 : 1.0 }
    let yhat = (0..<n).map { _ in 2 * gen.nextNormal() }
    let loss = SolverLoss(.hinge, smoothing: mu)
    let v = loss.dualPoint(yhat, y)
    let lmu = loss.value(yhat, y)
    let hinge = ConvexLoss.hinge.value(yhat, y)
    #expect(lmu <= hinge + 1e-15 && hinge <= lmu + Double(n) * mu / 2 + 1e-15)
    var conj = 0.0  // −ℓ_μ*(−v) = Σ (q − μq²/2), q = y v
    for j in 0..<n { let q = y[j] * v[j]; conj += q - mu * q * q / 2 }
    expectClose(loss.dualValue(v, y), conj, relative: 1e-14)
    expectClose(lmu, conj - v.dot(yhat), relative: 1e-12)
    for j in 0..<n {
      var a = yhat, b = yhat
      a[j] += 1e-6
      b[j] -= 1e-6
      let fd = (loss.value(a, y) - loss.value(b, y)) / 2e-6
      #expect(abs(fd + v[j]) <= 1e-6)
    }
  }

  /// Example B labels (MATH.md §3.10), hinge, all 10 patterns: the gated program over all patterns is a lower bound
  /// on every ReLU network's hinge objective (§3.6), so its certified LB must sit below the hinge objectives of
  /// random networks and of the solved exact-ReLU hinge network; the exact-ReLU solve's own LB stays below that
  /// network's arc-sweep certificate objective, and the arc-sweep LB below the solved value.
  @Test func exampleBHingeBoundsAreOrdered() throws {
    let y: [Double] = [1, -1, 1, 1, -1]
    let p = try ExampleA.patterns()
    let gated = try ConvexReLUProgram(data: ExampleA.x, targets: y, patterns: p, beta: 0.05, loss: .hinge, model: .gatedReLU)
      .solve(options: ConvexSolverOptions(tolerance: 1e-6))
    #expect(gated.report.stopReason == .converged)
    let relu = try ConvexReLUProgram(data: ExampleA.x, targets: y, patterns: p, beta: 0.05, loss: .hinge, model: .relu)
      .solve(options: ConvexSolverOptions(tolerance: 1e-3))
    #expect(gated.report.lowerBound <= relu.report.objective)
    #expect(relu.report.lowerBound <= relu.report.objective)
    let cert = try ReLUCertificate.certify(network: relu.network(gates: p.gates), data: ExampleA.x, targets: y, beta: 0.05, loss: .hinge)
    expectClose(cert.objective, relu.report.objective, relative: 1e-9)
    #expect(cert.scope == .global && cert.lowerBound <= relu.report.objective)
    var gen = SeededGenerator(seed: 8)
    for _ in 0..<20 {
      let net = TwoLayerReLUNetwork(firstLayer: gen.normalMatrix(rows: 2, columns: 4), outputWeights: gen.normalMatrix(rows: 4, columns: 1))
      #expect(gated.report.lowerBound <= net.objective(data: ExampleA.x, targets: y, beta: 0.05, loss: .hinge))
    }
  }
}
