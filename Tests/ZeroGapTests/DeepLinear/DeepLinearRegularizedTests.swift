import RealModule
import Testing
@testable import ZeroGap

/// MATH.md §1.5 and §10.4: the thresholding map, P_reg, D_reg and the low-rank effect.
@Suite("Deep linear regularised loss")
struct DeepLinearRegularizedTests {
  let data = try! DeepLinearData(x: .identity(3), y: Matrix.diagonal([5, 2.2, 0.8]))

  @Test func thresholds() {
    let expected = [1.0, 2.0, 2.3811015780, 2.6493511286]
    for (i, L) in (2...5).enumerated() {
      expectClose(DeepLinearShrinkage.aThreshold(beta: 1, depth: L), expected[i], relative: 1e-9)
    }
  }

  /// s*(a) against a brute-force scan of φ on a fine grid, away from the tie a = a_thr.
  @Test func shrinkAgainstBruteForce() {
    var g = SeededGenerator(seed: 5)
    for _ in 0..<60 {
      let L = 1 + Int(g.next() % 6)
      let beta = 0.1 + 2 * g.nextUniform()
      let a = 6 * g.nextUniform()
      if abs(a - DeepLinearShrinkage.aThreshold(beta: beta, depth: L)) < 1e-3 { continue }
      let s = DeepLinearShrinkage.shrink(a, beta: beta, depth: L)
      var bestS = 0.0, bestPhi = DeepLinearShrinkage.phi(0, a: a, beta: beta, depth: L)
      for i in 1...60000 {
        let t = a * Double(i) / 60000
        let v = DeepLinearShrinkage.phi(t, a: a, beta: beta, depth: L)
        if v < bestPhi { bestPhi = v; bestS = t }
      }
      #expect(abs(s - bestS) <= 2 * a / 60000 + 1e-12, "L=\(L) β=\(beta) a=\(a): \(s) vs \(bestS)")
      #expect(DeepLinearShrinkage.phi(s, a: a, beta: beta, depth: L) <= bestPhi + 1e-12)
    }
  }

  @Test func table15() throws {
    let sStar: [[Double]] = [[4, 1.2, 0], [4.3892405347, 1.2786738289, 0], [4.5301677113, 0, 0], [4.5997226533, 0, 0]]
    let pReg = [6.52, 6.7192033167, 7.1072093174, 7.4230229254]
    let ranks = [2, 2, 1, 1]
    for (i, L) in (2...5).enumerated() {
      let prob = try StandardDeepLinearRegularized(data: data, depth: L, beta: 1)
      let sol = try prob.primal()
      #expect(sol.closedForm)
      for j in 0..<3 { expectClose(sol.singularValues[j], sStar[i][j], relative: 1e-8, "s* L=\(L)") }
      expectClose(sol.value, pReg[i], relative: 1e-8, "P_reg L=\(L)")
      #expect(sol.rank == ranks[i])
      // the closed-form W* evaluated by the general end-to-end objective gives the same value
      expectClose(try prob.objective(sol.w), pReg[i], relative: 1e-10)
      // balanced weights attain it as a network
      let net = DeepLinearNetwork(layers: try prob.optimalWeights(of: sol, widths: Array(repeating: 3, count: L - 1)))
      let res = net.predict(data.x) - data.y
      expectClose(0.5 * res.dot(res) + net.weightDecay, pReg[i], relative: 1e-10)
    }
  }

  @Test func dualBound() throws {
    let expected: [Int: Double] = [2: 6.52, 3: 5.5972643380, 4: 5.4549150281]
    for (L, v) in expected {
      let prob = try StandardDeepLinearRegularized(data: data, depth: L, beta: 1)
      expectClose(try prob.dual().value, v, relative: 1e-8, "D_reg L=\(L)")
    }
  }

  /// General X: proximal gradient agrees with the orthonormal closed form when X has orthonormal
  /// columns (rotated), and D_reg ≤ P_reg for random X.
  @Test func proximalGradientMatchesClosedForm() throws {
    var g = SeededGenerator(seed: 3)
    let q = try QR(g.normalMatrix(rows: 6, columns: 3)).q
    let y = g.normalMatrix(rows: 6, columns: 2, scale: 2)
    let d = try DeepLinearData(x: q, y: y)
    for L in 2...4 {
      let prob = try StandardDeepLinearRegularized(data: d, depth: L, beta: 0.7)
      let closed = try prob.primal()
      #expect(closed.closedForm)
      let pg = try prob.proximalGradient(from: d.m)
      expectClose(pg.value, closed.value, relative: 1e-10, "L=\(L)")
    }
  }

  @Test func orthonormalRowsClosedForm() throws {
    var g = SeededGenerator(seed: 8)
    let q = try QR(g.normalMatrix(rows: 5, columns: 3)).q.transposed  // 3×5, XXᵀ = I
    let y = g.normalMatrix(rows: 3, columns: 2, scale: 2)
    let d = try DeepLinearData(x: q, y: y)
    for L in 2...4 {
      let prob = try StandardDeepLinearRegularized(data: d, depth: L, beta: 0.5)
      let closed = try prob.primal()
      #expect(closed.closedForm)
      expectClose(try prob.objective(closed.w), closed.value, relative: 1e-10)
      let pg = try prob.proximalGradient(from: d.m)
      #expect(pg.value >= closed.value - 1e-10)
      expectClose(pg.value, closed.value, relative: 1e-8)
    }
  }

  /// β = 0: least squares, P = D = (1/2)‖(I − XX⁺)Y‖².
  @Test func zeroBeta() throws {
    var g = SeededGenerator(seed: 31)
    let x = g.normalMatrix(rows: 7, columns: 3), y = g.normalMatrix(rows: 7, columns: 2)
    let d = try DeepLinearData(x: x, y: y)
    let q = try QR(x).q
    let res = y - Matrix.product(q, Matrix.product(q, y, transA: .transpose))
    for L in 1...4 {
      let prob = try StandardDeepLinearRegularized(data: d, depth: L, beta: 0)
      expectClose(try prob.primal().value, 0.5 * res.dot(res), relative: 1e-12)
      expectClose(try prob.dual().value, 0.5 * res.dot(res), relative: 1e-10)
    }
  }

  @Test func weakDualityRandom() throws {
    var g = SeededGenerator(seed: 21)
    for _ in 0..<6 {
      let n = 5 + Int(g.next() % 4), dd = 2 + Int(g.next() % 3), k = 2 + Int(g.next() % 2)
      let d = try DeepLinearData(x: g.normalMatrix(rows: n, columns: dd), y: g.normalMatrix(rows: n, columns: k, scale: 2))
      for L in 2...4 {
        let prob = try StandardDeepLinearRegularized(data: d, depth: L, beta: 0.3 + g.nextUniform())
        let p = try prob.primal(), dual = try prob.dual()
        #expect(dual.value <= p.value + 1e-9 * max(1, p.value), "L=\(L): D \(dual.value) > P \(p.value)")
        if L == 2 { expectClose(dual.value, p.value, relative: 1e-9) }
      }
    }
  }
}
