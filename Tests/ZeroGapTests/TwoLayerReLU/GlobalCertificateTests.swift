import Testing
@testable import ZeroGap

/// The global certificate through complete patterns for more than two features (MATH.md §3.5.2: with every pattern
/// enumerated, `c̄ = max_i ‖XᵀD_i v‖ ≥ c(v)`), checked independently: the enumeration against dense gate sampling,
/// c̄ against a brute-force maximum over the sphere, and every certified lower bound — of the optimum, of
/// networks near it and of random ones — against the global optimum p* of the exact program over all patterns.
@Suite struct GlobalCertificateTests {
  /// n×3 data: two Gaussian features and the ones column (rank 3), Gaussian targets.
  static func problem(seed: UInt64, n: Int = 9) -> (Matrix, [Double]) {
    var gen = SeededGenerator(seed: 700 + seed)
    let x = gen.normalMatrix(rows: n, columns: 2).appendingColumns(Matrix(rows: n, columns: 1, repeating: 1))
    return (x, gen.normalVector(n))
  }

  @Test(arguments: [UInt64(1), 2, 3])
  func certificatesNeverExceedTheGlobalOptimum(seed: UInt64) throws {
    let (x, y) = Self.problem(seed: seed)
    let beta = 0.2
    let all = try ActivationPatterns.enumerate(data: x)
    #expect(all.isComplete)
    // Completeness: 20 000 random gates find no pattern outside the enumeration.
    let sampled = try ActivationPatternsTests.sampledSet(x, gates: 20_000, seed: seed)
    #expect(sampled.isSubset(of: ActivationPatternsTests.patternSet(all)))

    // p* of the two-layer problem: the exact program over every pattern (MATH.md §3.3), certified to 1e-9.
    let prog = try ConvexReLUProgram(data: x, targets: y, patterns: all, beta: beta, model: .relu)
    let sol = try prog.solve(options: ConvexSolverOptions(tolerance: 1e-9))
    #expect(sol.report.stopReason == .converged)
    let pStar = sol.report.objective
    let optimum = sol.network(gates: all.gates)

    // c̄ ≥ c(v) = max_{‖u‖≤1} |vᵀ(Xu)₊|, the latter estimated from below by 20 000 random unit vectors.
    var gen = SeededGenerator(seed: 90 + seed)
    for _ in 0..<3 {
      let v = gen.normalVector(x.rows)
      let cbar = ReLUCertificate.dualNormBound(v, data: x, patterns: all)
      var brute = 0.0
      for _ in 0..<20_000 {
        var u = gen.normalVector(3)
        let norm = u.norm2
        u = u.map { $0 / norm }
        let xu = x.multiply(u)
        brute = max(brute, abs(zip(v, xu).reduce(0) { $0 + $1.0 * max(0, $1.1) }))
      }
      #expect(cbar >= brute * (1 - 1e-12), "c̄ = \(cbar) below the sampled maximum \(brute)")
    }

    // The optimum's certificate is global, below p*, and its objective is p*.
    let atOptimum = try ReLUCertificate.certify(network: optimum, data: x, targets: y, beta: beta, patterns: all)
    #expect(atOptimum.scope == .global)
    #expect(atOptimum.lowerBound <= pStar * (1 + 1e-12))
    expectClose(atOptimum.objective, pStar, relative: 1e-9)
    // Networks near the optimum (their bounds approach p*, so a c̄ too small would push them above it) and random
    // networks: every bound stays below p*, and every objective above it.
    for scale in [1e-4, 1e-3, 1e-2, 1e-1, 1.0] {
      for _ in 0..<4 {
        var w1 = optimum.firstLayer, w2 = optimum.outputWeights
        w1.add(gen.normalMatrix(rows: w1.rows, columns: w1.columns), scaledBy: scale)
        w2.add(gen.normalMatrix(rows: w2.rows, columns: 1), scaledBy: scale)
        let near = TwoLayerReLUNetwork(firstLayer: w1, outputWeights: w2)
        let cert = try ReLUCertificate.certify(network: near, data: x, targets: y, beta: beta, patterns: all)
        #expect(cert.scope == .global)
        #expect(cert.lowerBound <= pStar * (1 + 1e-12) + 1e-15, "scale \(scale): bound \(cert.lowerBound) above p* = \(pStar)")
        #expect(cert.objective >= pStar * (1 - 1e-9), "scale \(scale): a network below p*")
      }
    }
    let random = TwoLayerReLUNetwork(firstLayer: gen.normalMatrix(rows: 3, columns: 6), outputWeights: gen.normalMatrix(rows: 6, columns: 1))
    let cert = try ReLUCertificate.certify(network: random, data: x, targets: y, beta: beta, patterns: all)
    #expect(cert.lowerBound <= pStar * (1 + 1e-12))
    // Without complete patterns the same network gets the (looser) crude bound, never a larger one here.
    let crude = try ReLUCertificate.certify(network: random, data: x, targets: y, beta: beta)
    #expect(crude.scope == .crude && crude.lowerBound <= pStar * (1 + 1e-12))
  }
}
