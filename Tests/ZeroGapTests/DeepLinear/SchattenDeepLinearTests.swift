import RealModule
import Testing
@testable import ZeroGap

/// MATH.md §5 and §10.11.
@Suite("Zhang Schatten-H deep linear")
struct SchattenDeepLinearTests {
  struct Case {
    var x: Matrix, y: Matrix, gamma: Double, h: Int, widths: [Int], value: Double, lambda: Matrix?
  }

  var cases: [Case] {
    let y = Matrix.diagonal([5, 3, 1])
    let xg = Matrix([[1, 0], [0, 1], [1, 1], [1, -1]]), yg = Matrix([[2, 0], [0, 1], [2, 1], [1, 0]])
    return [
      Case(x: .identity(3), y: y, gamma: 0.5, h: 3, widths: [3, 3], value: 4.125, lambda: Matrix.identity(3) * 0.5),
      Case(x: .identity(3), y: y, gamma: 0.5, h: 3, widths: [2, 3], value: 4.25, lambda: Matrix.diagonal([0.5, 0.5, 0])),
      Case(x: .identity(3), y: y, gamma: 2, h: 3, widths: [3, 3], value: 12.5, lambda: nil),
      Case(x: .identity(3), y: y, gamma: 2, h: 3, widths: [2, 3], value: 12.5, lambda: nil),
      Case(x: .identity(3), y: y, gamma: 4, h: 3, widths: [3, 3], value: 17, lambda: nil),
      Case(x: .identity(3), y: y, gamma: 4, h: 3, widths: [2, 3], value: 17, lambda: nil),
      Case(x: xg, y: yg, gamma: 0.3, h: 3, widths: [2, 2], value: 1.4557688986, lambda: nil),
    ]
  }

  @Test func closedFormsDualAndRecovery() throws {
    for c in cases {
      let p = try SchattenDeepLinear(x: c.x, y: c.y, depth: c.h, widths: c.widths, gamma: c.gamma)
      expectClose(p.closedFormValue, c.value, relative: 1e-8, "P γ=\(c.gamma) widths \(c.widths)")
      let dr = try p.douglasRachford(rho: 1, iterations: 3000)
      #expect(abs(dr.value - c.value) < 1e-9, "DR: \(dr.value) vs \(c.value)")
      // Λ feasible: ‖Λ‖₂ ≤ γ and columns in range(X)
      #expect(try dr.lambda.spectralNorm() <= c.gamma * (1 + 1e-12))
      let proj = try LeastSquares(c.x, dr.lambda).solution
      #expect((Matrix.product(c.x, proj) - dr.lambda).maxAbs < 1e-10)
      if let l = c.lambda { expectClose(dr.lambda, l, relative: 1e-8) }
      // recovered weights attain P
      let w = try p.recoverWeights(from: dr.lambda)
      for (l, wl) in w.enumerated() {
        let rows = l == 0 ? c.x.columns : c.widths[l - 1], cols = l == c.h - 1 ? c.y.columns : c.widths[l]
        #expect(wl.rows == rows && wl.columns == cols)
      }
      expectClose(try p.primalObjective(w), c.value, relative: 1e-8, "recovered weights")
    }
    let sg = try SchattenDeepLinear(x: cases[6].x, y: cases[6].y, depth: 3, widths: [2, 2], gamma: 0.3)
    expectClose(sg.projectedSingularValues[0], 3.0615589419, relative: 1e-9)
    expectClose(sg.projectedSingularValues[1], 0.9798929424, relative: 1e-9)
    #expect(sg.gammaConditionHolds)
    #expect(try !SchattenDeepLinear(x: .identity(3), y: .diagonal([5, 3, 1]), depth: 3, widths: [3, 3], gamma: 2).gammaConditionHolds)
  }

  /// The vector Ky-Fan prox against a brute-force maximisation of its dual
  /// `max_{w∈[0,1]ⁿ, Σw = r} Σ (b_i²/2)·ρw_i/(1+ρw_i)` (minimax: x_i = b_i/(1+ρw_i)).
  @Test func kyFanProxBruteForce() {
    var g = SeededGenerator(seed: 12)
    for _ in 0..<8 {
      let b = (0..<3).map { _ in 0.1 + 3 * g.nextUniform() }
      let rho = 0.3 + 2 * g.nextUniform()
      for r in 1...2 {
        let x = SchattenDeepLinear.kyFanProx(b, rho: rho, r: r)
        func primal(_ x: [Double]) -> Double {
          let sq = x.map { $0 * $0 }.sorted(by: >)
          return rho / 2 * sq.prefix(r).reduce(0, +) + zip(x, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) / 2 }
        }
        func dual(_ w: [Double]) -> Double { zip(b, w).reduce(0) { $0 + $1.0 * $1.0 / 2 * rho * $1.1 / (1 + rho * $1.1) } }
        var best = -Double.infinity
        let steps = 600
        for i in 0...steps {
          for j in 0...steps {
            let w1 = Double(i) / Double(steps), w2 = Double(j) / Double(steps), w3 = Double(r) - w1 - w2
            if w3 < 0 || w3 > 1 { continue }
            best = max(best, dual([w1, w2, w3]))
          }
        }
        #expect(abs(primal(x) - best) < 1e-5, "b=\(b) ρ=\(rho) r=\(r): prox value \(primal(x)) vs dual \(best)")
        #expect(best <= primal(x) + 1e-12)  // weak duality
      }
    }
  }

  @Test func errors() {
    #expect(throws: DeepLinearError.invalidDepth(1, minimum: 2)) {
      try SchattenDeepLinear(x: .identity(2), y: .identity(2), depth: 1, widths: [], gamma: 1)
    }
    #expect(throws: DeepLinearError.invalidBeta(-1)) {
      try SchattenDeepLinear(x: .identity(2), y: .identity(2), depth: 2, widths: [2], gamma: -1)
    }
    #expect(throws: DeepLinearError.self) {
      try SchattenDeepLinear(x: .identity(2), y: .identity(2), depth: 3, widths: [2], gamma: 1)
    }
  }
}
