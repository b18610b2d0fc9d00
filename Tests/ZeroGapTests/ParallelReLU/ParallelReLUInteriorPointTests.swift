import Foundation
import Testing
@testable import ZeroGap

/// The structured interior-point method of the three-layer parallel program (`ParallelReLUInteriorPoint`) against
/// MATH.md §10.9 (Example C), the cvxpy + Clarabel fixtures at 1e-9, the augmented Lagrangian (an independent
/// algorithm over the same program) on instances with d = 2 (facet rows) and d = 3 (all rows), and the numerical
/// regressions of `bench/PARALLEL_SOLVER.md` §7 (Newton residual near the optimum).
@Suite struct ParallelReLUInteriorPointTests {
  static func options(_ tolerance: Double, _ algorithm: ParallelReLUAlgorithm) -> ConvexSolverOptions {
    var o = ConvexSolverOptions(tolerance: tolerance)
    o.parallelAlgorithm = algorithm
    return o
  }

  /// The instance of `zerogap-bench parallel` (X = [a, 1], seed 100 + n, β = 0.1), D₂ all or sampled.
  static func benchInstance(n: Int, sampled: Int?) throws -> ParallelReLUProgram {
    var g = SeededGenerator(seed: UInt64(100 + n))
    let a = g.normalVector(n)
    let x = Matrix(rows: n, columns: 2, columnMajor: a + [Double](repeating: 1, count: n))
    let y = g.normalVector(n)
    let p1 = try ActivationPatterns.enumerate(data: x)
    let p2 = try sampled.map { try HiddenPatterns.sample(count: $0, data: x, generator: &g) } ?? HiddenPatterns.all(sampleCount: n)
    return try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, secondLayer: p2, beta: 0.1)
  }

  @Test func exampleCToOneInABillion() throws {
    let program = try ParallelReLUProgramTests.exampleC()
    let sol = try program.solve(options: Self.options(1e-9, .interiorPoint))
    let r = sol.report
    #expect(r.stopReason == .converged)
    #expect(r.iterations <= 40)
    #expect(r.lowerBound <= 0.2749197692 + 1e-9)
    #expect(abs(r.objective - 0.2749197692) <= 1e-9)
    #expect(r.constraintViolation == 0)
    let net = sol.network
    #expect(abs(net.objective(data: ParallelReLUProgramTests.x, targets: ParallelReLUProgramTests.y, beta: ParallelReLUProgramTests.beta) - r.objective) <= 1e-12)
  }

  /// The Clarabel fixtures (solved at 1e-11): the certified bracket at 1e-8 contains the reference optimum.
  @Test(arguments: ["random5", "sine5"])
  func clarabelFixturesAtOneInAHundredMillion(instance: String) throws {
    let fixture = try ReferenceFixture("parallel-relu/\(instance)")
    let p1 = try ActivationPatterns.enumerate(data: fixture.x)
    let program = try ParallelReLUProgram(
      data: fixture.x, targets: fixture.y, firstLayer: p1, secondLayer: try HiddenPatterns.all(sampleCount: fixture.x.rows), beta: fixture.beta)
    let r = try program.solve(options: Self.options(1e-8, .interiorPoint)).report
    #expect(r.stopReason == .converged)
    #expect(r.lowerBound <= fixture.objective + fixture.tolerance)
    #expect(r.objective >= fixture.objective - fixture.tolerance)
    #expect(abs(r.objective - fixture.objective) <= 1e-8 * fixture.objective)
  }

  /// Both algorithms certify the same optimum: d = 2 with enumerated patterns, and d = 3 (two features and a bias,
  /// every first-layer row kept) with sampled patterns in both layers.
  @Test(arguments: [(UInt64(5), 7, 2), (6, 10, 3), (7, 12, 3)])
  func agreesWithTheAugmentedLagrangian(seed: UInt64, n: Int, d: Int) throws {
    var g = SeededGenerator(seed: seed)
    var cols = (0..<((d - 1) * n)).map { _ in g.nextNormal() }
    cols += [Double](repeating: 1, count: n)
    let x = Matrix(rows: n, columns: d, columnMajor: cols)
    let y = g.normalVector(n)
    let p1 = d == 2 ? try ActivationPatterns.enumerate(data: x) : try ActivationPatterns.sample(data: x, count: 12, using: &g)
    let p2 = try HiddenPatterns.sample(count: 10, data: x, generator: &g)
    let program = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, secondLayer: p2, beta: 0.05)
    let ipm = try program.solve(options: Self.options(1e-7, .interiorPoint)).report
    let al = try program.solve(options: Self.options(1e-7, .augmentedLagrangian)).report
    #expect(ipm.stopReason == .converged)
    #expect(al.stopReason == .converged)
    #expect(ipm.lowerBound <= al.objective)
    #expect(al.lowerBound <= ipm.objective)
    #expect(abs(ipm.objective - al.objective) <= 2e-7 * al.objective)
    #expect(ipm.constraintViolation <= 1e-12 * Swift.max(1, y.map(abs).max() ?? 1))
  }

  /// Pitfalls 1 and 2 of the design note: at the unit start the first step is not zero (NT scaling at w̄ = e), and
  /// on n8-p2s128 the Newton solves stay accurate down to a 1e-8 gap (the radial shift).
  @Test func newtonSystemStaysAccurateNearTheOptimum() throws {
    let program = try Self.benchInstance(n: 8, sampled: 128)
    let ipm = try #require(ParallelReLUInteriorPoint(program: program.blocks))
    #expect(ipm.coneRows == 2)
    let result = ipm.solve(options: Self.options(1e-8, .interiorPoint))
    #expect(result.report.stopReason == .converged)
    #expect(result.report.iterations <= 25)
    #expect(result.lastNewtonResidual < 1e-9)
    #expect(result.meanShifted > 0)
    let one = ipm.solve(options: Self.options(1e-9, .interiorPoint), maxIterations: 1)
    #expect(one.report.lowerBound > 0)
  }

  /// The bench's n = 5 solve at 1e-6 stops at the predictor's point (`certifyAlong`; the step's own iterate had
  /// 1.3e-6). What it returns is sound: a point of the program whose network reproduces the reported objective, and
  /// a bracket that contains the optimum as a 1e-9 solve brackets it.
  @Test func predictorPointCertifiesSoundly() throws {
    let program = try Self.benchInstance(n: 5, sampled: nil)
    let loose = try program.solve(options: Self.options(1e-6, .interiorPoint))
    let tight = try program.solve(options: Self.options(1e-9, .interiorPoint)).report
    let r = loose.report
    #expect(r.stopReason == .converged && tight.stopReason == .converged)
    #expect(r.constraintViolation <= 1e-12 * Swift.max(1, program.targets.map(abs).max() ?? 1))
    #expect(r.lowerBound <= tight.objective && tight.lowerBound <= r.objective)
    #expect(r.objective - tight.objective <= 1e-6 * tight.objective)
    let network = loose.network.objective(data: program.data, targets: program.targets, beta: 0.1)
    #expect(abs(network - r.objective) <= 1e-12 * r.objective)
  }

  /// The start at u = 0 is scaled to the problem: every cone pair and LP row interior and centred at one μ₀
  /// (s∘z = μ₀e on each cone, s·z = μ₀ on each row), z_t = β (the t-rows of the dual residual vanish), and the total
  /// s·z is 30·½‖y‖². With y = 0 it is the unit start t = 1, s = z = e.
  @Test func startingPointIsCentredAtTheProblemsScale() throws {
    let program = try Self.benchInstance(n: 5, sampled: nil)
    let ipm = try #require(ParallelReLUInteriorPoint(program: program.blocks))
    let (t, s, z) = ipm.startingPoint()
    let q = ipm.d + 1, half = 0.5 * program.targets.map { $0 * $0 }.reduce(0, +)
    let mu0 = 30 * half / ipm.barrierDegree
    for blk in 0..<ipm.blockCount {
      #expect(t[blk] == s.cone[blk * q] && s.cone[blk * q] > 0)
      #expect(z.cone[blk * q] == 0.1)
      for c in 1..<q { #expect(s.cone[blk * q + c] == 0 && z.cone[blk * q + c] == 0) }
      #expect(abs(s.cone[blk * q] * z.cone[blk * q] - mu0) <= 1e-15 * mu0)
    }
    for (a, b) in zip(s.first + s.second, z.first + z.second) { #expect(a > 0 && b > 0 && abs(a * b - mu0) <= 1e-14 * mu0) }
    let total = zip(s.cone + s.first + s.second, z.cone + z.first + z.second).map { $0 * $1 }.reduce(0, +)
    #expect(abs(total - 30 * half) <= 1e-12 * 30 * half)
    let zero = try ParallelReLUProgram(
      data: program.data, targets: [Double](repeating: 0, count: 5), firstLayer: program.firstLayer, secondLayer: program.secondLayer, beta: 0.1)
    let unit = try #require(ParallelReLUInteriorPoint(program: zero.blocks)).startingPoint()
    #expect(unit.t.allSatisfy { $0 == 1 } && unit.s.first.allSatisfy { $0 == 1 } && unit.z.second.allSatisfy { $0 == 1 })
  }

  /// Far from the tolerance the bounds skip repairs (node moves); a solve stopped there by its step budget still
  /// takes one thorough look at its last iterate. What it returns is sound: lower ≤ objective ≤ the objective at
  /// u = 0, a point of the program whose network reproduces the objective, and a bracket containing a 1e-9 solve's
  /// optimum. Two steps before the certificate (9 steps) its network is within 10⁻³ of the optimum.
  @Test(arguments: [2, 7])
  func stoppedEarlyReturnsASoundBracket(steps: Int) throws {
    let program = try Self.benchInstance(n: 5, sampled: nil)
    var options = Self.options(1e-6, .interiorPoint)
    options.maxIterations = steps
    let early = try program.solve(options: options)
    let optimum = try program.solve(options: Self.options(1e-9, .interiorPoint)).report.objective
    let r = early.report
    #expect(r.stopReason == .maxIterations)
    #expect(r.lowerBound <= optimum + 1e-9 * optimum && optimum <= r.objective)
    #expect(r.objective <= 0.5 * program.targets.map { $0 * $0 }.reduce(0, +))
    if steps >= 7 { #expect(r.objective <= (1 + 1e-3) * optimum) }
    #expect(r.constraintViolation <= 1e-12 * Swift.max(1, program.targets.map(abs).max() ?? 1))
    let network = early.network.objective(data: program.data, targets: program.targets, beta: 0.1)
    #expect(abs(network - r.objective) <= 1e-12 * r.objective)
  }

  /// N_b from the outer products of G (one GEMM per chunk of branches) equals N_b formed per branch from G: the
  /// factors of M_b and S and a Newton solve agree at a random interior scaling, for d = 2 (closed-form Lᵢ) and
  /// d = 3 (Lᵢ by QR, three pairs of coordinates off the diagonal). Refactorising in place equals factorising afresh.
  @Test(arguments: [2, 3])
  func outerProductsGiveTheSameNewtonSystem(d: Int) throws {
    var g = SeededGenerator(seed: 40 + UInt64(d))
    let n = 7
    let x = Matrix(rows: n, columns: d, columnMajor: g.normalVector(n * (d - 1)) + [Double](repeating: 1, count: n))
    let p1 = d == 2 ? try ActivationPatterns.enumerate(data: x) : try ActivationPatterns.sample(data: x, count: 12, using: &g)
    let p2 = try HiddenPatterns.sample(count: 6, data: x, generator: &g)
    let program = try ParallelReLUProgram(data: x, targets: g.normalVector(n), firstLayer: p1, secondLayer: p2, beta: 0.1)
    let batched = try #require(ParallelReLUInteriorPoint(program: program.blocks))
    #expect(!batched.outerProducts.isEmpty)
    var perBranch = batched
    perBranch.outerProducts = []
    func interior() -> ParallelReLUInteriorPoint.Slacks { Self.interior(batched, &g) }
    let s = interior(), z = interior()
    var eta = [Double](repeating: 0, count: batched.blockCount), w = [Double](repeating: 0, count: batched.blockCount * (d + 1))
    var lambda = ParallelReLUInteriorPoint.Slacks(zeros: batched), omega = lambda, rootOmega = lambda
    #expect(batched.scale(s: s, z: z, eta: &eta, w: &w, lambda: &lambda, omega: &omega, rootOmega: &rootOmega))
    var a = try ParallelReLUNewtonSystem(ipm: batched, eta: eta, w: w, omega1: omega.first, omega2: omega.second, regularisation: 0)
    var b = try ParallelReLUNewtonSystem(ipm: perBranch, eta: eta, w: w, omega1: omega.first, omega2: omega.second, regularisation: 0)
    func largestDifference(_ p: [Double], _ q: [Double]) -> Double {
      #expect(p.count == q.count && !p.isEmpty)
      let size = q.map(abs).max() ?? 1
      return zip(p, q).map { abs($0 - $1) }.max()! / size
    }
    #expect(largestDifference(a.mFactor, b.mFactor) <= 1e-12)
    #expect(largestDifference(a.sFactor, b.sFactor) <= 1e-12)
    let ru = g.normalVector(batched.blockCount * d), rt = g.normalVector(batched.blockCount)
    let xa = a.solve(ru, rt, refine: 0), xb = b.solve(ru, rt, refine: 0)
    #expect(largestDifference(xa.u + xa.t, xb.u + xb.t) <= 1e-10)
    // The storage is reused across steps: `a` refactorised at a second scaling equals a system built there afresh.
    let s2 = interior(), z2 = interior()
    #expect(batched.scale(s: s2, z: z2, eta: &eta, w: &w, lambda: &lambda, omega: &omega, rootOmega: &rootOmega))
    try a.factor(eta: eta, w: w, omega1: omega.first, omega2: omega.second, regularisation: 0)
    var fresh = try ParallelReLUNewtonSystem(ipm: batched, eta: eta, w: w, omega1: omega.first, omega2: omega.second, regularisation: 0)
    #expect(a.mFactor == fresh.mFactor && a.sFactor == fresh.sFactor && a.li == fresh.li && a.shifted == fresh.shifted)
    let ya = a.solve(ru, rt, refine: 0), yf = fresh.solve(ru, rt, refine: 0)
    #expect(ya.u == yf.u && ya.t == yf.t)
  }

  /// An interior pair member for `ipm`: every cone's head above the norm of its tail, every row positive.
  static func interior(_ ipm: ParallelReLUInteriorPoint, _ g: inout SeededGenerator) -> ParallelReLUInteriorPoint.Slacks {
    let d = ipm.d
    var v = ParallelReLUInteriorPoint.Slacks(zeros: ipm)
    for blk in 0..<ipm.blockCount {
      let tail = g.normalVector(d)
      for c in 0..<d { v.cone[blk * (d + 1) + 1 + c] = tail[c] }
      v.cone[blk * (d + 1)] = tail.map { $0 * $0 }.reduce(0, +).squareRoot() + 0.1 + abs(g.normalVector(1)[0])
    }
    v.first = g.normalVector(v.first.count).map { 0.1 + abs($0) }
    v.second = g.normalVector(v.second.count).map { 0.1 + abs($0) }
    return v
  }

  /// The per-branch factorisation in the space of the weights (Ã_b, Kd×Kd) solves the same Newton system as the one
  /// in the space of the rows (M_b, n×n): at a random interior scaling, and at one near a cone's boundary where
  /// blocks are radially shifted (the capacitance), both solves agree and the residual ‖Hx − r‖ against the
  /// operator H itself (`apply`, no factor) is at rounding level — for d = 2 (closed-form C̃') and d = 3 (by QR).
  @Test(arguments: [(2, 9), (3, 40)])
  func branchSpacesSolveTheSameNewtonSystem(d: Int, n: Int) throws {
    var g = SeededGenerator(seed: 60 + UInt64(d))
    let x = Matrix(rows: n, columns: d, columnMajor: g.normalVector(n * (d - 1)) + [Double](repeating: 1, count: n))
    let p1 = try d == 2
      ? ActivationPatterns.enumerate(data: x)
      : ActivationPatterns.sample(data: x, count: 4, using: &g).coveringEverySample(data: x)
    let p2 = try HiddenPatterns.sample(count: 5, data: x, generator: &g)
    let program = try ParallelReLUProgram(data: x, targets: g.normalVector(n), firstLayer: p1, secondLayer: p2, beta: 0.1)
    var rows = try #require(ParallelReLUInteriorPoint(program: program.blocks))
    rows.branchSpace = .rows
    var weights = rows
    weights.branchSpace = .weights
    for nearBoundary in [false, true] {
      let s = Self.interior(rows, &g)
      var z = Self.interior(rows, &g)
      if nearBoundary {
        // z on the boundary of every other cone to within 1e-9: κ → 0 there, and those blocks are shifted.
        for blk in stride(from: 0, to: rows.blockCount, by: 2) {
          var tail = 0.0
          for c in 1...d { tail += z.cone[blk * (d + 1) + c] * z.cone[blk * (d + 1) + c] }
          z.cone[blk * (d + 1)] = tail.squareRoot() * (1 + 1e-9)
        }
      }
      var eta = [Double](repeating: 0, count: rows.blockCount), w = [Double](repeating: 0, count: rows.blockCount * (d + 1))
      var lambda = ParallelReLUInteriorPoint.Slacks(zeros: rows), omega = lambda, rootOmega = lambda
      #expect(rows.scale(s: s, z: z, eta: &eta, w: &w, lambda: &lambda, omega: &omega, rootOmega: &rootOmega))
      var a = try ParallelReLUNewtonSystem(ipm: rows, eta: eta, w: w, omega1: omega.first, omega2: omega.second, regularisation: 0)
      var b = try ParallelReLUNewtonSystem(ipm: weights, eta: eta, w: w, omega1: omega.first, omega2: omega.second, regularisation: 0)
      #expect(b.mFactor.count == rows.branches * (rows.vectorsPerBranch * d) * (rows.vectorsPerBranch * d))
      #expect(nearBoundary == !a.shifted.isEmpty && a.shifted == b.shifted)
      let ru = g.normalVector(rows.blockCount * d), rt = g.normalVector(rows.blockCount)
      let xa = a.solve(ru, rt, refine: 0), xb = b.solve(ru, rt, refine: 0)
      let size = (xa.u + xa.t).map(abs).max()!
      #expect(zip(xa.u + xa.t, xb.u + xb.t).map { abs($0 - $1) }.max()! <= 1e-8 * size)
      // The residual against H applied directly, relative to the right-hand side and H's part of the solution: at
      // rounding level for the weights' solve, and no larger than ten times the rows' one (the near-boundary systems
      // have condition numbers near 10⁹).
      func residual(_ x: (u: [Double], t: [Double]), _ system: inout ParallelReLUNewtonSystem) -> Double {
        let hx = system.apply(x.u, x.t)
        let size = Swift.max((ru + rt).map(abs).max()!, (hx.u + hx.t).map(abs).max()!)
        return zip(ru + rt, hx.u + hx.t).map { abs($0 - $1) }.max()! / size
      }
      let (ra, rb) = (residual(xa, &a), residual(xb, &b))
      #expect(rb <= (nearBoundary ? 1e-7 : 1e-11))
      #expect(rb <= Swift.max(10 * ra, 1e-13))
    }
  }

  /// The solver picks the cheaper space (rows for the bench's d = 2 programs, weights where n > 2P₁d) and certifies
  /// the same optimum in either.
  @Test func eitherBranchSpaceCertifiesTheSameOptimum() throws {
    #expect(ParallelReLUInteriorPoint.BranchSpace.cheaper(n: 6, weights: 2 * 12 * 2) == .rows)
    #expect(ParallelReLUInteriorPoint.BranchSpace.cheaper(n: 1000, weights: 2 * 20 * 5) == .weights)
    var g = SeededGenerator(seed: 71)
    let n = 60, d = 3
    let x = Matrix(rows: n, columns: d, columnMajor: g.normalVector(n * (d - 1)) + [Double](repeating: 1, count: n))
    let y = zip(x.multiply([1, -0.5, 0.2]), g.normalVector(n)).map { Swift.max($0, 0) + 0.1 * $1 }
    let p1 = try ActivationPatterns.sample(data: x, count: 5, using: &g).coveringEverySample(data: x)
    let p2 = try HiddenPatterns.sample(count: 6, data: x, firstLayerGates: p1.gates, generator: &g)
    let program = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, secondLayer: p2, beta: 0.05)
    var weights = try #require(ParallelReLUInteriorPoint(program: program.blocks))
    #expect(weights.branchSpace == .weights)
    let a = weights.solve(options: Self.options(1e-7, .interiorPoint)).report
    weights.branchSpace = .rows
    let b = weights.solve(options: Self.options(1e-7, .interiorPoint)).report
    #expect(a.stopReason == .converged && b.stopReason == .converged)
    #expect(a.lowerBound <= b.objective && b.lowerBound <= a.objective)
    #expect(abs(a.objective - b.objective) <= 2e-7 * b.objective)
  }

  /// d = 2 facet rows describe the same cones as all n rows: both forms give the same optimum.
  @Test func facetRowsGiveTheSameCones() throws {
    let program = try Self.benchInstance(n: 6, sampled: nil)
    let x = program.data, masks = program.firstLayer.masks
    let facets = try #require(ParallelReLUInteriorPoint.wedgeFacets(x: x, masks: masks))
    // Every original row is ≥ 0 on the facet cone's rays: sample the unit circle.
    for step in 0..<720 {
      let th = Double(step) * Double.pi / 360, u = (Double.cos(th), Double.sin(th))
      for i in 0..<masks.columns {
        let inFacets = facets[i * 4] * u.0 + facets[i * 4 + 1] * u.1 >= 0 && facets[i * 4 + 2] * u.0 + facets[i * 4 + 3] * u.1 >= 0
        let inRows = (0..<x.rows).allSatisfy { j in (2 * masks[j, i] - 1) * (x[j, 0] * u.0 + x[j, 1] * u.1) >= -1e-12 }
        let margin = (0..<x.rows).map { j in abs(x[j, 0] * u.0 + x[j, 1] * u.1) }.min()!
        if margin > 1e-9 { #expect(inFacets == inRows) }
      }
    }
  }

  /// The irredundant rows of a first-layer cone are its facets: on d = 3 data (n = 150, generic) they equal the rows
  /// that vanish on two independent extreme rays, the rays found by brute force over every pair of rows (±r_a × r_b
  /// inside the cone), and 20 000 random directions lie in the reduced cone exactly when they lie in the full one.
  @Test func reducedRowsAreTheFacetsOfTheCone() throws {
    var g = SeededGenerator(seed: 90)
    let n = 150, d = 3
    let x = Matrix(rows: n, columns: d, columnMajor: g.normalVector(n * (d - 1)) + [Double](repeating: 1, count: n))
    for _ in 0..<3 {
      let gate = g.normalVector(d)
      let rows = (0..<n).flatMap { j -> [Double] in
        let s: Double = (0..<d).reduce(0.0) { $0 + x[j, $1] * gate[$1] } >= 0 ? 1 : -1
        return (0..<d).map { s * x[j, $0] }
      }
      let kept = try #require(rows.withUnsafeBufferPointer { ConeRowReduction.irredundant($0.baseAddress!, count: n, dimension: d) })
      func row(_ j: Int) -> [Double] { Array(rows[(j * d)..<((j + 1) * d)]) }
      func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
      func inCone(_ u: [Double], _ set: [Int], slack: Double) -> Bool { set.allSatisfy { dot(row($0), u) >= -slack } }
      var rays: [[Double]] = []
      for a in 0..<n {
        for b in (a + 1)..<n {
          let (p, q) = (row(a), row(b))
          var u = [p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]]
          let norm = dot(u, u).squareRoot()
          guard norm > 1e-9 else { continue }
          u = u.map { $0 / norm }
          for sign in [1.0, -1.0] where inCone(u.map { sign * $0 }, Array(0..<n), slack: 1e-12) { rays.append(u.map { sign * $0 }) }
        }
      }
      let facets = (0..<n).filter { j in
        let r = row(j), on = rays.filter { abs(dot(r, $0)) <= 1e-10 * dot(r, r).squareRoot() }
        return on.contains { u in on.contains { v in abs(dot(u, v)) < 1 - 1e-9 } }
      }
      #expect(kept == facets)
      #expect(kept.count >= 3 && kept.count < n / 4)
      for _ in 0..<20_000 {
        let u = g.normalVector(d)
        let margin = (0..<n).map { abs(dot(row($0), u)) }.min()!
        if margin > 1e-9 { #expect(inCone(u, kept, slack: 0) == inCone(u, Array(0..<n), slack: 0)) }
      }
    }
  }

  /// Where most rows are extreme (d = 12 against n = 30) the reduction gives up rather than run O(n²) solves, and
  /// the solver keeps all n rows.
  @Test func reductionGivesUpWhereMostRowsAreExtreme() throws {
    var g = SeededGenerator(seed: 92)
    let n = 30, d = 12
    let x = Matrix(rows: n, columns: d, columnMajor: g.normalVector(n * (d - 1)) + [Double](repeating: 1, count: n))
    let rows = (0..<n).flatMap { j in (0..<d).map { x[j, $0] } }
    #expect(rows.withUnsafeBufferPointer { ConeRowReduction.irredundant($0.baseAddress!, count: n, dimension: d) } == nil)
    let masks = Matrix(rows: n, columns: 1, columnMajor: [Double](repeating: 1, count: n))
    #expect(ParallelReLUInteriorPoint.irredundantRows(x: x, masks: masks).count == n)
  }

  /// The interior point on the reduced first-layer rows certifies the optimum it certifies on all n rows (d = 4,
  /// n = 60, sampled patterns), with far fewer rows.
  @Test func reducedRowsGiveTheSameOptimum() throws {
    var g = SeededGenerator(seed: 91)
    let n = 60, d = 4
    let x = Matrix(rows: n, columns: d, columnMajor: g.normalVector(n * (d - 1)) + [Double](repeating: 1, count: n))
    let y = zip(x.multiply([1, -0.5, 0.2, 0.1]), g.normalVector(n)).map { Swift.max($0, 0) + 0.1 * $1 }
    let p1 = try ActivationPatterns.sample(data: x, count: 5, using: &g).coveringEverySample(data: x)
    let p2 = try HiddenPatterns.sample(count: 5, data: x, firstLayerGates: p1.gates, generator: &g)
    let program = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, secondLayer: p2, beta: 0.05)
    let reduced = try #require(ParallelReLUInteriorPoint(program: program.blocks))
    #expect(reduced.coneRows < n / 2)
    var full = reduced
    full.coneRows = n
    full.rows = (0..<p1.count).flatMap { i in (0..<n).flatMap { j in (0..<d).map { (2 * p1.masks[j, i] - 1) * x[j, $0] } } }
    let a = reduced.solve(options: Self.options(1e-7, .interiorPoint)).report
    let b = full.solve(options: Self.options(1e-7, .interiorPoint)).report
    #expect(a.stopReason == .converged && b.stopReason == .converged)
    #expect(a.lowerBound <= b.objective && b.lowerBound <= a.objective)
    #expect(abs(a.objective - b.objective) <= 2e-7 * b.objective)
    #expect(a.constraintViolation <= 1e-12 * Swift.max(1, y.map(abs).max() ?? 1))
  }

  /// β tiny against the targets' scale (y ≈ 300·(Xw)₊ + noise, n = 60, β = 10⁻³ or 10⁻⁴): from the start scaled to the
  /// problem (t/z = μ₀/β² ≈ 10¹⁰ on the cones) the solve stalls at a 100 % gap; `solve` then runs once more from the
  /// balanced start (centred, t/z at most `balanceLimit`) and certifies, with a point of the program and both runs'
  /// steps counted.
  @Test(arguments: [(UInt64(1), 1e-4), (3, 1e-3), (3, 1e-4)])
  func smallBetaStallIsRetriedFromTheBalancedStart(seed: UInt64, beta: Double) throws {
    var g = SeededGenerator(seed: seed)
    let n = 60, d = 4
    let x = Matrix(rows: n, columns: d, columnMajor: g.normalVector(n * (d - 1)) + [Double](repeating: 1, count: n))
    let w = g.normalVector(d)
    let y = zip(x.multiply(w), g.normalVector(n)).map { 300 * Swift.max($0, 0) + 30 * $1 }
    let p1 = try ActivationPatterns.sample(data: x, count: 8, using: &g).coveringEverySample(data: x)
    let p2 = try HiddenPatterns.sample(count: 6, data: x, firstLayerGates: p1.gates, generator: &g)
    let program = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, secondLayer: p2, beta: beta)
    let ipm = try #require(ParallelReLUInteriorPoint(program: program.blocks))
    #expect(ipm.startIsUnbalanced)
    let (t, s, z) = ipm.startingPoint(balanced: true)
    let q = d + 1, mu0 = ipm.startingMu
    #expect(abs(t[0] / z.cone[0] - ParallelReLUInteriorPoint.balanceLimit) <= 1e-9 * ParallelReLUInteriorPoint.balanceLimit)
    #expect(abs(s.cone[0] * z.cone[0] - mu0) <= 1e-12 * mu0 && abs(s.first[0] * z.first[0] - mu0) <= 1e-12 * mu0)
    #expect((1..<q).allSatisfy { s.cone[$0] == 0 && z.cone[$0] == 0 })
    let options = Self.options(1e-6, .interiorPoint)
    let first = ipm.attempt(options: options, maxIterations: 100, balanced: false).report
    #expect(first.stopReason == .stalled && first.relativeGap > 0.5)
    let result = ipm.solve(options: options)
    let r = result.report
    #expect(r.stopReason == .converged && r.relativeGap <= 1e-6 && r.lowerBound <= r.objective)
    #expect(r.iterations > first.iterations)
    #expect(program.blocks.constraintViolation(result.blocks) <= 1e-12 * 300)
    #expect(abs(program.blocks.networkObjective(result.blocks) - r.objective) <= 1e-9 * r.objective)
  }

  @Test func refusesWhereItDoesNotApply() throws {
    let x = ParallelReLUProgramTests.x
    let p1 = try ActivationPatterns.enumerate(data: x)
    let logistic = try ParallelReLUProgram(
      data: x, targets: [1, -1, 1, 1], firstLayer: p1, secondLayer: try HiddenPatterns.all(sampleCount: 4), beta: 0.05, loss: .logistic)
    #expect(throws: ConvexReLUError.self) { try logistic.solve(options: Self.options(1e-6, .interiorPoint)) }
    // automatic falls back to the augmented Lagrangian
    #expect(try logistic.solve(options: Self.options(1e-4, .automatic)).report.lowerBound.isFinite)
    var tiny = Self.options(1e-6, .interiorPoint)
    tiny.memoryBudget = MemoryBudget(bytes: 1000)
    #expect(throws: ConvexReLUError.self) { try ParallelReLUProgramTests.exampleC().solve(options: tiny) }
  }
}
