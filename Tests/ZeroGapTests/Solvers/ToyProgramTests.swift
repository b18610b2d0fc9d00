import Testing
@testable import ZeroGap

/// The non-negative lasso `min_{c ≥ 0} ½‖Ac − y‖² + β Σ_j c_j` written only here, as a `GroupSparseProgram` with one
/// scalar block per column of A: products P = U (1×p), 𝒜(P) = A Pᵀ, 𝒞(P) = P. It is solved by the generic
/// algorithms (FISTA inside the augmented Lagrangian, column generation with a closed-form pricing oracle, and ADMM
/// with a non-negative QP as its A-step) with no change to them — the proof that a new program is a new
/// conformance — and checked against Lawson–Hanson NNLS:
/// for A of full column rank, `½‖Ac − y‖² + β1ᵀc = ½‖Ac − y'‖² + const` with `y' = y − A(AᵀA)⁻¹β1`.
struct NonNegativeLasso: PricedProgram {
  let a: Matrix
  let targets: [Double]
  let beta: Double
  var loss: SolverLoss { SolverLoss(.squared) }
  var sampleCount: Int { a.rows }
  var blockSize: Int { 1 }
  var blockCount: Int { a.columns }
  var productShape: (rows: Int, columns: Int) { (1, a.columns) }
  var isConstrained: Bool { true }
  var constraintShape: (rows: Int, columns: Int) { (1, a.columns) }
  var liftNormSquared: Double { 1 }

  func lift(_ u: Matrix, into p: inout Matrix) { p = u }
  func liftAdjoint(_ t: Matrix, into g: inout Matrix, alpha: Double, accumulate: Bool) {
    for j in 0..<t.columns { g[0, j] = alpha * t[0, j] + (accumulate ? g[0, j] : 0) }
  }
  func predict(_ p: Matrix, into yhat: inout [Double]) { yhat = a.multiply(p.storage) }
  func constraints(_ p: Matrix, into c: inout Matrix) { c = p }
  func adjoint(_ g: [Double], scale: Double, multipliers: Matrix?, into t: inout Matrix) {
    let atg = a.multiply(g, trans: .transpose)
    for j in 0..<a.columns { t[0, j] = scale * atg[j] + (multipliers?[0, j] ?? 0) }
  }
  func repair(_ u: inout Matrix, products p: inout Matrix) -> Bool {
    for j in 0..<a.columns { u[0, j] = Swift.max(0, u[0, j]) }
    p = u
    return true
  }
  func makePricer() -> Pricer { Pricer(a: a) }

  /// c(v) = max_j (a_jᵀv)_+ exactly; the maximiser of column j is the unit block +1.
  struct Pricer: PricingOracle {
    let a: Matrix
    var multipliers: Matrix { Matrix(rows: 1, columns: a.columns) }
    mutating func price(lossGradient: [Double], threshold: Double, maxAtoms: Int) -> (dualNormBound: Double, atoms: [Atom]) {
      let atv = a.multiply(lossGradient.map { -$0 }, trans: .transpose)
      let over = (0..<a.columns).filter { atv[$0] > threshold }.sorted { atv[$0] > atv[$1] }.prefix(maxAtoms)
      return (Swift.max(0, atv.max() ?? 0), over.map { Atom(block: $0, direction: [1]) })
    }
  }
}

extension NonNegativeLasso: SplittableProgram {
  /// 𝒳 = identity on each (scalar) block.
  var liftGram: Matrix { Matrix(rows: 1, columns: 1, columnMajor: [1]) }
  var splittingScale: Double { a.multiply(targets, trans: .transpose).norm2 }
  func makeProductStep(start yhat: [Double]) -> Step { Step(a: a, y: targets) }
  func projectProducts(_ p: inout Matrix) { for j in 0..<p.columns { p[0, j] = Swift.max(0, p[0, j]) } }
  /// T = −Aᵀ∇ℓ + Λ.
  func constraintMultipliers(inRHS t: Matrix, lossGradient: [Double]) -> Matrix {
    let atg = a.multiply(lossGradient, trans: .transpose)
    var lam = t
    for j in 0..<t.columns { lam[0, j] += atg[j] }
    return lam
  }

  /// argmin_{p ≥ 0} ½‖Ap − y‖² + (ρ/2)‖p − t‖²: the non-negative QP with Gram AᵀA + ρI and linear term Aᵀy + ρt.
  struct Step: ProductProximal {
    let a: Matrix
    let y: [Double]
    mutating func solve(_ t: Matrix, penalty rho: Double, into out: inout Matrix) {
      var g = a.gram()
      for j in 0..<g.rows { g[j, j] += rho }
      let aty = a.multiply(y, trans: .transpose)
      let p = NonNegativeQuadratic(gram: g, linear: (0..<aty.count).map { aty[$0] + rho * t[0, $0] }).solution
      for j in 0..<p.count { out[0, j] = p[j] }
    }
    mutating func reset(prediction: [Double]) {}
  }
}

@Suite struct ToyProgramTests {
  /// p* by NNLS on the shifted targets.
  func reference(_ p: NonNegativeLasso) -> Double {
    let ones = [Double](repeating: p.beta, count: p.a.columns)
    let w = try! Cholesky(p.a.gram()).solve(Matrix(rows: p.a.columns, columns: 1, columnMajor: ones))
    let shift = p.a.multiply(w.storage)
    let yp = (0..<p.targets.count).map { p.targets[$0] - shift[$0] }
    let c = NonNegativeLeastSquares(p.a, yp).solution
    #expect(c.allSatisfy { $0 >= 0 })
    // The constraints matter: some coefficients are at the bound, some are not.
    #expect(c.contains { $0 == 0 } && c.contains { $0 > 0 })
    var r = p.a.multiply(c)
    for j in 0..<r.count { r[j] -= p.targets[j] }
    return 0.5 * r.norm2 * r.norm2 + p.beta * c.reduce(0, +)
  }

  @Test(arguments: [(UInt64(1), 0.5), (2, 2.0), (3, 8.0)])
  func genericSolversMatchNNLS(seed: UInt64, beta: Double) {
    var gen = SeededGenerator(seed: seed)
    let a = gen.normalMatrix(rows: 30, columns: 12)
    let y = gen.normalVector(30).map { 3 * $0 }
    let program = NonNegativeLasso(a: a, targets: y, beta: beta)
    let pstar = reference(program)
    var options = ConvexSolverOptions(tolerance: 1e-8)
    options.maxIterations = 200_000
    let fista = ProximalGradientSolver(program: program).solve(start: nil, multipliers: nil, penalty: nil, options: options)
    let cg = ColumnGeneration(program: program).solve(start: nil, options: options)
    let admm = ConeADMMSolver(program: program).solve(start: nil, multipliers: nil, penalty: nil, options: options)
    for r in [fista, cg, admm] {
      #expect(r.report.stopReason == .converged && r.report.iterations > 0)
      #expect(r.u.storage.allSatisfy { $0 >= 0 })
      // The certificate brackets the independent optimum; the returned point attains its objective.
      #expect(r.report.lowerBound <= pstar * (1 + 1e-12))
      #expect(r.report.objective >= pstar * (1 - 1e-12))
      #expect(r.report.relativeGap <= 1e-8)
      #expect(abs(program.networkObjective(r.u) - r.report.objective) <= 1e-10 * pstar)
    }
  }
}
