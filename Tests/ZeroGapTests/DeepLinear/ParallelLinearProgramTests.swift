import Foundation
import RealModule
import Testing
@testable import ZeroGap

/// MATH.md §2 numbers and the nuclear-norm program.
@Suite("Parallel deep linear program")
struct ParallelLinearProgramTests {
  @Test func minNormDiag31() throws {
    let data = try DeepLinearData(x: .identity(2), y: Matrix([[3, 0], [0, 1]]))
    for L in 2...5 {
      let prog = try ParallelDeepLinearProgram(data: data, depth: L, beta: nil)
      let sol = try prog.solve()
      expectClose(sol.primal, 4, relative: 1e-12)
      expectClose(sol.dual, 4, relative: 1e-12)
      let net = try ParallelDeepLinearProgram.recoverNetwork(from: sol.w, depth: L)
      #expect(net.branchCount == 2)
      expectClose(net.penalty(.r1, beta: 1), 4, relative: 1e-12)
      expectClose(net.penalty(.r2, beta: 1), 4, relative: 1e-12)
      expectClose(net.predict(data.x), data.y, relative: 1e-12)
    }
    expectClose(try ParallelDeepLinearProgram(data: data, depth: 3, beta: nil).tFormValue, 3.7797631497, relative: 1e-8)
  }

  @Test func regularisedDiag() throws {
    let data = try DeepLinearData(x: .identity(3), y: Matrix.diagonal([5, 2.2, 0.8]))
    for L in [3, 4] {
      let sol = try ParallelDeepLinearProgram(data: data, depth: L, beta: 1).solve()
      #expect(sol.closedForm)
      expectClose(sol.primal, 6.52, relative: 1e-10)
      expectClose(sol.dual, 6.52, relative: 1e-10)
      let net = try ParallelDeepLinearProgram.recoverNetwork(from: sol.w, depth: L, branches: 3)
      let res = net.predict(data.x) - data.y
      expectClose(0.5 * res.dot(res) + net.penalty(.r2, beta: 1), 6.52, relative: 1e-10)
      expectClose(0.5 * res.dot(res) + net.penalty(.r1, beta: 1), 6.52, relative: 1e-10)
    }
  }

  /// FISTA on X = 2Q (not orthonormal, so no closed form) against the rescaled closed form
  /// W* = SVT(QᵀY/2, β/4), and its certified gap.
  @Test func fistaAgainstRescaledClosedForm() throws {
    var g = SeededGenerator(seed: 2)
    for _ in 0..<5 {
      let q = try QR(g.normalMatrix(rows: 7, columns: 4)).q
      let y = g.normalMatrix(rows: 7, columns: 3, scale: 2)
      let beta = 0.5 + g.nextUniform()
      let fista = try NuclearNormRegression(x: q * 2, y: y, lambda: beta)
      #expect(!fista.closedForm)
      #expect(fista.stopReason == .converged)
      let exact = try (Matrix.product(q, y, transA: .transpose) * 0.5).singularValueThreshold(beta / 4)
      expectClose(fista.w, exact, relative: 1e-6)
      let (p, _, _) = try NuclearNormRegression.evaluate(x: q * 2, y: y, w: exact, lambda: beta)
      expectClose(fista.primal, p, relative: 1e-10)
      #expect(fista.gap <= 1e-10 * max(1, p))
      #expect(try Matrix.product(q * 2, fista.certificate, transA: .transpose).spectralNorm() <= beta * (1 + 1e-12))
    }
  }

  @Test func tooFewBranches() throws {
    let w = Matrix.diagonal([3, 1])
    #expect(throws: DeepLinearError.self) { try ParallelDeepLinearProgram.recoverNetwork(from: w, depth: 3, branches: 1) }
    let net = try ParallelDeepLinearProgram.recoverNetwork(from: w, depth: 4, branches: 5, hiddenWidths: [3, 2])
    expectClose(net.endToEnd, w, relative: 1e-12)
    #expect(net.branchCount == 5)
  }
}

/// MATH.md §1.3, §2, §10.15: ≥ 200 random realizable instances.
@Suite("Deep linear duality properties")
struct DeepLinearPropertyTests {
  /// σ(M) by an independent route: √eig(MᵀM) (dsyevd instead of dgesdd).
  func eigenSingularValues(_ m: Matrix) throws -> [Double] {
    let ev = try SymmetricEigen(m.gram(.transpose), vectors: false).eigenvalues
    let s = ev.map { max($0, 0).squareRoot() }.sorted(by: >)
    let tol = 1e-7 * (s.first ?? 0)
    return s.map { $0 > tol ? $0 : 0 }
  }

  @Test func randomInstances() throws {
    var g = SeededGenerator(seed: 2024)
    var count = 0, zeroGaps = 0, positiveGaps = 0
    for _ in 0..<240 {
      let n = 2 + Int(g.next() % 7), d = 1 + Int(g.next() % 5), k = 1 + Int(g.next() % 4)
      let L = 2 + Int(g.next() % 5)
      var x = g.normalMatrix(rows: n, columns: d)
      if g.nextUniform() < 0.25 && d > 1 {  // rank-deficient X
        x = Matrix.product(g.normalMatrix(rows: n, columns: d - 1), g.normalMatrix(rows: d - 1, columns: d))
      }
      let r = 1 + Int(g.next() % UInt64(min(d, k)))
      let m0 = Matrix.product(g.normalMatrix(rows: d, columns: r), g.normalMatrix(rows: r, columns: k))
      let y = Matrix.product(x, m0)
      let data = try DeepLinearData(x: x, y: y)
      guard data.isRealizable() else { Issue.record("constructed Y not realizable"); continue }
      count += 1
      let std = try StandardDeepLinearMinimumNorm(data: data, depth: L)
      let p = std.primal, dv = std.dual
      #expect(dv <= p + 1e-12 * max(1, p))
      let sig = try eigenSingularValues(data.m)
      let rank = sig.filter { $0 > 0 }.count
      expectClose(p, Double(L) / 2 * sig.reduce(0) { $0 + ($1 > 0 ? Double.pow($1, 2 / Double(L)) : 0) }, relative: 1e-7)
      if L == 2 || rank <= 1 {
        #expect(abs(std.gap) <= 1e-9 * max(1, p), "gap \(std.gap) should vanish (L=\(L), rank \(rank))")
        zeroGaps += 1
      } else {
        #expect(std.gap > 1e-9 * max(1, p), "gap \(std.gap) should be positive (L=\(L), rank \(rank))")
        positiveGaps += 1
      }
      // balanced weights interpolate and attain P_lin
      let net = DeepLinearNetwork(layers: try std.optimalWeights())
      #expect((net.predict(x) - y).frobeniusNorm <= 1e-9 * max(1, y.frobeniusNorm))
      expectClose(net.weightDecay, p, relative: 1e-9)
      // parallel: P = D = ‖M‖_*, recovered branches reproduce Y and R1 = R2 = ‖M‖_*
      let par = try ParallelDeepLinearProgram(data: data, depth: L, beta: nil).solve()
      let nuclear = sig.reduce(0, +)
      expectClose(par.primal, nuclear, relative: 1e-7)
      expectClose(par.dual, par.primal, relative: 1e-9)
      #expect(try Matrix.product(x, par.certificate, transA: .transpose).spectralNorm() <= 1 + 1e-9)
      let pnet = try ParallelDeepLinearProgram.recoverNetwork(from: par.w, depth: L, rankTolerance: data.rankTolerance)
      #expect(pnet.branchCount == rank)
      #expect((pnet.predict(x) - y).frobeniusNorm <= 1e-9 * max(1, y.frobeniusNorm))
      expectClose(pnet.penalty(.r1, beta: 1), par.primal, relative: 1e-9)
      expectClose(pnet.penalty(.r2, beta: 1), par.primal, relative: 1e-9)
      // Parallel t-form (§2): min_t [(L−2)t²/2 + t^{−(L−2)}·P_prl], minimised numerically (golden section in log t,
      // a convex function of t > 0) from the solved program's value, equals D_lin's closed form (§1.3).
      let depthTerm = Double(L - 2)
      let tForm = Self.minimise(lower: -12, upper: 12) { s in
        let t = Foundation.exp(s)
        return depthTerm * t * t / 2 + Foundation.pow(t, -depthTerm) * par.primal
      }
      expectClose(tForm, dv, relative: 1e-7)
    }
    #expect(count >= 200)
    #expect(zeroGaps > 20 && positiveGaps > 20)
  }

  /// Golden-section minimum of a unimodal f on [lower, upper].
  static func minimise(lower: Double, upper: Double, _ f: (Double) -> Double) -> Double {
    let r = (5.0.squareRoot() - 1) / 2
    var a = lower, b = upper
    var c = b - r * (b - a), d = a + r * (b - a)
    for _ in 0..<200 {
      if f(c) < f(d) { b = d } else { a = c }
      c = b - r * (b - a)
      d = a + r * (b - a)
    }
    return f((a + b) / 2)
  }
}
