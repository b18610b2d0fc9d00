import Foundation
import Testing
@testable import ZeroGap

/// Lawson–Hanson NNLS (used for the exact cone maxima of the C-ReLU certificate, MATH.md §3.5): against brute-force
/// enumeration of every support on tiny problems, and the KKT conditions λ ≥ 0, w = Eᵀ(f − Eλ) ≤ 0, λ_j w_j = 0.
@Suite struct NonNegativeLeastSquaresTests {
  /// min over all supports S of the unconstrained least squares on S when its solution is ≥ 0 (exhaustive).
  static func bruteForce(_ e: Matrix, _ f: [Double]) -> Double {
    var best = f.norm2
    for mask in 1..<(1 << e.columns) {
      let idx = (0..<e.columns).filter { mask & (1 << $0) != 0 }
      guard let ls = try? LeastSquares(e.columns(idx), Matrix(column: f)) else { continue }
      let s = ls.solution.storage
      guard s.allSatisfy({ $0 >= 0 }) else { continue }
      var r = e.columns(idx).multiply(s)
      for i in 0..<f.count { r[i] -= f[i] }
      best = min(best, r.norm2)
    }
    return best
  }

  /// Tall (m > k, the Cholesky path), wide (m < k, as in the cone maxima E = XᵀS) and rank-deficient E.
  @Test(arguments: [(6, 4, UInt64(1)), (4, 7, 2), (5, 9, 3), (8, 8, 4)])
  func matchesBruteForceAndKKT(m: Int, k: Int, seed: UInt64) {
    var gen = SeededGenerator(seed: seed)
    var e = gen.normalMatrix(rows: m, columns: k)
    if seed == 4 { for i in 0..<m { e[i, 7] = e[i, 0] + e[i, 1] } }  // a dependent column
    for trial in 0..<5 {
      let f = gen.normalVector(m).map { $0 * Double(trial + 1) }
      let nnls = NonNegativeLeastSquares(e, f)
      #expect(nnls.converged)
      #expect(nnls.solution.allSatisfy { $0 >= 0 })
      var r = e.multiply(nnls.solution)
      for i in 0..<m { r[i] = f[i] - r[i] }
      #expect(abs(r.norm2 - nnls.residualNorm) <= 1e-12 * (1 + f.norm2))
      #expect(abs(nnls.residualNorm - Self.bruteForce(e, f)) <= 1e-9 * (1 + f.norm2))
      let w = e.multiply(r, trans: .transpose)
      let scale = e.frobeniusNorm * f.norm2
      for j in 0..<k {
        #expect(w[j] <= 1e-9 * scale)
        #expect(abs(nnls.solution[j] * w[j]) <= 1e-9 * scale * (1 + nnls.solution[j]))
      }
    }
  }

  /// One workspace reused across problems of different widths and right-hand sides gives what a fresh solve gives,
  /// bitwise: no state of an earlier solve leaks into the next.
  @Test func aReusedWorkspaceSolvesLikeAFreshOne() {
    var gen = SeededGenerator(seed: 21)
    let m = 5
    var work = NonNegativeLeastSquares.Workspace(rows: m)
    for (trial, k) in [9, 3, 30, 9, 1].enumerated() {
      let e = gen.normalMatrix(rows: m, columns: k)
      let f = gen.normalVector(m).map { $0 * Double(trial + 1) }
      let fresh = NonNegativeLeastSquares(e, f)
      let converged = e.withUnsafeBufferPointer { ep in f.withUnsafeBufferPointer { work.solve(ep, columns: k, f: $0) } }
      #expect(converged == fresh.converged)
      #expect(work.residualNorm() == fresh.residualNorm)
      var lam = [Double](repeating: 0, count: k)
      for (p, j) in work.set.passive.enumerated() { lam[j] = work.set.lambda[p] }
      #expect(lam == fresh.solution)
    }
  }

  /// An ill-conditioned passive set falls back to the minimum-norm solve and still meets the optimality conditions.
  @Test func illConditionedColumnsFallBackToGelsd() {
    let e = Matrix([[1, 1, 0], [1, 1 + 1e-9, 0], [0, 0, 1]])
    let f = [2.0, 2.0, 1.0]
    let nnls = NonNegativeLeastSquares(e, f)
    #expect(nnls.solution.allSatisfy { $0 >= 0 })
    #expect(nnls.residualNorm <= 1e-8)
  }

  /// Warm starts from any index list (the true support, every column, a random subset) reach the cold-start minimum.
  @Test(arguments: [(6, 4, UInt64(5)), (5, 30, 6)])
  func warmStartsReachTheSameMinimum(m: Int, k: Int, seed: UInt64) {
    var gen = SeededGenerator(seed: seed)
    let e = gen.normalMatrix(rows: m, columns: k)
    for _ in 0..<4 {
      let f = gen.normalVector(m)
      let cold = NonNegativeLeastSquares(e, f)
      let support = (0..<k).filter { cold.solution[$0] > 0 }
      let random = (0..<k).filter { _ in gen.nextUniform() < 0.3 }
      for start in [support, Array(0..<k), random] {
        let warm = NonNegativeLeastSquares(e, f, start: start)
        #expect(warm.converged)
        #expect(warm.solution.allSatisfy { $0 >= 0 })
        #expect(abs(warm.residualNorm - cold.residualNorm) <= 1e-9 * (1 + f.norm2))
      }
    }
  }

  /// The pricing use (MATH.md §3.5 way 1): E = XᵀS (d×n, wide), f drifting between calls, each warm-started from the
  /// previous support. Every solve converges, matches the cold minimum, and its maximiser Eλ* − f is a point of the
  /// cone {u : S X u ≥ 0} to rounding (what makes column generation's atoms cone points).
  @Test(arguments: [UInt64(11), 12, 13, 14])
  func warmStartedPricingSequencesConvergeToConePoints(seed: UInt64) {
    var gen = SeededGenerator(seed: seed)
    let n = 80, d = 6
    var x = gen.normalMatrix(rows: n, columns: d)
    for j in 0..<n {
      x[j, 0] = 1
      x[j, 1] = gen.nextUniform() < 0.5 ? -1 : 1  // a binary feature: many rows share hyperplanes
    }
    let gate = gen.normalVector(d)
    let xg = x.multiply(gate)
    var e = Matrix(rows: d, columns: n)
    for j in 0..<n {
      let s: Double = xg[j] >= 0 ? 1 : -1
      for i in 0..<d { e[i, j] = s * x[j, i] }
    }
    var v = gen.normalVector(n)
    var support: [Int] = []
    var checked = 0
    defer { #expect(checked >= 10) }
    for _ in 0..<40 {
      let noise = gen.normalVector(n)
      for j in 0..<n { v[j] = 0.8 * v[j] + 0.4 * noise[j] }
      let f = x.multiply((0..<n).map { xg[$0] >= 0 ? -v[$0] : 0 }, trans: .transpose)
      let warm = NonNegativeLeastSquares(e, f, start: support)
      let cold = NonNegativeLeastSquares(e, f)
      support = (0..<n).filter { warm.solution[$0] > 0 }
      #expect(warm.converged && cold.converged)
      #expect(abs(warm.residualNorm - cold.residualNorm) <= 1e-9 * (1 + f.norm2))
      var u = e.multiply(warm.solution)
      for i in 0..<d { u[i] -= f[i] }
      let xu = x.multiply(u)
      let scale = xu.map { abs($0) }.max() ?? 0
      // (A zero maximum, f in the polar cone, leaves u at rounding noise: nothing to check.)
      if u.norm2 > 1e-8 * f.norm2 { checked += 1 } else { continue }
      for j in 0..<n { #expect((xg[j] >= 0 ? 1 : -1) * xu[j] >= -1e-12 * scale) }
    }
  }

  /// A pricing system of the embedded diabetes fit (β = 5, round 3 of column generation: E = XᵀS, 11×442) whose
  /// warm start from the previous support stalled on this machine: the ratio step left its blocking coordinate a
  /// hair above 0, nothing left the passive set, and the method stopped unconverged with a maximiser 21 % outside
  /// its cone (the fit then stalled at a 5·10⁻⁴ gap). The blocking coordinate now leaves exactly.
  @Test func warmStartThatStalledOnDiabetesConverges() throws {
    let url = try #require(Bundle.module.url(forResource: "system", withExtension: "json", subdirectory: "Fixtures/cases/nnls-warm-start"))
    let json = try JSON.parse(try String(contentsOf: url, encoding: .utf8))
    let rows = try #require(json["rows"]?.doubleValue), columns = try #require(json["columns"]?.doubleValue)
    let e = Matrix(rows: Int(rows), columns: Int(columns), columnMajor: try #require(json["e"]?.arrayValue).compactMap(\.doubleValue))
    let f = try #require(json["f"]?.arrayValue).compactMap(\.doubleValue)
    let start = try #require(json["start"]?.arrayValue).compactMap(\.doubleValue).map { Int($0) }
    let warm = NonNegativeLeastSquares(e, f, start: start)
    let cold = NonNegativeLeastSquares(e, f)
    #expect(warm.converged && cold.converged)
    #expect(abs(warm.residualNorm - cold.residualNorm) <= 1e-9 * (1 + f.norm2))
    // The maximiser Eλ* − f is in the cone: Eᵀ(Eλ* − f) ≥ 0 to rounding.
    var u = e.multiply(warm.solution)
    for i in 0..<u.count { u[i] -= f[i] }
    let su = e.multiply(u, trans: .transpose)
    let scale = su.map { abs($0) }.max() ?? 0
    #expect(su.allSatisfy { $0 >= -1e-12 * scale })
  }
}
