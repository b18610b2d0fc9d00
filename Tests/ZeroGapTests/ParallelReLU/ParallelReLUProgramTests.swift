import Foundation
import Testing
@testable import ZeroGap

/// The three-layer parallel ReLU program (MATH.md §4.3) against MATH.md §10.9 (Example C) and independent checks:
/// the recovered network's objective computed from its weights, the convex prediction, the two-layer optimum on the
/// same data, and brute-force-free properties (lower bound ≤ every trained network).
@Suite struct ParallelReLUProgramTests {
  /// Example C: a = (−1, 0, 0.5, 1.5), X = [a, 1], y = (1, −1, 0.5, 1), β = 0.05.
  static let x = Matrix(rows: 4, columns: 2, columnMajor: [-1, 0, 0.5, 1.5, 1, 1, 1, 1])
  static let y = [1.0, -1, 0.5, 1]
  static let beta = 0.05

  static func exampleC() throws -> ParallelReLUProgram {
    let p1 = try ActivationPatterns.enumerate(data: x)
    let p2 = try HiddenPatterns.all(sampleCount: 4)
    return try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, secondLayer: p2, beta: beta)
  }

  /// Second-layer patterns sampled on the program's first layer: replaying the generator, each is 1[h ≥ 0] of
  /// h = Σ_k w₂ₖ D₁ₖ X g_k (computed entry by entry from the masks and gates), and the branch v_k = (w₂ₖ)₊ g_k,
  /// w_k = (−w₂ₖ)₊ g_k is a point of the program: inside the first-layer cones, with (2D₂ − I)h ≥ 0.
  @Test func sampledSecondLayerPatternsAreRealisedByTheFirstLayer() throws {
    var g = SeededGenerator(seed: 41)
    let n = 30, d = 4
    let x = g.normalMatrix(rows: n, columns: d)
    let first = try ActivationPatterns.sample(data: x, count: 5, using: &g)
    let p1 = first.count
    var sampler = SeededGenerator(seed: 42), replay = sampler
    let hidden = try HiddenPatterns.sample(count: 8, data: x, firstLayerGates: first.gates, generator: &sampler)
    #expect(hidden.count > 1 && !hidden.isComplete)
    var seen: [[Bool]] = [[Bool](repeating: true, count: n)]
    for _ in 0..<160 where seen.count < hidden.count {
      let w2 = replay.normalVector(p1)
      var h = [Double](repeating: 0, count: n)
      for j in 0..<n {
        for k in 0..<p1 where first.masks[j, k] != 0 {
          var xg = 0.0
          for i in 0..<d { xg += x[j, i] * first.gates[i, k] }
          h[j] += w2[k] * xg
        }
      }
      let pattern = h.map { $0 >= 0 }
      // The branch's first-layer halves lie in their cones: (2D₁ₖ − I) X (c g_k) ≥ 0 for c ≥ 0.
      for k in 0..<p1 {
        for j in 0..<n {
          var xg = 0.0
          for i in 0..<d { xg += x[j, i] * first.gates[i, k] }
          #expect((2 * first.masks[j, k] - 1) * abs(w2[k]) * xg >= 0)
        }
      }
      for j in 0..<n { #expect((pattern[j] ? 1.0 : -1.0) * h[j] >= 0) }
      if !seen.contains(pattern) { seen.append(pattern) }
    }
    #expect(seen.count == hidden.count)
    for (l, pattern) in seen.enumerated() {
      for j in 0..<n { #expect((hidden.masks[j, l] != 0) == pattern[j], "pattern \(l), row \(j)") }
    }
  }

  /// Three sampled first-layer patterns leave samples inactive in all of them (identically zero second-layer rows:
  /// the interior point declined the program and the augmented Lagrangian did not certify in 100 000 iterations).
  /// The completed set keeps the sampled patterns first, covers every sample, and the fit certifies 1e-6.
  /// `Fitted.relativeBeta` is β over c̄(y) = max_{i,l} ‖Xᵀ D1ᵢ D2ₗ y‖, here by explicit sums over the samples; at
  /// β = 1.001·c̄(y) the certified optimum is the zero network's ½‖y‖², and at β = c̄(y)/20 it is below.
  @Test func relativeBetaMeasuresTheZeroNetworksThreshold() throws {
    var g = SeededGenerator(seed: 12)
    let n = 40, d = 2
    let x = g.normalMatrix(rows: n, columns: d)
    let y = (0..<n).map { j in max(0, x[j, 0] - 0.5 * x[j, 1]) * 3 + 0.2 * g.nextNormal() }
    func fitted(_ beta: Double) throws -> ParallelReLUEstimator.Fitted {
      var e = ParallelReLUEstimator(configuration: .init(
        beta: beta, firstLayer: .sampled(count: 6, seed: 1), secondLayer: .sampled(count: 5, seed: 2), standardize: false, bias: true))
      try e.fit(data: x, targets: y)
      return try #require(e.fitted)
    }
    // The measure against explicit sums over the samples, on one pattern set.
    let z = x.appendingColumns(Matrix(rows: n, columns: 1, columnMajor: [Double](repeating: 1, count: n)))
    let first = try ActivationPatterns.sample(data: z, count: 6, using: &g).coveringEverySample(data: z)
    let second = try HiddenPatterns.sample(count: 5, data: z, firstLayerGates: first.gates, generator: &g)
    var explicit = 0.0
    for i in 0..<first.count {
      for l in 0..<second.count {
        var norm = 0.0
        for c in 0..<(d + 1) {
          var sum = 0.0
          for j in 0..<n { sum += z[j, c] * first.masks[j, i] * second.masks[j, l] * y[j] }
          norm += sum * sum
        }
        explicit = max(explicit, norm.squareRoot())
      }
    }
    let measured = try #require(ParallelReLUEstimator.relativeBeta(2, data: z, targets: y, first: first, second: second))
    #expect(abs(2 / measured - explicit) <= 1e-12 * explicit)
    // The fit's own patterns: at 1.001·c̄(y) the zero network.
    let cbar = 1 / (try #require(try fitted(1).relativeBeta))
    let zero = try fitted(1.001 * cbar)
    let half = 0.5 * y.reduce(0) { $0 + $1 * $1 }
    #expect(zero.report.stopReason == .converged)
    #expect(abs(zero.report.objective - half) <= 1e-9 * half)
    #expect(abs(try #require(zero.relativeBeta) - 1.001) <= 1e-12)
    let small = try fitted(cbar / 20)
    #expect(small.report.stopReason == .converged && small.report.objective < half * (1 - 1e-3))
  }

  @Test func fewSampledFirstLayerPatternsAreCompletedAndCertify() throws {
    var g = SeededGenerator(seed: 7)
    let n = 60, d = 3
    let x = g.normalMatrix(rows: n, columns: d)
    let y = (0..<n).map { j in max(0, x[j, 0] - x[j, 1]) * 5 + 0.1 * g.nextNormal() }
    let z = x.appendingColumns(Matrix(rows: n, columns: 1, columnMajor: [Double](repeating: 1, count: n)))
    var gates = SeededGenerator(seed: 3)
    let sampled = try ActivationPatterns.sample(data: z, count: 3, using: &gates)
    let uncovered = (0..<n).filter { j in (0..<sampled.count).allSatisfy { sampled.masks[j, $0] == 0 } }
    #expect(!uncovered.isEmpty, "the instance must leave a sample uncovered")
    let completed = try sampled.coveringEverySample(data: z)
    #expect(completed.origin == .sampled && completed.count > sampled.count)
    for i in 0..<sampled.count { for j in 0..<n { #expect(completed.masks[j, i] == sampled.masks[j, i]) } }
    for j in 0..<n { #expect((0..<completed.count).contains { completed.masks[j, $0] != 0 }, "sample \(j)") }
    // Each pattern is that of its gate: 1[z g ≥ 0].
    for i in 0..<completed.count {
      for j in 0..<n {
        var dot = 0.0
        for c in 0..<(d + 1) { dot += z[j, c] * completed.gates[c, i] }
        #expect((dot >= 0) == (completed.masks[j, i] != 0))
      }
    }
    // The estimator samples the same three patterns (same seed, same z = [X, 1]) and completes them.
    var estimator = ParallelReLUEstimator(configuration: .init(
      beta: 1, firstLayer: .sampled(count: 3, seed: 3), secondLayer: .sampled(count: 6, seed: 1), standardize: false, bias: true))
    try estimator.fit(data: x, targets: y)
    #expect(try #require(estimator.fitted).firstLayerPatterns == completed.count)
    let report = try #require(estimator.fitted).report
    #expect(report.stopReason == .converged)
    #expect(report.lowerBound <= report.objective && report.objective - report.lowerBound <= 1e-6 * report.objective)
  }

  @Test func exampleCMatchesMATH() throws {
    let program = try Self.exampleC()
    #expect(program.firstLayer.count == 8)
    #expect(program.secondLayer.count == 16)
    #expect(program.boundScope == .global)
    let sol = try program.solve(options: ConvexSolverOptions(tolerance: 1e-8))
    let r = sol.report
    #expect(r.stopReason == .converged)
    // p* = 0.2749197692 (MATH.md §4.3, 1e-6) and the certificate within 1e-6 of it.
    #expect(abs(r.objective - 0.2749197692) <= 1e-6)
    #expect(r.lowerBound <= r.objective)
    #expect(abs(r.lowerBound - 0.2749197692) <= 1e-6)
    // The recovered network reproduces p*, computed from its weights alone.
    let net = sol.network
    let value = net.objective(data: Self.x, targets: Self.y, beta: Self.beta)
    #expect(abs(value - r.objective) <= 1e-9)
    // ŷ* ≈ (0.95, −0.80, 0.375177, 1.008416) (tolerance 1e-5).
    let yhat = net.predict(Self.x)
    for (a, b) in zip(yhat, [0.95, -0.80, 0.375177, 1.008416]) { #expect(abs(a - b) <= 1e-5) }
    // The three-layer optimum is below the two-layer one on the same data (0.3226886538).
    #expect(r.objective < 0.3226886538 - 1e-3)
  }

  /// Trained parallel networks (the smooth R2 regulariser, MATH.md §4.3) never beat the certified bound, and the best
  /// of a few restarts comes close to p* (MATH.md records 0.27630 from 30 starts with 6 branches of width 6).
  @Test func trainedParallelNetworksRespectTheBound() throws {
    let sol = try Self.exampleC().solve(options: ConvexSolverOptions(tolerance: 1e-8))
    let objective = DeepReLUObjective(data: Self.x, targets: Self.y, beta: Self.beta, architecture: .parallel, depth: 3, width: 6, branches: 6)
    var trainer = TwoPhaseTrainer(adamLearningRate: 1e-2, adamIterations: 3000, restarts: 6)
    trainer.lbfgsPolish = LBFGS(iterations: 3000)
    var gen = SeededGenerator(seed: 3)
    let result = trainer.train(objective, using: &gen)
    let best = try #require(result.best)
    for run in result.runs where run.objective.isFinite { #expect(run.objective >= sol.report.lowerBound - 1e-9) }
    #expect(best.objective <= 0.2749197692 * 1.05)
  }

  /// Random tiny instances with both layers enumerated (global scope), at a budget that not every one meets (the
  /// solver is slow on degenerate instances): whatever the stop, the certificate is valid (LB ≤ objective), the
  /// recovered network's objective computed from its weights is the reported one, and LB₃ ≤ p₃ ≤ p₂ ≤ UB₂ against
  /// the two-layer program on the same data (a two-layer net is a parallel net with width-1 branches).
  @Test(arguments: [(UInt64(1), 4), (2, 5), (3, 5), (4, 6)])
  func tinyInstancesAreSoundAndBelowTwoLayer(seed: UInt64, n: Int) throws {
    var gen = SeededGenerator(seed: seed)
    let a = gen.normalVector(n)
    let x = Matrix(rows: n, columns: 2, columnMajor: a + [Double](repeating: 1, count: n))
    let y = gen.normalVector(n)
    let beta = 0.05 + 0.1 * gen.nextUniform()
    let p1 = try ActivationPatterns.enumerate(data: x)
    let program = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, secondLayer: try HiddenPatterns.all(sampleCount: n), beta: beta)
    #expect(program.boundScope == .global)
    var options = ConvexSolverOptions(tolerance: 1e-6)
    options.maxIterations = 20_000
    let sol = try program.solve(options: options)
    #expect(sol.report.lowerBound <= sol.report.objective)
    #expect(sol.report.constraintViolation <= 1e-12 * Swift.max(1, y.map(abs).max() ?? 1))
    let net = sol.network
    #expect(abs(net.objective(data: x, targets: y, beta: beta) - sol.report.objective) <= 1e-9 * Swift.max(1, sol.report.objective))
    let two = try ConvexReLUProgram(data: x, targets: y, patterns: p1, beta: beta).solve(options: ConvexSolverOptions(tolerance: 1e-9))
    #expect(two.report.stopReason == .converged)
    #expect(sol.report.lowerBound <= two.report.objective)
  }

  /// Two instances other than Example C solved by the independent cvxpy + Clarabel reference
  /// (`bench/reference_parallel.py`, fixtures in Fixtures/cases/parallel-relu): the same first-layer pattern count,
  /// and the certified bracket contains the reference optimum, 1e-6 wide.
  @Test(arguments: ["random5", "sine5"])
  func matchesTheClarabelReference(instance: String) throws {
    let fixture = try ReferenceFixture("parallel-relu/\(instance)")
    let (x, y, expected, beta) = (fixture.x, fixture.y, fixture.expected, fixture.beta)
    let (reference, referenceTolerance) = (fixture.objective, fixture.tolerance)
    let p1 = try ActivationPatterns.enumerate(data: x)
    #expect(Double(p1.count) == expected["p1"]?.doubleValue)
    let program = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, secondLayer: try HiddenPatterns.all(sampleCount: x.rows), beta: beta)
    let sol = try program.solve(options: ConvexSolverOptions(tolerance: 1e-6))
    #expect(sol.report.stopReason == .converged)
    #expect(sol.report.lowerBound <= reference + referenceTolerance)
    #expect(sol.report.objective >= reference - referenceTolerance)
    #expect(abs(sol.report.objective - reference) <= 1e-6 * reference)
  }
}
