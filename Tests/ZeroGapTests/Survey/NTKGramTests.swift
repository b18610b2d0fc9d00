import RealModule
import Testing
@testable import ZeroGap

/// MATH.md §7 and §10.13: H^∞ and λ₀ on inputs at 0°, 60°, 90°; K^(1) and λ_min(K^(H)) for both variants; the
/// Monte-Carlo Gram at initialisation; the GD loss under the predicted bound.
@Suite struct NTKGramTests {
  static let unit: Matrix = {
    let angles = [0.0, 60, 90].map { $0 * Double.pi / 180 }
    return Matrix(angles.map { [Double.cos($0), Double.sin($0)] })
  }()

  @Test func twoLayerGramMatchesMATH() throws {
    let h = NTKGram.twoLayer(Self.unit)
    let expected = [[0.5, 0.1666666667, 0], [0.1666666667, 0.5, 0.3608439182], [0, 0.3608439182, 0.5]]
    for i in 0..<3 { for j in 0..<3 { #expect(abs(h[i, j] - expected[i][j]) <= 1e-9) } }
    let eig = try NTKGram.eigenvalues(h)
    #expect(abs(eig[0] - 0.1025253327) <= 1e-9 && abs(eig[1] - 0.5) <= 1e-9 && abs(eig[2] - 0.8974746673) <= 1e-9)
    // H^∞ is half the consistent K^(1).
    let k1 = try NTKGram.deep(Self.unit, depth: 1)
    for i in 0..<3 { for j in 0..<3 { #expect(abs(k1[i, j] - 2 * h[i, j]) <= 1e-14) } }
  }

  @Test func deepGramMatchesMATH() throws {
    // The hidden K^(1) = κ₁(K^(0)).
    let hidden = [[1, 0.6089977810, 0.3183098862], [0.6089977810, 1, 0.8808427796], [0.3183098862, 0.8808427796, 1]]
    let k0 = Matrix.product(Self.unit, Self.unit, transB: .transpose)
    for i in 0..<3 { for j in 0..<3 where i != j { #expect(abs(NTKGram.kappa1(k0[i, j]) - hidden[i][j]) <= 1e-9) } }
    let k2 = try NTKGram.deep(Self.unit, depth: 2)
    #expect(abs(k2[0, 1] - 0.4314311857) <= 1e-9 && abs(k2[0, 2] - 0.1919775461) <= 1e-9 && abs(k2[1, 2] - 0.7425709923) <= 1e-9)
    let table: [(Int, Double, Double)] = [(2, 0.2139224859, 0.2207442818), (3, 0.2112729971, 0.2170939353)]
    for (depth, consistent, literal) in table {
      #expect(abs(try NTKGram.eigenvalues(try NTKGram.deep(Self.unit, depth: depth, variant: .consistent))[0] - consistent) <= 1e-9)
      #expect(abs(try NTKGram.eigenvalues(try NTKGram.deep(Self.unit, depth: depth, variant: .literal))[0] - literal) <= 1e-9)
    }
    #expect(throws: DualityGapError.self) { try NTKGram.deep(Self.unit, depth: 1, variant: .literal) }
  }

  /// m = 20 000: H(0) within 0.03 of H^∞ entrywise; y = (1, −1, 0.5), η = 1/λ_max(H^∞) = 1.1142375785: the loss stays
  /// under (1 − ηλ₀/2)^k L(0) for every k ≤ 2000 whose bound is above the loss's rounding floor (the loss stops at
  /// about 1e-32 near k = 800 while the bound keeps falling to 1e-51 at k = 2000).
  @Test func wideNetworkFollowsThePrediction() throws {
    let h = NTKGram.twoLayer(Self.unit)
    let eig = try NTKGram.eigenvalues(h)
    let eta = 1 / eig[2]
    #expect(abs(eta - 1.1142375785) <= 1e-9)
    let run = try NTKTraining.run(unit: Self.unit, targets: [1, -1, 0.5], width: 20_000, steps: 2000, learningRate: eta, lambda0: eig[0], seed: 1)
    for i in 0..<3 { for j in 0..<3 { #expect(abs(run.initialGram[i, j] - h[i, j]) <= 0.03) } }
    #expect(run.worstRatio <= 1)
    #expect(run.comparedSteps >= 800)
    #expect(run.loss[100] <= 1e-6 * run.loss[0])
  }

  @Test func zeroRowsAreRefused() {
    #expect(throws: DualityGapError.self) { try NTKGram.normalized(Matrix([[1, 0], [0, 0]])) }
  }

  /// The arc-cosine closed forms against numerical integration of the Gaussian expectations: for unit variances and
  /// correlation ρ, 2E[σ(u)σ(v)] = κ₁(ρ) and E[σ'(u)σ'(v)] = (π − arccos ρ)/(2π), by a midpoint rule on u, v ∈ [−9, 9]
  /// (v = ρu + √(1 − ρ²)t with u, t independent).
  @Test(arguments: [-0.9, -0.3, 0.0, 0.4, 0.95])
  func closedFormsAgainstQuadrature(rho: Double) {
    let steps = 1200, h = 18.0 / Double(steps), s = (1 - rho * rho).squareRoot()
    var relu = 0.0, step = 0.0
    for i in 0..<steps {
      let u = -9 + (Double(i) + 0.5) * h
      let pu = Double.exp(-u * u / 2) / (2 * Double.pi).squareRoot()
      for j in 0..<steps {
        let t = -9 + (Double(j) + 0.5) * h
        let weight = pu * Double.exp(-t * t / 2) / (2 * Double.pi).squareRoot() * h * h
        let v = rho * u + s * t
        relu += weight * Swift.max(0, u) * Swift.max(0, v)
        if u > 0 && v > 0 { step += weight }
      }
    }
    #expect(abs(2 * relu - NTKGram.kappa1(rho)) <= 1e-4)
    #expect(abs(step - NTKGram.kappa0(rho)) <= 2e-3)
  }
}
