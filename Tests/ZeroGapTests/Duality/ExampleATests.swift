import Testing
@testable import ZeroGap

/// MATH.md §3.10 Example A data.
enum ExampleA {
  static let a: [Double] = [-1.5, -0.5, 0.2, 1.0, 2.0]
  static let x = Matrix(a.map { [$0, 1] })
  static let y: [Double] = [1.0, -0.5, 0.8, 0.3, -1.2]
  static let beta = 0.05
  static let pStar = 0.331534835042
  static let yhatStar: [Double] = [0.9440983006, -0.2929711679, 0.6686087783, 0.2145880668, -1.1343239778]
}

@Suite struct ExampleATests {
  @Test func sweepGivesTheTenPatterns() throws {
    let p = try ActivationPatterns.enumerate(data: ExampleA.x)
    let got = Set((0..<p.count).map { p.patternString($0) })
    let expected: Set<String> = ["01111", "11111", "11110", "11100", "11000", "10000", "00000", "00001", "00011", "00111"]
    #expect(p.count == 10)
    #expect(got == expected)
    #expect(p.isComplete)
  }

  @Test func exactReLUOptimum() throws {
    let p = try ActivationPatterns.enumerate(data: ExampleA.x)
    let prog = try ConvexReLUProgram(data: ExampleA.x, targets: ExampleA.y, patterns: p, beta: ExampleA.beta, model: .relu)
    let sol = try prog.solve(options: ConvexSolverOptions(tolerance: 1e-10))
    print(sol.report)
    expectClose(sol.report.objective, ExampleA.pStar, relative: 1e-8)
  }

  @Test func gatedOptimum() throws {
    let p = try ActivationPatterns.enumerate(data: ExampleA.x)
    let prog = try ConvexReLUProgram(data: ExampleA.x, targets: ExampleA.y, patterns: p, beta: ExampleA.beta, model: .gatedReLU)
    let sol = try prog.solve(options: ConvexSolverOptions(tolerance: 1e-10))
    print(sol.report)
    expectClose(sol.report.objective, 0.136560278197, relative: 1e-8)
  }
}
