import RealModule
import Testing
@testable import ZeroGap

/// Rosenbrock f = (1 − a)² + 100(b − a²)², minimum 0 at (1, 1).
struct Rosenbrock: DifferentiableObjective {
  var parameterCount: Int { 2 }
  func valueAndGradient(_ p: [Double], gradient: inout [Double]) -> Double {
    let a = p[0], b = p[1]
    gradient[0] = -2 * (1 - a) - 400 * a * (b - a * a)
    gradient[1] = 200 * (b - a * a)
    return (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a)
  }
  func initialParameters(using generator: inout SeededGenerator) -> [Double] { [-1.2, 1] }
}

/// f = (1/2)(θ_0 + 2)² + 1/θ_0 + Σ_{i>0} (θ_i − c_i)²/2 for θ_0 > 0, +∞ otherwise: a barrier whose
/// quadratic part pulls θ_0 across 0, so a curvature-scaled step lands in +∞ and must be refused.
/// Minimiser θ_0³ + 2θ_0² − 1 = 0, θ_0 = (√5 − 1)/2; θ_i = c_i.
struct Barrier: DifferentiableObjective {
  let c: [Double]
  var parameterCount: Int { c.count + 1 }
  func valueAndGradient(_ p: [Double], gradient: inout [Double]) -> Double {
    guard p[0] > 0 else { return .infinity }
    var f = 0.5 * (p[0] + 2) * (p[0] + 2) + 1 / p[0]
    gradient[0] = p[0] + 2 - 1 / (p[0] * p[0])
    for i in c.indices {
      f += 0.5 * (p[i + 1] - c[i]) * (p[i + 1] - c[i])
      gradient[i + 1] = p[i + 1] - c[i]
    }
    return f
  }
  func initialParameters(using generator: inout SeededGenerator) -> [Double] { [3] + c.map { $0 + 1 } }
}

@Suite("L-BFGS")
struct LBFGSTests {
  @Test func rosenbrock() {
    var g = SeededGenerator(seed: 1)
    let f = Rosenbrock()
    let r = LBFGS(iterations: 500, gradientTolerance: 1e-12).run(f, from: f.initialParameters(using: &g))
    #expect(r.stopReason == .converged)
    #expect(abs(r.parameters[0] - 1) < 1e-8 && abs(r.parameters[1] - 1) < 1e-8, "\(r.parameters)")
    #expect(r.objective < 1e-16)
  }

  /// The line search refuses steps into +∞ and the run is monotone.
  @Test func barrierAndMonotonicity() {
    var g = SeededGenerator(seed: 1)
    let f = Barrier(c: [3, -2, 7])
    let start = f.initialParameters(using: &g)
    let r = LBFGS(iterations: 200, gradientTolerance: 1e-12).run(f, from: start)
    let t = (5.0.squareRoot() - 1) / 2
    #expect(r.stopReason == .converged)
    #expect(abs(r.parameters[0] - t) < 1e-9, "\(r.parameters)")
    #expect(abs(r.parameters[1] - 3) < 1e-9 && abs(r.parameters[3] - 7) < 1e-9)
    #expect(abs(r.objective - (0.5 * (t + 2) * (t + 2) + 1 / t)) < 1e-12)
    #expect(r.objective <= f.value(start))
  }

  @Test func nonFiniteStartIsDiverged() {
    let f = Barrier(c: [1])
    let r = LBFGS().run(f, from: [-1, 0])
    #expect(r.stopReason == .diverged)
    #expect(r.objective == .infinity)
  }

  /// A budget too small to converge reports `.maxIterations`, never `.converged`.
  @Test func budgetExhausted() {
    let f = Rosenbrock()
    let r = LBFGS(iterations: 3, gradientTolerance: 1e-12).run(f, from: [-1.2, 1])
    #expect(r.stopReason == .maxIterations)
    #expect(r.iterations == 3)
  }
}
