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
}
