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

/// The magnitude refit (`MagnitudeRefit`) of C-GReLU iterates: the refit point is at least as good as the iterate and
/// its magnitudes satisfy their optimality conditions; near the optimum its dual point certifies at second order in
/// the iterate's error where the plain residual certifies at first order.
@Suite struct MagnitudeRefitTests {
  struct Instance {
    let program: GatedReLUProgram
    let patterns: ActivationPatterns
    init(seed: UInt64, beta: Double) throws {
      var g = SeededGenerator(seed: seed)
      let x = g.normalMatrix(rows: 120, columns: 6)
      let y = g.normalVector(120)
      patterns = try ActivationPatterns.sample(data: x, count: 25, using: &g)
      program = GatedReLUProgram(x: x, targets: y, masks: patterns.masks, beta: beta, loss: SolverLoss(.squared))
    }

    func objective(_ u: Matrix) -> Double {
      var p = Matrix(rows: program.sampleCount, columns: 1)
      program.lift(u, into: &p)
      return program.loss.value(p.storage, program.targets) + program.beta * program.penalty(u)
    }

    /// The §3.5 bound at the dual point y − ŷ of predictions ŷ.
    func bound(prediction: [Double]) -> Double {
      let n = program.sampleCount
      let v = zip(program.targets, prediction).map { $0 - $1 }
      var t = Matrix(rows: n, columns: 1)
      program.adjoint(v, scale: 1, multipliers: nil, into: &t)
      var g = Matrix(rows: program.blockSize, columns: program.blockCount)
      program.liftAdjoint(t, into: &g)
      var norms = [Double](repeating: 0, count: program.blockCount)
      program.blockNorms(g, into: &norms)
      return CertifiedLoop.dualBound(v: v, y: program.targets, loss: program.loss, dualNormBound: norms.max()!, beta: program.beta)
    }
  }

  @Test(arguments: [UInt64(1), 2, 3]) func refitIsNoWorseAndOptimalInItsMagnitudes(seed: UInt64) throws {
    let inst = try Instance(seed: seed, beta: 2)
    var g = SeededGenerator(seed: seed + 100)
    var u = g.normalMatrix(rows: 6, columns: inst.program.blockCount, scale: 0.1)
    for b in stride(from: 0, to: u.columns, by: 3) { for i in 0..<6 { u[i, b] = 0 } }
    let r = try #require(MagnitudeRefit(program: inst.program, u: u, maxBlocks: 100))
    #expect(r.objective <= inst.objective(u) + 1e-12 * abs(inst.objective(u)))
    #expect(abs(r.objective - inst.objective(r.u)) <= 1e-10 * abs(r.objective))
    // KKT of the magnitudes, each column recomputed entry by entry: w_bᵀXᵀD_b(y − ŷ') = β where t_b > 0, ≤ β where 0.
    let x = inst.program.x, m = inst.program.masks, n = x.rows
    let v = zip(inst.program.targets, r.prediction).map { $0 - $1 }
    for b in 0..<u.columns {
      let norm = (0..<6).reduce(0.0) { $0 + u[$1, b] * u[$1, b] }.squareRoot()
      guard norm > 0 else {
        #expect((0..<6).allSatisfy { r.u[$0, b] == 0 })
        continue
      }
      var s = 0.0
      for j in 0..<n where m[j, b] != 0 {
        for i in 0..<6 { s += x[j, i] * u[i, b] / norm * v[j] }
      }
      let t = (0..<6).reduce(0.0) { $0 + r.u[$1, b] * r.u[$1, b] }.squareRoot()
      if t > 0 { #expect(abs(s - 2) <= 1e-8, "block \(b): \(s)") } else { #expect(s <= 2 + 1e-8, "block \(b): \(s)") }
    }
  }

  /// Perturb the directions of a (nearly) optimal point by ε: the plain certificate's gap grows like ε, the refit's
  /// like ε², so at ε = 1e-4 the refit's gap is far below the plain one and both bounds stay below the optimum.
  @Test func refitCertifiesAtSecondOrder() throws {
    let inst = try Instance(seed: 7, beta: 2)
    let prog = inst.program
    let solution = try ConvexReLUProgram(
      data: prog.x, targets: prog.targets, patterns: inst.patterns, beta: 2, model: .gatedReLU
    ).solve(options: ConvexSolverOptions(tolerance: 1e-12, maxIterations: 200_000))
    let optimum = solution.report.objective, certified = solution.report.lowerBound
    #expect(optimum - certified <= 1e-10 * optimum)
    var g = SeededGenerator(seed: 11)
    var u = solution.positive
    let noise = g.normalMatrix(rows: u.rows, columns: u.columns)
    for b in 0..<u.columns {
      let norm = (0..<u.rows).reduce(0.0) { $0 + u[$1, b] * u[$1, b] }.squareRoot()
      if norm > 0 { for i in 0..<u.rows { u[i, b] += 1e-4 * norm * noise[i, b] } }
    }
    var p = Matrix(rows: prog.sampleCount, columns: 1)
    prog.lift(u, into: &p)
    let plainGap = inst.objective(u) - inst.bound(prediction: p.storage)
    let r = try #require(MagnitudeRefit(program: prog, u: u, maxBlocks: 100))
    let refitBound = inst.bound(prediction: r.prediction)
    let refitGap = r.objective - refitBound
    #expect(refitBound <= optimum + 1e-9 * optimum && inst.bound(prediction: p.storage) <= optimum + 1e-9 * optimum)
    #expect(plainGap > 1e-6 * optimum, "the perturbation should be visible to the plain certificate: \(plainGap)")
    #expect(refitGap <= 1e-2 * plainGap, "refit gap \(refitGap), plain gap \(plainGap)")
  }
}
