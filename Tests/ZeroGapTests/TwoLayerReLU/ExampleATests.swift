import Testing
import RealModule
@testable import ZeroGap

/// MATH.md §3.10 Example A data (n = 5, d = 2, squared loss).
enum ExampleA {
  static let a: [Double] = [-1.5, -0.5, 0.2, 1.0, 2.0]
  static let x = Matrix(a.map { [$0, 1] })
  static let y: [Double] = [1.0, -0.5, 0.8, 0.3, -1.2]
  static let beta = 0.05
  static let pStar = 0.331534835042
  static let yhatStar: [Double] = [0.9440983006, -0.2929711679, 0.6686087783, 0.2145880668, -1.1343239778]
  static let allPatterns: Set<String> = ["01111", "11111", "11110", "11100", "11000", "10000", "00000", "00001", "00011", "00111"]

  static func patterns() throws -> ActivationPatterns { try ActivationPatterns.enumerate(data: x) }

  /// The exact C-ReLU solution at a tight certified gap.
  static func solve(_ model: ConvexReLUModel, patterns p: ActivationPatterns? = nil) throws -> (ConvexReLUProgram, ConvexReLUSolution) {
    let prog = try ConvexReLUProgram(data: x, targets: y, patterns: p ?? patterns(), beta: beta, model: model)
    return (prog, try prog.solve(options: ConvexSolverOptions(tolerance: 1e-10)))
  }
}

@Suite struct ExampleATests {
  @Test func sweepGivesTheTenPatterns() throws {
    let p = try ExampleA.patterns()
    #expect(p.count == 10)
    #expect(Set((0..<p.count).map { p.patternString($0) }) == ExampleA.allPatterns)
    #expect(p.isComplete)
  }

  @Test func exactReLUOptimumAndPrediction() throws {
    let (prog, sol) = try ExampleA.solve(.relu)
    #expect(sol.report.stopReason == .converged)
    expectClose(sol.report.objective, ExampleA.pStar, relative: 1e-8)
    #expect(sol.report.lowerBound <= ExampleA.pStar + 1e-12)
    expectClose(sol.report.lowerBound, ExampleA.pStar, relative: 1e-8)
    let yhat = prog.prediction(positive: sol.positive, negative: sol.negative)
    for j in 0..<5 { expectClose(yhat[j], ExampleA.yhatStar[j], relative: 1e-6) }
    #expect(prog.coneViolation(sol.positive) <= 1e-8 && prog.coneViolation(sol.negative ?? sol.positive) <= 1e-8)
  }

  @Test func recoveredNetworkReproducesTheConvexObjective() throws {
    let (prog, sol) = try ExampleA.solve(.relu)
    let net = sol.network(gates: prog.patterns.gates)
    let convex = prog.objective(positive: sol.positive, negative: sol.negative)
    expectClose(net.objective(data: ExampleA.x, targets: ExampleA.y, beta: ExampleA.beta), convex, relative: 1e-9)
    expectClose(net.objective(data: ExampleA.x, targets: ExampleA.y, beta: ExampleA.beta), ExampleA.pStar, relative: 1e-8)
    // Balanced: weight decay equals the path norm Σ‖u_j‖|α_j| (§3.1).
    expectClose(net.weightDecay, net.pathNorm, relative: 1e-12)
  }

  @Test func arcSweepCertificate() throws {
    let (prog, sol) = try ExampleA.solve(.relu)
    let net = sol.network(gates: prog.patterns.gates)
    let yhat = net.predict(ExampleA.x).column(0)
    let v = zip(ExampleA.y, yhat).map { $0 - $1 }
    // c(y − ŷ*) = β (complementary slackness, §3.4), by the exact arc sweep.
    expectClose(ReLUCertificate.dualNorm2D(v, data: ExampleA.x), ExampleA.beta, relative: 1e-7)
    let cert = try ReLUCertificate.certify(network: net, data: ExampleA.x, targets: ExampleA.y, beta: ExampleA.beta)
    #expect(cert.scope == .global)
    #expect(cert.lowerBound <= ExampleA.pStar + 1e-12)
    expectClose(cert.lowerBound, ExampleA.pStar, relative: 1e-8)
    // The listed ŷ* itself: c(v) = β, dual value = p* (MATH.md: 0.331534835041).
    let vStar = zip(ExampleA.y, ExampleA.yhatStar).map { $0 - $1 }
    expectClose(ReLUCertificate.dualNorm2D(vStar, data: ExampleA.x), ExampleA.beta, relative: 1e-8)
    expectClose(ConvexLoss.squared.dualValue(vStar, ExampleA.y), 0.331534835041, relative: 1e-9)
  }

  @Test func arcSweepAgreesWithBruteForceOverAngles() throws {
    // Independent check of c(v) = max_{‖u‖≤1} |vᵀ(Xu)_+| on a fine angle grid (a lower estimate, error O(h)).
    var gen = SeededGenerator(seed: 7)
    for _ in 0..<5 {
      let v = gen.normalVector(5)
      var brute = 0.0
      let steps = 200_000
      for k in 0..<steps {
        let th = 2 * Double.pi * Double(k) / Double(steps)
        var s = 0.0
        for j in 0..<5 { s += v[j] * max(0, ExampleA.a[j] * Double.cos(th) + Double.sin(th)) }
        brute = max(brute, abs(s))
      }
      let c = ReLUCertificate.dualNorm2D(v, data: ExampleA.x)
      #expect(c >= brute - 1e-12)
      // Lipschitz bound of θ ↦ vᵀ(Xu(θ))_+ times the grid half-step.
      var lip = 0.0
      for j in 0..<5 { lip += abs(v[j]) * (ExampleA.a[j] * ExampleA.a[j] + 1).squareRoot() }
      #expect(c <= brute + lip * Double.pi / Double(steps) + 1e-12)
    }
  }

  @Test func boundOrdering() throws {
    // crude LB ≤ C-GReLU (0.136560278197) ≤ p* ≤ sampled-subset value (0.332066431156)  (§3.10, §10.7).
    let (_, gated) = try ExampleA.solve(.gatedReLU)
    expectClose(gated.report.objective, 0.136560278197, relative: 1e-9)
    expectClose(gated.report.lowerBound, 0.136560278197, relative: 1e-9)  // its finite dual certificate

    let all = try ExampleA.patterns()
    let wanted = ["01111", "11110", "11000", "00000", "00011"]
    let idx = wanted.compactMap { w in (0..<all.count).first { all.patternString($0) == w } }
    #expect(idx.count == 5)
    let subset = ActivationPatterns(masks: all.masks.columns(idx), gates: all.gates.columns(idx), origin: .gates)
    let (sp, sampled) = try ExampleA.solve(.relu, patterns: subset)
    expectClose(sampled.report.objective, 0.332066431156, relative: 1e-8)

    // Crude certificate at ŷ* with MATH.md's s = min(1, β/c̄): 0.0236575.
    let vStar = zip(ExampleA.y, ExampleA.yhatStar).map { $0 - $1 }
    let cbar = try ReLUCertificate.crudeDualNorm(vStar, data: ExampleA.x)
    let s = min(1, ExampleA.beta / cbar)
    let crude = ConvexLoss.squared.dualValue(vStar.map { $0 * s }, ExampleA.y)
    #expect(abs(crude - 0.0236575) < 5e-7)
    // A network certified without patterns in d > 2 gets the crude scope: embed the data in d = 3.
    let net = sampled.network(gates: sp.patterns.gates)
    let x3 = ExampleA.x.appendingColumns(Matrix(rows: 5, columns: 1))
    let net3 = TwoLayerReLUNetwork(firstLayer: net.firstLayer.appendingRows(Matrix(rows: 1, columns: net.width)), outputWeights: net.outputWeights)
    let cert3 = try ReLUCertificate.certify(network: net3, data: x3, targets: ExampleA.y, beta: ExampleA.beta)
    #expect(cert3.scope == .crude)
    #expect(crude <= gated.report.objective)
    #expect(cert3.lowerBound <= ExampleA.pStar)
    #expect(gated.report.objective <= ExampleA.pStar)
    #expect(ExampleA.pStar <= sampled.report.objective)
  }

  @Test func nonconvexTrainingNeverBeatsPStar() throws {
    let obj = try TwoLayerReLUObjective(data: ExampleA.x, targets: ExampleA.y, width: 12, beta: ExampleA.beta)
    let trainer = NonconvexTrainer(optimizer: Adam(learningRate: 1e-2), iterations: 3000, restarts: 8)
    var gen = SeededGenerator(seed: 42)
    let result = trainer.train(obj, using: &gen)
    for run in result.runs where run.stopReason != .diverged {
      #expect(run.objective >= ExampleA.pStar - 1e-8)
    }
    let best = try #require(result.best)
    // Training does get close (MATH.md §3.10: L-BFGS from 20 starts, best 0.3315846, 1.5e-4 above p*).
    #expect(best.objective <= ExampleA.pStar * (1 + 1e-3), "best \(best.objective)")
  }
}

/// MATH.md §3.10 Example B (logistic loss, same X).
@Suite struct ExampleBTests {
  static let y: [Double] = [1, -1, 1, 1, -1]

  @Test func logisticOptimumAndEntropyDual() throws {
    let p = try ExampleA.patterns()
    let prog = try ConvexReLUProgram(data: ExampleA.x, targets: Self.y, patterns: p, beta: 0.05, loss: .logistic, model: .relu)
    let sol = try prog.solve(options: ConvexSolverOptions(tolerance: 1e-9))
    #expect(sol.report.stopReason == .converged)
    expectClose(sol.report.objective, 1.656858890595, relative: 1e-7)
    let yhat = prog.prediction(positive: sol.positive, negative: sol.negative)
    let yhatStar = [2.8266346614, -1.3627160250, 1.9808695513, 2.2466940785, -2.6027186737]
    for j in 0..<5 { #expect(abs(yhat[j] - yhatStar[j]) < 1e-5) }
    // Entropy dual at the scaled residual-gradient point (s = min(1, β/c̄), exact c̄ by the arc sweep).
    let v = ConvexLoss.logistic.dualPoint(yhat, Self.y)
    let cbar = ReLUCertificate.dualNorm2D(v, data: ExampleA.x)
    let s = min(1, 0.05 / cbar)
    let dual = ConvexLoss.logistic.dualValue(v.map { $0 * s }, Self.y)
    #expect(dual <= 1.656858890595 + 1e-9)
    #expect(abs(dual - 1.656858890595) < 1e-5)
    let net = sol.network(gates: p.gates)
    let cert = try ReLUCertificate.certify(network: net, data: ExampleA.x, targets: Self.y, beta: 0.05, loss: .logistic)
    #expect(cert.scope == .global && cert.lowerBound <= 1.656858890595 + 1e-9)
    expectClose(cert.objective, 1.656858890595, relative: 1e-7)
  }

  @Test func hingeWeakDuality() throws {
    // Hinge: the certificate's dual value never exceeds the objective of any network (weak duality).
    var gen = SeededGenerator(seed: 3)
    for _ in 0..<20 {
      let m = 4
      let net = TwoLayerReLUNetwork(firstLayer: gen.normalMatrix(rows: 2, columns: m), outputWeights: gen.normalMatrix(rows: m, columns: 1))
      let cert = try ReLUCertificate.certify(network: net, data: ExampleA.x, targets: Self.y, beta: 0.05, loss: .hinge)
      #expect(cert.lowerBound <= cert.objective)
      #expect(cert.lowerBound.isFinite)
    }
  }
}
