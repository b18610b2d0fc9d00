import Foundation
import Testing
@testable import ZeroGap

/// The parallel deep linear network under R3 (the t-form of MATH.md §2), built and trained.
struct ParallelLinearTFormTests {
  static func train(_ obj: ParallelLinearTFormObjective, seed: UInt64 = 1) -> (value: Double, parameters: [Double]) {
    var t = TwoPhaseTrainer(adamLearningRate: 0.01, adamIterations: 1500, restarts: 4)
    t.lbfgsPolish = LBFGS(iterations: 5000, gradientTolerance: 1e-11)
    var g = SeededGenerator(seed: seed)
    let best = t.train(obj, using: &g).best
    return (best?.objective ?? .infinity, best?.parameters ?? [])
  }

  /// Min-norm: training reaches §2's t-form value (L/2)‖M‖_*^{2/L} — 3.7797631497 on X = I₂, Y = diag(3, 1) at L = 3
  /// (MATH.md's number), and 4 at L = 4 — which is D_lin of the standard network; the network interpolates Y, its
  /// inner layers have norm t = ‖M‖_*^{1/L}, its R1 is the convex value ‖M‖_* = 4 and the penalty of its last two
  /// layers is P_prl(t) = t^{−(L−2)}‖M‖_*.
  @Test(arguments: [(3, 3.7797631497), (4, 4.0)]) func minimumNormReachesTheStandardDual(_ depth: Int, _ expected: Double) throws {
    let x = Matrix.identity(2), y = Matrix([[3, 0], [0, 1]])
    let obj = try ParallelLinearTFormObjective(x: x, y: y, depth: depth, hiddenWidths: Array(repeating: 2, count: depth - 2), branches: 2, beta: nil)
    let (value, theta) = Self.train(obj)
    expectClose(value, expected, relative: 1e-7)
    // D_lin's closed form (§1.3) from the singular values (3, 1).
    expectClose(value, Double(depth) / 2 * Foundation.pow(4, 2 / Double(depth)), relative: 1e-7)
    let net = try #require(obj.network(theta))
    #expect((net.predict(x) - y).frobeniusNorm <= 1e-6)
    let t = Foundation.exp(theta[0])
    expectClose(t, Foundation.pow(4, 1 / Double(depth)), relative: 1e-5)
    for branch in net.branches { for w in branch.prefix(depth - 2) { expectClose(w.frobeniusNorm, t, relative: 1e-12) } }
    expectClose(net.penalty(.r1, beta: 1), 4, relative: 1e-5)
    let lastTwo = net.branches.reduce(0) { $0 + 0.5 * ($1[depth - 2].dot($1[depth - 2]) + $1[depth - 1].dot($1[depth - 1])) }
    expectClose(lastTwo, 4 * Foundation.pow(t, -Double(depth - 2)), relative: 1e-5)
  }

  /// Regularised: training reaches min_t [β(L−2)t²/2 + P_reg(β t^{−(L−2)})], with P_reg(λ) = min ½‖XW−Y‖² + λ‖W‖_*
  /// from the convex parallel program (§2) and t by golden section — an independent computation.
  @Test func regularisedMatchesTheConvexProgramOverT() throws {
    let x = Matrix([[1, 0], [0, 1], [1, 1], [1, -1]]), y = Matrix([[2, 0], [0, 1], [2, 1], [1, 0]])
    let beta = 0.3, depth = 3
    let obj = try ParallelLinearTFormObjective(x: x, y: y, depth: depth, hiddenWidths: [2], branches: 2, beta: beta)
    let (value, _) = Self.train(obj)
    let data = try DeepLinearData(x: x, y: y)
    func preg(_ lambda: Double) throws -> Double { try ParallelDeepLinearProgram(data: data, depth: 2, beta: lambda).solve().primal }
    let best = DeepLinearPropertyTests.minimise(lower: -6, upper: 6) { s in
      let t = Foundation.exp(s)
      return beta * Double(depth - 2) * t * t / 2 + ((try? preg(beta * Foundation.pow(t, -Double(depth - 2)))) ?? .infinity)
    }
    expectClose(value, best, relative: 1e-6)
  }

  /// The gradient against central differences (θ random, both modes).
  @Test func gradientMatchesFiniteDifferences() throws {
    let x = Matrix([[1, 0.5], [0, 1], [1, 1]]), y = Matrix([[1, 0], [0, 2], [1, 1]])
    for beta in [nil, 0.4] as [Double?] {
      let obj = try ParallelLinearTFormObjective(x: x, y: y, depth: 4, hiddenWidths: [2, 2], branches: 2, beta: beta)
      var g = SeededGenerator(seed: 3)
      let theta = obj.initialParameters(using: &g)
      var grad = [Double](repeating: 0, count: obj.parameterCount)
      _ = obj.valueAndGradient(theta, gradient: &grad)
      for k in 0..<theta.count {
        var p = theta, m = theta
        let h = 1e-6
        p[k] += h
        m[k] -= h
        let fd = (obj.value(p) - obj.value(m)) / (2 * h)
        #expect(abs(fd - grad[k]) <= 1e-5 * max(1, abs(fd)), "θ[\(k)]: \(grad[k]) vs \(fd) (β \(String(describing: beta)))")
      }
    }
  }
}
