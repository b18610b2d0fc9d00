import RealModule
import Testing
@testable import ZeroGap

@Suite("Min-norm first layer (reduced min-norm training)")
struct MinimumNormFirstLayerTests {
  /// Low-rank data where rank X⁺Y = 2 < rank X = 4 < d = 5 (X rank-deficient, Y rank-deficient).
  static func lowRankData(seed: UInt64) throws -> DeepLinearData {
    var g = SeededGenerator(seed: seed)
    let x = Matrix.product(g.normalMatrix(rows: 9, columns: 4), g.normalMatrix(rows: 4, columns: 5))
    let y = Matrix.product(x, Matrix.product(g.normalMatrix(rows: 5, columns: 2), g.normalMatrix(rows: 2, columns: 3)))
    return try DeepLinearData(x: x, y: y)
  }

  @Test func reductionBasesAndTarget() throws {
    let data = try Self.lowRankData(seed: 1)
    let red = try MinimumNormReduction(data: data)
    #expect(data.rankX == 4 && red.rank == 2)
    expectClose(red.inputBasis.gram(.transpose), .identity(4), relative: 1e-12)
    expectClose(red.outputBasis.gram(.transpose), .identity(2), relative: 1e-12)
    // V_x M̃ V_yᵀ reconstructs M = X⁺Y (M lies in range(Xᵀ) × rowspace(Y)).
    let back = Matrix.product(Matrix.product(red.inputBasis, red.target), red.outputBasis, transB: .transpose)
    expectClose(back, data.m, relative: 1e-10)
  }

  @Test func gradientsAgainstFiniteDifferences() throws {
    let data = try Self.lowRankData(seed: 2)
    let red = try MinimumNormReduction(data: data)
    for L in 2...5 {
      for (arch, reg) in [(NetworkArchitecture.standard, ParallelRegularizer.weightDecay), (.parallel, .r2), (.parallel, .weightDecay)] {
        let obj = try MinimumNormFirstLayerObjective(reduction: red, architecture: arch, depth: L, regularizer: reg, initScale: 1.2)
        expectGradientMatches(obj, seed: UInt64(10 + L), "\(arch) \(reg) L=\(L)")
      }
    }
  }

  /// The objective equals the penalty of the lifted network in the original coordinates (computed by the
  /// network types), and that network interpolates Y: every value is an attained feasible value.
  @Test func valueIsThatOfAnInterpolatingNetwork() throws {
    let data = try Self.lowRankData(seed: 3)
    let red = try MinimumNormReduction(data: data)
    var g = SeededGenerator(seed: 4)
    for L in 2...5 {
      let std = try MinimumNormFirstLayerObjective(reduction: red, architecture: .standard, depth: L)
      let theta = std.initialParameters(using: &g)
      let net = try #require(std.standardNetwork(theta))
      #expect(net.layers[0].rows == 5 && net.layers[L - 1].columns == 3)
      expectClose(std.value(theta), net.weightDecay, relative: 1e-10)
      #expect(std.residual(theta, data: data) <= 1e-8 * data.y.frobeniusNorm)
      let par = try MinimumNormFirstLayerObjective(reduction: red, architecture: .parallel, depth: L, regularizer: .r2)
      let tp = par.initialParameters(using: &g)
      let pnet = try #require(par.parallelNetwork(tp))
      #expect(pnet.branchCount == 2 && pnet.depth == L)
      expectClose(par.value(tp), pnet.penalty(.r2, beta: 1), relative: 1e-10)
      #expect(par.residual(tp, data: data) <= 1e-8 * data.y.frobeniusNorm)
    }
  }

  @Test func singularProductIsInfinite() throws {
    let data = try Self.lowRankData(seed: 5)
    let red = try MinimumNormReduction(data: data)
    let obj = try MinimumNormFirstLayerObjective(reduction: red, architecture: .standard, depth: 3)
    #expect(obj.value([Double](repeating: 0, count: obj.parameterCount)) == .infinity)
    #expect(throws: DeepLinearError.self) { try MinimumNormFirstLayerObjective(reduction: red, architecture: .standard, depth: 1) }
    #expect(throws: DeepLinearError.self) {
      try MinimumNormFirstLayerObjective(reduction: red, architecture: .parallel, depth: 3, regularizer: .r1)
    }
  }

  /// rank X⁺Y < rank X (here 2 < 4): the old min-norm *last* layer could not reach the optimum; the
  /// reduced objective reaches the closed forms P_lin (MATH.md §1.2) and ‖X⁺Y‖_* (§2) for L = 2…6.
  @Test func lowRankReachesClosedForms() throws {
    let data = try Self.lowRankData(seed: 6)
    var g = SeededGenerator(seed: 7)
    for L in 2...6 {
      let pLin = try StandardDeepLinearMinimumNorm(data: data, depth: L).primal
      let pPrl = data.nuclearNorm
      for (arch, p) in [(NetworkArchitecture.standard, pLin), (.parallel, pPrl)] {
        let out = try DeepLinearTraining(data: data, depth: L, architecture: arch, beta: nil, restarts: 3).train(using: &g)
        let best = try #require(out.best)
        #expect(abs(best - p) <= 1e-7 * p && best >= p - 1e-9 * p, "\(arch) L=\(L): \(best) vs \(p)")
        #expect(out.converged)
        #expect((out.interpolationResidual ?? 1) <= 1e-8 * data.y.frobeniusNorm)
      }
    }
  }
}
