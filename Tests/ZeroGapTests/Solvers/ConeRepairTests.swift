import Foundation
import Testing
@testable import ZeroGap

/// `ConeRepair` (the repair of C-ReLU candidates that leave their cones, MATH.md §3.3) and the report invariant
/// every solve ends with (`ConvexSolverReport.enforceCertificate`).
@Suite struct ConeRepairTests {
  @Test(arguments: [UInt64(1), 2, 3])
  func repairedBlocksAreFeasibleAndNoFartherThanAGateShift(seed: UInt64) throws {
    var gen = SeededGenerator(seed: seed)
    let n = 40, d = 5
    let x = gen.normalMatrix(rows: n, columns: d)
    let patterns = try ActivationPatterns.sample(data: x, count: 12, using: &gen)
    let masks = patterns.masks
    let repair = ConeRepair(x: x, masks: masks, gates: patterns.gates)
    // Blocks: a feasible one (a multiple of its gate) in column 0, arbitrary ones elsewhere.
    var u = gen.normalMatrix(rows: d, columns: patterns.count)
    u.setColumn(0, patterns.gates.column(0).map { 2 * $0 })
    var xu = Matrix.product(x, u)
    #expect(!ConeRepair.isFeasible(xu: xu, masks: masks))
    let original = u
    let (repaired, dropped) = repair.repair(&u, xu: &xu)
    #expect(repaired + dropped >= 1)
    // Independent check of feasibility on a fresh product, and that xu was kept consistent.
    let fresh = Matrix.product(x, u)
    #expect(ConeRepair.relativeViolation(xu: fresh, masks: masks) <= 1e-10)
    expectClose(fresh, xu, relative: 1e-12)
    #expect(u.column(0) == original.column(0), "a feasible block is left as it is")
    // The projection moves a block no farther than shifting it along its gate alone (another feasible point).
    for b in 1..<patterns.count where u.column(b) != original.column(b) {
      let g = patterns.gates.column(b), xg = x.multiply(g), xo = x.multiply(original.column(b))
      var t = 0.0
      for j in 0..<n {
        let s = 2 * masks[j, b] - 1
        if -s * xo[j] > 0 && s * xg[j] > 0 { t = max(t, -s * xo[j] / (s * xg[j])) }
      }
      let shifted = zip(original.column(b), g).map { $0 + t * $1 }
      let moved = zip(u.column(b), original.column(b)).map { $0 - $1 }.norm2
      let shiftMoved = zip(shifted, original.column(b)).map { $0 - $1 }.norm2
      #expect(moved <= shiftMoved * (1 + 1e-9) + 1e-12, "block \(b): projection moved \(moved), gate shift \(shiftMoved)")
    }
  }

  /// The allocation-free cone maximum (`ConeRepair.coneMaximum`, the certificates' exact block bounds, §3.5 way 1)
  /// equals the program's NNLS on a freshly built system (to rounding), for every block and two loss gradients, with the
  /// repair's projections run in between on the same buffers; and it bounds the cone maximum sampled over cone points.
  @Test func coneMaximaMatchAFreshSystem() throws {
    var gen = SeededGenerator(seed: 31)
    let n = 30, d = 4
    let x = gen.normalMatrix(rows: n, columns: d)
    let patterns = try ActivationPatterns.sample(data: x, count: 10, using: &gen)
    let layout = BlockLayout(patternCount: patterns.count, model: .relu)
    let masks = layout.perBlock(patterns.masks)
    let cones = ConeRepair(x: x, masks: masks, gates: layout.perBlock(patterns.gates))
    let blocks = ReLUBlockProgram(
      x: x, targets: gen.normalVector(n), masks: masks, signs: layout.signs, beta: 0.1, loss: SolverLoss(.squared), cones: nil)
    for _ in 0..<2 {
      let g = gen.normalVector(n)
      for b in 0..<layout.blockCount {
        let bound = cones.coneMaximum(block: b, sign: blocks.signs[b], lossGradient: g)
        // The same NNLS; only the norm's and Xᵀ(D∇ℓ)'s rounding differ.
        let reference = blocks.coneMaximum(block: b, lossGrad: g).residualNorm
        #expect(abs(bound - reference) <= 1e-13 * reference)
        // Sampled cone points u (multiples of the gate plus small moves kept when feasible): σ vᵀD X u ≤ bound.
        let gate = patterns.gates.column(layout.pattern(ofBlock: b))
        for _ in 0..<20 {
          var u = zip(gate, gen.normalVector(d)).map { $0 + 0.3 * $1 }
          let xu = x.multiply(u)
          guard (0..<n).allSatisfy({ (2 * blocks.masks[$0, b] - 1) * xu[$0] >= 0 }) else { continue }
          let norm = u.norm2
          u = u.map { $0 / norm }
          var value = 0.0
          for j in 0..<n { value += -g[j] * blocks.masks[j, b] * xu[j] / norm }
          #expect(blocks.signs[b] * value <= bound * (1 + 1e-12) + 1e-12)
        }
      }
      var u = gen.normalMatrix(rows: d, columns: layout.blockCount)
      var xu = Matrix.product(x, u)
      cones.repair(&u, xu: &xu)
    }
  }

  @Test func reportInvariant() {
    func report(_ stop: StopReason, _ ub: Double, _ lb: Double) -> ConvexSolverReport {
      ConvexSolverReport(iterations: 1, outerIterations: 0, seconds: 0, stopReason: stop, objective: ub, lowerBound: lb, constraintViolation: 0)
    }
    // A bound above the objective by rounding is lowered to it; converged stays.
    var r = report(.converged, 10, 10 + 1e-12)
    r.enforceCertificate(tolerance: 1e-6)
    #expect(r.lowerBound == 10 && r.stopReason == .converged)
    // Beyond rounding: the trivial bound 0, not converged.
    r = report(.converged, 10, 10.5)
    r.enforceCertificate(tolerance: 1e-6)
    #expect(r.lowerBound == 0 && r.stopReason == .stalled)
    // Converged only within the tolerance.
    r = report(.converged, 10, 9)
    r.enforceCertificate(tolerance: 1e-6)
    #expect(r.stopReason == .stalled && r.lowerBound == 9)
    r = report(.converged, 10, 10 - 1e-6)
    r.enforceCertificate(tolerance: 1e-6)
    #expect(r.stopReason == .converged && r.isCertified(tolerance: 1e-6))
    // Non-finite objective: diverged, never certified.
    r = report(.converged, .infinity, 1)
    r.enforceCertificate(tolerance: 1e-6)
    #expect(r.stopReason == .diverged && !r.isCertified(tolerance: 1e-6))
  }

  @Test func nonFiniteFitsAreNotSaved() throws {
    var gen = SeededGenerator(seed: 5)
    let x = gen.normalMatrix(rows: 20, columns: 2), y = gen.normalVector(20)
    var est = ConvexReLUEstimator(configuration: .init(patterns: .sampled(count: 5, seed: 1)))
    try est.fit(data: x, targets: y)
    est.fitted?.report.objective = .infinity
    let path = try scratchDirectory().appendingPathComponent("m.json").path
    #expect(throws: ConvexReLUError.self) { try est.save(to: path) }
    #expect(!FileManager.default.fileExists(atPath: path))
  }
}
