import RealModule
import Testing
@testable import ZeroGap

/// MATH.md §1.4 worked numbers and §10.1–10.3.
@Suite("Deep linear min-norm closed forms")
struct DeepLinearMinimumNormTests {
  let diag31 = try! DeepLinearData(x: .identity(2), y: Matrix([[3, 0], [0, 1]]))

  @Test func table14() throws {
    let expected: [(Int, Double, Double, Double)] = [
      (2, 4.0, 4.0, 0), (3, 4.6201257346, 3.7797631497, 0.8403625849),
      (4, 5.4641016151, 4.0, 1.4641016151), (5, 6.3796139348, 4.3527528165, 2.0268611183),
    ]
    for (L, p, d, g) in expected {
      let prob = try StandardDeepLinearMinimumNorm(data: diag31, depth: L)
      expectClose(prob.primal, p, relative: 1e-8, "P_lin L=\(L)")
      expectClose(prob.dual, d, relative: 1e-8, "D_lin L=\(L)")
      expectClose(prob.gap, g, relative: 1e-8, "gap L=\(L)")
    }
    // closed forms quoted in §1.4
    expectClose(try StandardDeepLinearMinimumNorm(data: diag31, depth: 3).primal, 1.5 * (Double.pow(3, 2.0 / 3) + 1), relative: 1e-14)
    expectClose(try StandardDeepLinearMinimumNorm(data: diag31, depth: 4).primal, 2 * (3.0.squareRoot() + 1), relative: 1e-14)
    #expect(try StandardDeepLinearMinimumNorm(data: diag31, depth: 3).gap > 0.84)
  }

  @Test func tForm() throws {
    let p3 = try StandardDeepLinearMinimumNorm(data: diag31, depth: 3)
    expectClose(p3.primal(t: 1), 5.4055987274, relative: 1e-8)
    expectClose(p3.dual(t: 1), 4, relative: 1e-12)
    expectClose(p3.optimalPrimalT, 1.7550167586, relative: 1e-8)
    expectClose(p3.primalTObjective(t: p3.optimalPrimalT), p3.primal, relative: 1e-12)
    expectClose(p3.dualTObjective(t: p3.optimalDualT), p3.dual, relative: 1e-12)
    // t* is a minimiser: a brute-force scan of t never goes below
    for i in 1...400 {
      let t = Double(i) * 0.01
      #expect(p3.primalTObjective(t: t) >= p3.primal - 1e-12)
      #expect(p3.dualTObjective(t: t) >= p3.dual - 1e-12)
    }
    let p4 = try StandardDeepLinearMinimumNorm(data: diag31, depth: 4)
    expectClose(p4.primal(t: 1), 7.4641016151, relative: 1e-8)
    // dual certificate: feasible and attains D(t)
    for t in [0.7, 1.0, 1.3] {
      let lam = try p4.dualCertificate(t: t)
      let c = try Matrix.product(diag31.x, lam, transA: .transpose).spectralNorm()
      expectClose(c, Double.pow(t, -2), relative: 1e-12)
      expectClose(lam.dot(diag31.y), p4.dual(t: t), relative: 1e-12)
    }
  }

  @Test func optimalWeightsL3() throws {
    let w = try StandardDeepLinearMinimumNorm(data: diag31, depth: 3).optimalWeights()
    // W1 = W2 = W3 = diag(3^{1/3}, 1) up to the signs of singular vector pairs
    for wl in w {
      expectClose(abs(wl[0, 0]), 1.4422495703, relative: 1e-9)
      expectClose(abs(wl[1, 1]), 1, relative: 1e-12)
      #expect(abs(wl[0, 1]) < 1e-14 && abs(wl[1, 0]) < 1e-14)
    }
  }

  @Test func generalAndWideX() throws {
    let x = Matrix([[1, 0], [0, 1], [1, 1]])
    let m0 = Matrix([[2, 0, 1], [1, 1, 0]])
    let data = try DeepLinearData(x: x, y: x * m0)
    expectClose(data.m, m0, relative: 1e-12)
    expectClose(data.singularValues[0], 6.0.squareRoot(), relative: 1e-12)
    expectClose(data.singularValues[1], 1, relative: 1e-12)
    let p: [Int: Double] = [2: 3.4494897428, 3: 4.2256808892, 4: 5.1301691601]
    for (L, v) in p { expectClose(try StandardDeepLinearMinimumNorm(data: data, depth: L).primal, v, relative: 1e-8) }
    expectClose(try StandardDeepLinearMinimumNorm(data: data, depth: 3).dual, 3.4244789237, relative: 1e-8)
    expectClose(try StandardDeepLinearMinimumNorm(data: data, depth: 4).dual, 3.7145604008, relative: 1e-8)
    // SOCP max tr(ΛᵀY) s.t. ‖XᵀΛ‖₂ ≤ 1 = 1+√6, attained by the certificate
    let lam = try ParallelDeepLinearProgram(data: data, depth: 2, beta: nil).solve()
    expectClose(lam.dual, 1 + 6.0.squareRoot(), relative: 1e-12)
    #expect(try Matrix.product(x, lam.certificate, transA: .transpose).spectralNorm() <= 1 + 1e-12)

    let wide = try DeepLinearData(x: Matrix([[1, 2, 0], [0, 1, 1]]), y: Matrix([[1, 0], [0, 2]]))
    expectClose(wide.singularValues[0], 1.8640841273, relative: 1e-9)
    expectClose(wide.singularValues[1], 0.4380148776, relative: 1e-9)
    let w3 = try StandardDeepLinearMinimumNorm(data: wide, depth: 3)
    expectClose(w3.primal, 3.1370997010, relative: 1e-8)
    expectClose(w3.dual, 2.6152141485, relative: 1e-8)
  }

  /// §10.3: balanced weights with random orthonormal embeddings interpolate and attain P_lin;
  /// rescalings with Πc_l = 1 strictly increase the norm.
  @Test func closedFormWeightsRandomEmbeddings() throws {
    var g = SeededGenerator(seed: 11)
    let x = Matrix([[1, 0], [0, 1], [1, 1]])
    let data = try DeepLinearData(x: x, y: x * Matrix([[2, 0, 1], [1, 1, 0]]))
    for L in 2...5 {
      let prob = try StandardDeepLinearMinimumNorm(data: data, depth: L)
      let widths = (0..<(L - 1)).map { _ in 2 + Int(g.next() % 3) }
      let emb = try widths.map { try QR(g.normalMatrix(rows: $0, columns: 2)).q }
      let ws = try prob.optimalWeights(widths: widths, embeddings: emb)
      let net = DeepLinearNetwork(layers: ws)
      #expect((net.predict(x) - data.y).frobeniusNorm < 1e-10)
      expectClose(net.weightDecay, prob.primal, relative: 1e-12)
      for _ in 0..<5 {
        var c = (0..<L).map { _ in Double.exp(0.3 * g.nextNormal()) }
        let prod = c.reduce(1, *)
        c[L - 1] /= prod
        let scaled = DeepLinearNetwork(layers: zip(ws, c).map { $0 * $1 })
        #expect((scaled.predict(x) - data.y).frobeniusNorm < 1e-10)
        #expect(scaled.weightDecay > prob.primal * (1 + 1e-6))
      }
    }
  }

  @Test func errors() throws {
    #expect(throws: DeepLinearError.rowMismatch(xRows: 2, yRows: 3)) {
      try DeepLinearData(x: .identity(2), y: Matrix(rows: 3, columns: 1, repeating: 1))
    }
    let data = try DeepLinearData(x: Matrix([[1], [1]]), y: Matrix([[1], [2]]))
    #expect(!data.isRealizable())
    let e = #expect(throws: DeepLinearError.self) { try StandardDeepLinearMinimumNorm(data: data, depth: 3) }
    #expect(e?.description.contains("--beta") == true)
    #expect(throws: DeepLinearError.invalidDepth(0, minimum: 1)) {
      try StandardDeepLinearMinimumNorm(data: diag31, depth: 0)
    }
    #expect(throws: DeepLinearError.invalidBeta(-1)) {
      try StandardDeepLinearRegularized(data: diag31, depth: 3, beta: -1)
    }
    var bad = Matrix.identity(2)
    bad[0, 1] = .nan
    #expect(throws: DeepLinearError.nonFinite(what: "X")) { try DeepLinearData(x: bad, y: .identity(2)) }
  }

  @Test func rankDeficientX() throws {
    // X has a repeated column: rank 1; Y realizable. X⁺ via tolerance, M the min-norm solution.
    let x = Matrix([[1, 1], [2, 2], [0, 0]])
    let y = Matrix([[2], [4], [0]])
    let data = try DeepLinearData(x: x, y: y)
    #expect(data.rankX == 1)
    #expect(data.isRealizable())
    expectClose(data.m, Matrix([[1], [1]]), relative: 1e-12)  // min-norm: (1,1), not (2,0)
    expectClose(try StandardDeepLinearMinimumNorm(data: data, depth: 3).primal, 1.5 * Double.pow(2.0.squareRoot(), 2.0 / 3), relative: 1e-12)
  }
}
