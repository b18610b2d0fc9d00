import Foundation
import Testing
@testable import ZeroGap

/// The exact ReLU dual norm c(v) (MATH.md §3.5 way 1) against `Fixtures/reference/dual-norm` (an independent
/// numpy/scipy enumeration: bench/reference_dual_norm.py).
struct ReLUDualNormTests {
  static let cases = ["d3-n60", "d4-n30", "d5-n20", "d5-n40", "d3-n40-bias", "d4-n24-posv", "d3-n30-residual", "d3-n12-dup"]

  static func load(_ name: String) throws -> (x: Matrix, v: [Double], c: Double) {
    let dir = "Fixtures/reference/dual-norm/\(name)"
    let e = try JSON.parse(try String(contentsOf: try #require(Bundle.module.url(forResource: "expected", withExtension: "json", subdirectory: dir)), encoding: .utf8))
    let x = try NPY.read(path: try #require(Bundle.module.url(forResource: "X", withExtension: "npy", subdirectory: dir)).path).matrix
    let v = try NPY.read(path: try #require(Bundle.module.url(forResource: "v", withExtension: "npy", subdirectory: dir)).path).matrix.storage
    return (x, v, try #require(e["c"]?.doubleValue))
  }

  /// Branch and bound (no enumeration) finds c(v) to 1e-9 and says so.
  @Test(arguments: cases) func branchAndBound(_ name: String) throws {
    let (x, v, c) = try Self.load(name)
    let r = ReLUDualNorm.branchAndBound(v, data: x, timeBudget: 120)
    #expect(r.isExact, "\(name): budget hit after \(r.regions) regions")
    #expect(abs(r.upperBound - c) <= 1e-9 * c, "\(name): \(r.upperBound) vs \(c)")
    #expect(r.best <= r.upperBound)
  }

  /// The maximum over enumerated cells equals c(v) (and is below the §3.5.2 bound max_i ‖XᵀD_i v‖).
  @Test(arguments: ["d3-n60", "d4-n30", "d5-n20", "d3-n40-bias", "d3-n12-dup"]) func overEnumeratedPatterns(_ name: String) throws {
    let (x, v, c) = try Self.load(name)
    let patterns = try ActivationPatterns.enumerate(data: x)
    let r = ReLUDualNorm.overPatterns(v, data: x, patterns: patterns)
    #expect(abs(r.upperBound - c) <= 1e-9 * c, "\(name): \(r.upperBound) vs \(c)")
    #expect(r.upperBound <= ReLUCertificate.dualNormBound(v, data: x, patterns: patterns) * (1 + 1e-12))
  }

  /// Cut short (open regions or time), the search still returns a valid upper bound (never below c(v)).
  @Test(arguments: ["d5-n40", "d4-n30", "d3-n12-dup"]) func budgetStaysValid(_ name: String) throws {
    let (x, v, c) = try Self.load(name)
    for regions in [0, 16, 256] {
      let r = ReLUDualNorm.branchAndBound(v, data: x, timeBudget: 120, maxRegions: regions)
      #expect(r.upperBound >= c * (1 - 1e-12), "\(name), \(regions) open regions: \(r.upperBound) < c = \(c)")
    }
    let none = ReLUDualNorm.branchAndBound(v, data: x, timeBudget: 0)
    #expect(none.upperBound >= c * (1 - 1e-12))
    if name == "d5-n40" { #expect(!none.isExact && none.upperBound > c * (1 + 1e-6)) }
  }

  /// A certificate from the exact c(v) is the §3.5 bound with c̄ = c(v): above the crude one, below the objective.
  @Test func certificateUsesExactDualNorm() throws {
    let (x, v, c) = try Self.load("d3-n30-residual")
    // A network whose residual is v: targets y = ŷ + v for the zero network (ŷ = 0).
    let zero = TwoLayerReLUNetwork(firstLayer: Matrix(rows: 3, columns: 1), outputWeights: Matrix(rows: 1, columns: 1))
    let beta = 0.5 * c
    let exact = try ReLUCertificate.certify(network: zero, data: x, targets: v, beta: beta, dualNormBudget: 60)
    let crude = try ReLUCertificate.certify(network: zero, data: x, targets: v, beta: beta)
    #expect(exact.dualNormMethod == "branch-and-bound" && exact.dualNormExact)
    expectClose(exact.dualNormBound, c, relative: 1e-9)
    // s = β/c = 1/2: LB = s vᵀy − s²‖v‖²/2 with y = v.
    let vv = v.reduce(0) { $0 + $1 * $1 }
    expectClose(exact.lowerBound, 0.5 * vv - 0.125 * vv, relative: 1e-9)
    #expect(crude.lowerBound < exact.lowerBound && exact.lowerBound <= exact.objective)
  }
}

/// Beyond the fixtures' dimensions: the bound stays above every value of vᵀ(Xu)₊ found by sampling and ascent, when
/// boxes are bounded per coordinate (d − 1 > 10) and where 2^{d−1} corners could not even be listed (d = 70).
struct ReLUDualNormHighDimensionTests {
  @Test(arguments: [12, 70]) func boundStaysAboveAttainedValues(_ d: Int) throws {
    var gen = SeededGenerator(seed: UInt64(d))
    let n = 40
    let x = gen.normalMatrix(rows: n, columns: d)
    let v = (0..<n).map { _ in gen.nextNormal() }
    let r = ReLUDualNorm.branchAndBound(v, data: x, timeBudget: 1)
    // Attained values: random directions, each improved by fixed-point ascent u ← ±XᵀD(u)v/‖·‖ (monotone on a cell).
    var attained = 0.0
    for _ in 0..<200 {
      var u = (0..<d).map { _ in gen.nextNormal() }
      for _ in 0..<50 {
        let nu = u.norm2
        u = u.map { $0 / nu }
        let xu = x.multiply(u)
        let value = zip(v, xu).reduce(0) { $0 + $1.0 * max(0, $1.1) }
        attained = max(attained, abs(value))
        var g = [Double](repeating: 0, count: d)
        for j in 0..<n where xu[j] >= 0 { for i in 0..<d { g[i] += v[j] * x[j, i] } }
        guard g.norm2 > 0 else { break }
        u = g.map { (value >= 0 ? 1 : -1) * $0 }
      }
    }
    #expect(r.upperBound >= attained, "d = \(d): bound \(r.upperBound) below an attained value \(attained)")
    // The certificate never uses more than the crude bound, and never less than what is attained.
    let crude = try x.spectralNorm() * v.norm2
    let cert = try ReLUCertificate.certify(
      network: TwoLayerReLUNetwork(firstLayer: Matrix(rows: d, columns: 1), outputWeights: Matrix(rows: 1, columns: 1)),
      data: x, targets: v, beta: 1, dualNormBudget: 1)
    #expect(cert.dualNormBound >= attained && cert.dualNormBound <= crude * (1 + 1e-12))
  }
}
