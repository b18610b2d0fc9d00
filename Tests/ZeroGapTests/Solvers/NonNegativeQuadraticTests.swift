import Testing
@testable import ZeroGap

/// The Gram-form non-negative QP (the column-generation master, MATH.md §3.3 in atom form): against Lawson–Hanson
/// NNLS on the same problem written with E (G = EᵀE, h = Eᵀf — a different code path), the KKT conditions, and warm
/// starts from arbitrary index lists reaching the same minimiser.
@Suite struct NonNegativeQuadraticTests {
  @Test(arguments: [(12, 6, UInt64(1)), (30, 15, 2), (10, 10, 3)])
  func matchesNNLSAndKKT(m: Int, k: Int, seed: UInt64) {
    var gen = SeededGenerator(seed: seed)
    let e = gen.normalMatrix(rows: m, columns: k)
    for trial in 0..<4 {
      let f = gen.normalVector(m).map { $0 * Double(trial + 1) }
      let g = e.gram()
      let h = e.multiply(f, trans: .transpose)
      let qp = NonNegativeQuadratic(gram: g, linear: h)
      #expect(qp.converged)
      #expect(qp.solution.allSatisfy { $0 >= 0 })
      let nnls = NonNegativeLeastSquares(e, f)
      var r = e.multiply(qp.solution)
      for i in 0..<m { r[i] -= f[i] }
      #expect(abs(r.norm2 - nnls.residualNorm) <= 1e-9 * (1 + f.norm2))
      // KKT: w = h − Gc ≤ 0, complementary slackness.
      let gc = g.multiply(qp.solution)
      let scale = 1 + h.map { abs($0) }.max()!
      for j in 0..<k {
        let w = h[j] - gc[j]
        #expect(w <= 1e-9 * scale)
        #expect(abs(qp.solution[j] * w) <= 1e-9 * scale * (1 + qp.solution[j]))
      }
      // Warm starts (the true support, everything, a random half) give the same minimiser.
      let support = (0..<k).filter { qp.solution[$0] > 0 }
      let half = (0..<k).filter { _ in gen.nextUniform() < 0.5 }
      for start in [support, Array(0..<k), half] {
        let warm = NonNegativeQuadratic(gram: g, linear: h, start: start)
        #expect(warm.converged)
        for j in 0..<k { #expect(abs(warm.solution[j] - qp.solution[j]) <= 1e-8 * (1 + abs(qp.solution[j]))) }
      }
    }
  }

  /// The non-negative lasso: min_{c≥0} ½‖Ac − y‖² + β Σc with β ≥ max(Aᵀy) has c* = 0; with a large A-orthogonal
  /// design it is the closed form c_j = max(0, a_jᵀy − β)/‖a_j‖².
  @Test func nonNegativeLassoClosedForms() {
    let a = Matrix.diagonal([2, 1, 3])
    let y = [1.0, -2, 4]
    let g = a.gram()
    let aty = a.multiply(y, trans: .transpose)
    let beta = 0.5
    let qp = NonNegativeQuadratic(gram: g, linear: aty.map { $0 - beta })
    let expected = [(2.0 - 0.5) / 4, 0, (12.0 - 0.5) / 9]
    for j in 0..<3 { #expect(abs(qp.solution[j] - expected[j]) <= 1e-12) }
    let zero = NonNegativeQuadratic(gram: g, linear: aty.map { $0 - 13 })
    #expect(zero.solution.allSatisfy { $0 == 0 })
  }
}
