import Testing
@testable import ZeroGap

/// `KernelChord`: its product with K(σ) against the definition K(σ) = I + Σ_b σ_b D_b X XᵀD_b (entry by entry), and
/// its preconditioned conjugate gradients against r(σ) = K(σ)⁻¹y from a factorisation of K(σ) itself.
@Suite struct KernelChordTests {
  typealias Instance = SupportNewtonTests.Instance

  /// K(σ)v from the definition: v_j + Σ_b σ_b m_jb Σ_k m_kb (x_jᵀx_k) v_k.
  static func kernelProduct(_ p: GatedReLUProgram, _ sigma: [Double], _ v: [Double]) -> [Double] {
    let x = p.x, m = p.masks, n = x.rows
    return (0..<n).map { j in
      var sum = v[j]
      for k in 0..<n {
        let xx = (0..<x.columns).reduce(0.0) { $0 + x[j, $1] * x[k, $1] }
        let shared = (0..<m.columns).reduce(0.0) { $0 + sigma[$1] * m[j, $1] * m[k, $1] }
        sum += shared * xx * v[k]
      }
      return sum
    }
  }

  static func scales(seed: UInt64, count: Int, zeroEvery: Int) -> [Double] {
    var g = SeededGenerator(seed: seed)
    var s = (0..<count).map { _ in abs(g.nextNormal()) * 0.05 }
    for b in stride(from: 0, to: count, by: zeroEvery) { s[b] = 0 }
    return s
  }

  @Test func productMatchesTheDefinition() throws {
    let inst = try Instance(seed: 41, betaFraction: 0.01)
    let p = inst.program
    let sigma = Self.scales(seed: 42, count: p.masks.columns, zeroEvery: 3)
    var g = SeededGenerator(seed: 43)
    let v = g.normalVector(p.x.rows)
    var chord = KernelChord(program: p)
    let fast = chord.product(sigma, v), exact = Self.kernelProduct(p, sigma, v)
    let scale = exact.map(abs).max()!
    for j in 0..<v.count { #expect(abs(fast[j] - exact[j]) <= 1e-12 * scale, "row \(j)") }
  }

  /// From the factor of K(s) and r(s), the solve at σ (each scale moved by up to ±40 %, some to or from zero) reaches
  /// r(σ) of a factorisation of K(σ): the returned residual is below the stop and bounds the error (K ⪰ I). A stop
  /// of 0 with a budget of two products returns an honest, larger residual.
  @Test(arguments: [UInt64(51), 52, 53]) func reachesTheFactoredSolution(seed: UInt64) throws {
    let inst = try Instance(seed: seed, betaFraction: 0.01)
    let p = inst.program, n = p.x.rows, B = p.masks.columns
    let s = Self.scales(seed: seed + 1, count: B, zeroEvery: 5)
    var g = SeededGenerator(seed: seed + 2)
    var sigma = s.map { $0 * (1 + 0.4 * (2 * g.nextUniform() - 1)) }
    sigma[0] = 0.02  // a scale entering
    sigma[1] = 0  // and one leaving
    var kernel = ScaledKernel(program: p)
    var factor = KernelFactor(order: n, precision: .double)
    #expect(kernel.factor(s, into: &factor))
    var start = p.targets
    factor.solve(&start)
    let exact = try #require(KernelNewton.scaleObjective(program: p, scales: sigma)).residual
    let yNorm = p.targets.norm2
    var chord = KernelChord(program: p)
    let residual = chord.solve(scales: sigma, factor: &factor, start: start, stop: 1e-10 * yNorm, maxProducts: 40)
    let error = zip(chord.solution, exact).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    #expect(residual <= 1e-10 * yNorm)
    #expect(error <= residual * (1 + 1e-6) + 1e-13 * yNorm)
    let check = zip(p.targets, chord.product(sigma, chord.solution)).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    #expect(abs(check - residual) <= 1e-8 * yNorm)

    let short = chord.solve(scales: sigma, factor: &factor, start: start, stop: 0, maxProducts: 2)
    let shortCheck = zip(p.targets, chord.product(sigma, chord.solution)).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    #expect(abs(shortCheck - short) <= 1e-8 * yNorm)
    #expect(short > residual)
  }

  /// `energyLowerBound` (what the Newton's search rejects trials with): 2yᵀx − xᵀK(σ)x from the solve's x is at most
  /// yᵀK(σ)⁻¹y from a factorisation of K(σ), strictly below it from a start one step away, and equal to it (10⁻⁹)
  /// once the solve converges. The product without the identity is K(σ)v − v.
  @Test(arguments: [UInt64(81), 82, 83]) func energyBoundsTheQuadraticForm(seed: UInt64) throws {
    let inst = try Instance(seed: seed, betaFraction: 0.01)
    let p = inst.program, n = p.x.rows, B = p.masks.columns, y = p.targets
    let s = Self.scales(seed: seed + 1, count: B, zeroEvery: 5)
    let sigma = s.map { 2 * $0 }
    var kernel = ScaledKernel(program: p)
    var factor = KernelFactor(order: n, precision: .double)
    #expect(kernel.factor(s, into: &factor))
    var start = y
    factor.solve(&start)
    let exact = y.dot(try #require(KernelNewton.scaleObjective(program: p, scales: sigma)).residual)
    var chord = KernelChord(program: p)
    var bounds: [Double] = []
    for products in [1, 2, 3, 40] {
      chord.solve(scales: sigma, factor: &factor, start: start, stop: 0, maxProducts: products)
      bounds.append(chord.energyLowerBound())
    }
    for b in bounds { #expect(b <= exact * (1 + 1e-12), "\(b) above \(exact)") }
    #expect(bounds[0] < exact * (1 - 1e-6), "the start, one step away, should not be exact")
    #expect(abs(bounds[3] - exact) <= 1e-9 * exact)
    var g = SeededGenerator(seed: seed + 2)
    let v = g.normalVector(n)
    let with = chord.product(sigma, v), without = chord.product(sigma, v, identity: false)
    for i in 0..<n { #expect(abs(with[i] - v[i] - without[i]) <= 1e-12 * (abs(with[i]) + 1)) }
  }

  /// A single-precision factor of K(σ) itself (`KernelNewton`'s residuals): its own solve is off by about
  /// κ·6·10⁻⁸, and preconditioned conjugate gradients bring r(σ) to 10⁻¹²‖y‖ in a few products.
  @Test(arguments: [UInt64(61), 62]) func singleFactorRefinesToDoubleAccuracy(seed: UInt64) throws {
    let inst = try Instance(seed: seed, betaFraction: 1e-3)
    let p = inst.program, n = p.x.rows
    let sigma = Self.scales(seed: seed + 1, count: p.masks.columns, zeroEvery: 4).map { $0 * 20 }
    var kernel = ScaledKernel(program: p, precision: .single)
    var factor = KernelFactor(order: n, precision: .single)
    #expect(kernel.factor(sigma, into: &factor))
    #expect(factor.precision == .single)
    let exact = try #require(KernelNewton.scaleObjective(program: p, scales: sigma)).residual
    var rough = p.targets
    factor.solve(&rough)
    let yNorm = p.targets.norm2
    let roughError = zip(rough, exact).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    #expect(roughError > 1e-12 * yNorm, "a single-precision solve should not be exact")
    #expect(roughError < 1e-2 * yNorm)
    var chord = KernelChord(program: p)
    let residual = chord.solve(scales: sigma, factor: &factor, start: rough, stop: 1e-12 * yNorm, maxProducts: 8)
    #expect(residual <= 1e-12 * yNorm)
    let error = zip(chord.solution, exact).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    #expect(error <= 2e-12 * yNorm)
  }

  /// K = I + 10⁹·XXᵀ with X of rank 2 (one block of all rows): single precision cannot factor it (the Schur
  /// complement after two columns is I drowned in rounding of 10⁹·6·10⁻⁸), so the kernel switches to double for
  /// good, and that factor solves to rounding.
  @Test func illConditionedKernelFallsBackToDouble() throws {
    var g = SeededGenerator(seed: 71)
    let n = 30
    let x = g.normalMatrix(rows: n, columns: 2)
    let y = g.normalVector(n)
    let masks = Matrix(rows: n, columns: 1, repeating: 1)
    let p = GatedReLUProgram(x: x, targets: y, masks: masks, beta: 0.1, loss: SolverLoss(.squared))
    var kernel = ScaledKernel(program: p, precision: .single)
    var factor = KernelFactor(order: n, precision: .single)
    #expect(kernel.factor([1e9], into: &factor))
    #expect(kernel.precision == .double)
    #expect(factor.precision == .double)
    var r = y
    factor.solve(&r)
    var chord = KernelChord(program: p)
    let image = chord.product([1e9], r)
    let residual = zip(y, image).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    #expect(residual <= 1e-5 * y.norm2, "residual \(residual)")
  }
}
