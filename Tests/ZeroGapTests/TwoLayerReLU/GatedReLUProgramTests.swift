import Testing
@testable import ZeroGap

/// The gated program's two products (`GatedReLUProgram`: ŷ = rowsum(X ⊙ M Uᵀ), G = (diag(g) X)ᵀ M) against the
/// definitions Σ_b D_b X u_b and Xᵀ D_b g summed entry by entry, on a small instance (one row pass) and on one large
/// enough (n·d ≥ 2¹⁷) for the row passes to run in parallel chunks.
@Suite struct GatedReLUProgramTests {
  @Test(arguments: [(n: 37, d: 4, p: 9), (n: 2900, d: 48, p: 13)])
  func productsMatchTheirDefinitions(shape: (n: Int, d: Int, p: Int)) throws {
    let (n, d, p) = shape
    var g = SeededGenerator(seed: UInt64(n))
    let x = g.normalMatrix(rows: n, columns: d)
    let y = g.normalVector(n)
    let patterns = try ActivationPatterns.sample(data: x, count: p, using: &g)
    let m = patterns.masks
    let program = GatedReLUProgram(x: x, targets: y, masks: m, beta: 1, loss: SolverLoss(.squared))
    let u = g.normalMatrix(rows: d, columns: m.columns)
    let v = g.normalVector(n)

    var yhat = Matrix(rows: n, columns: 1)
    program.lift(u, into: &yhat)
    var grad = Matrix(rows: d, columns: m.columns, repeating: 7)
    program.liftAdjoint(Matrix(rows: n, columns: 1, columnMajor: v), into: &grad, alpha: -2, accumulate: false)

    var worstPrediction = 0.0, worstGradient = 0.0, scale = 0.0
    for j in 0..<n {
      var s = 0.0
      for b in 0..<m.columns where m[j, b] != 0 {
        for i in 0..<d { s += x[j, i] * u[i, b] }
      }
      worstPrediction = max(worstPrediction, abs(yhat[j, 0] - s))
      scale = max(scale, abs(s))
    }
    for b in 0..<m.columns {
      for i in 0..<d {
        var s = 0.0
        for j in 0..<n where m[j, b] != 0 { s += x[j, i] * v[j] }
        worstGradient = max(worstGradient, abs(grad[i, b] - (-2 * s)))
      }
    }
    #expect(worstPrediction <= 1e-11 * max(1, scale))
    #expect(worstGradient <= 1e-10 * Double(n).squareRoot())
    // 𝒜 is the identity and the adjoint scales.
    var t = Matrix(rows: n, columns: 1)
    program.adjoint(v, scale: -3, multipliers: nil, into: &t)
    #expect(t.storage == v.map { -3 * $0 })
    var copy = [Double](repeating: 0, count: n)
    program.predict(yhat, into: &copy)
    #expect(copy == yhat.storage)
  }
}
