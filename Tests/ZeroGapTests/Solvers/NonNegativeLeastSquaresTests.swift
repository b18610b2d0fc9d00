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
}
