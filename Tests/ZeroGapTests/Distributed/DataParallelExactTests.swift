import Foundation
import Testing
@testable import ZeroGap

/// The exact program (C-ReLU) data-parallel: its distributed pieces against one-process computations on all the
/// rows — the cone pricing (`ConePricer`: Lawson–Hanson in lockstep, its columns spread over the processes, against
/// the serial `NonNegativeLeastSquares` of each block), the gate-shift repair with reduced maxima, and whole fits —
/// with K processes simulated by `ThreadRing`.
@Suite struct DataParallelExactTests {
  /// A C-ReLU program on random data (n = 97, d = 5, 15 sampled patterns: 30 signed blocks).
  struct Instance {
    let x: Matrix, y: [Double], masks: Matrix, signs: [Double], gates: Matrix

    /// `degenerate`: rows 50–59 repeat rows 0–9, row 60 is zero and the last column is constant (ties among the
    /// scores, a row that never enters, repeated columns of E_b).
    init(seed: UInt64, degenerate: Bool = false) throws {
      var g = SeededGenerator(seed: seed)
      var x = g.normalMatrix(rows: 97, columns: 5)
      if degenerate {
        for j in 50..<60 { for i in 0..<5 { x[j, i] = x[j - 50, i] } }
        for i in 0..<5 { x[60, i] = 0 }
        for j in 0..<97 where j != 60 { x[j, 4] = 1 }
      }
      self.x = x
      y = g.normalVector(97)
      let patterns = try ActivationPatterns.sample(data: x, count: 15, using: &g)
      let layout = BlockLayout(patternCount: patterns.count, model: .relu)
      masks = layout.perBlock(patterns.masks)
      signs = layout.signs
      gates = layout.perBlock(patterns.gates)
    }

    func program(_ rows: Range<Int>, _ reduction: RowReduction) -> ReLUBlockProgram {
      ReLUBlockProgram(
        x: x.rows(rows), targets: Array(y[rows]), masks: masks.rows(rows), signs: signs, beta: 1,
        loss: SolverLoss(.squared, rows: reduction), cones: nil)
    }
  }

  /// The reference pricing: every block's cone maximum by the serial `NonNegativeLeastSquares` (cold start), c̄ their
  /// maximum, and the unit maximisers of the blocks above `threshold`.
  static func reference(_ program: ReLUBlockProgram, gradient g: [Double], threshold: Double) -> (bound: Double, atoms: [Int: [Double]]) {
    var cbar = 0.0
    var atoms: [Int: [Double]] = [:]
    for b in 0..<program.blocks {
      let nn = program.coneMaximum(block: b, lossGrad: g)
      let (e, f) = program.coneSystem(block: b, lossGrad: g)
      let dir = zip(e.multiply(nn.solution), f).map { $0 - $1 }
      let value = dir.norm2
      cbar = Swift.max(cbar, value)
      if value > threshold && nn.converged { atoms[b] = dir.map { $0 / value } }
    }
    return (cbar, atoms)
  }

  /// `ConePricer` (Lawson–Hanson in lockstep over the blocks, its columns spread over K = 1, 2, 3 processes) against
  /// the serial NNLS of every block: the same bound c̄ (to 1e-10) and the same atoms (blocks; directions to 1e-8), in
  /// two rounds (the second warm-started from the first's supports), with nearly every block priced (threshold
  /// 10⁻³c̄: atoms at rounding level have no meaningful direction) and only the top ones (c̄/2). With the default
  /// tuning (16 candidate rows of n = 97 per full check, every block's scores in one buffer) and with one or two
  /// candidates per check (about a check per entering row) and scores three blocks at a time.
  /// Also on degenerate rows (`Instance(degenerate:)`).
  @Test(arguments: [
    (1, UInt64(5), false, false), (2, UInt64(3), false, false), (3, UInt64(4), false, false), (1, UInt64(6), true, false),
    (2, UInt64(7), true, false), (1, UInt64(8), false, true), (2, UInt64(9), true, true),
  ])
  func pricingMatchesSerialNNLS(processes k: Int, seed: UInt64, small: Bool, degenerate: Bool) throws {
    let inst = try Instance(seed: seed, degenerate: degenerate)
    let n = inst.x.rows
    let whole = inst.program(0..<n, .local)
    let g1 = inst.y.map { -$0 }
    var gen = SeededGenerator(seed: seed + 100)
    let g2 = zip(g1, gen.normalVector(n)).map { $0 + 0.3 * $1 }
    let cbar = Self.reference(whole, gradient: g1, threshold: .infinity).bound
    for threshold in [1e-3 * cbar, 0.5 * cbar] {
      let want = [g1, g2].map { Self.reference(whole, gradient: $0, threshold: threshold) }
      #expect(want.allSatisfy { $0.atoms.count >= 2 })
      let ring = ThreadRing(size: k)
      let results = Locked<[Int: [(bound: Double, atoms: [Atom])]]>([:])
      ThreadRing.run(k) { r in
        let member = ThreadRing.Member(ring: ring, rank: r)
        let rows = member.rowBlock(of: n)
        var pricer = inst.program(rows, RowReduction(communicator: member)).makePricer()
        if small { pricer.tuning = .init(batch: k, scoreBuffer: 3 * rows.count) }
        let out = [g1, g2].map { g in
          let p = pricer.price(lossGradient: Array(g[rows]), threshold: threshold, maxAtoms: 1000)
          return (p.dualNormBound, p.atoms)
        }
        results.update { $0[r] = out }
      }
      #expect(results.value.count == k)
      for (_, rounds) in results.value {
        for (round, (got, want)) in zip(rounds, want).enumerated() {
          #expect(abs(got.bound - want.bound) <= 1e-10 * want.bound, "round \(round)")
          #expect(got.atoms.map(\.block).sorted() == want.atoms.keys.sorted(), "round \(round)")
          for a in got.atoms {
            let diff = zip(a.direction, want.atoms[a.block] ?? []).map { abs($0 - $1) }.max() ?? 0
            #expect(diff <= 1e-8, "block \(a.block): directions differ by \(diff) (threshold \(threshold), round \(round))")
          }
        }
      }
    }
  }

  /// The data-parallel repair leaves feasible blocks alone and makes the others points of their cones on all the
  /// rows (checked on one process), with the products kept consistent on every process.
  @Test func gateShiftRepairIsFeasibleOnAllRows() throws {
    let inst = try Instance(seed: 9)
    let n = inst.x.rows, d = inst.x.columns, B = inst.masks.columns
    var gen = SeededGenerator(seed: 10)
    var u = gen.normalMatrix(rows: d, columns: B)
    u.setColumn(0, inst.gates.column(0).map { 3 * $0 })
    #expect(!ConeRepair.isFeasible(xu: Matrix.product(inst.x, u), masks: inst.masks))
    let start = u
    let ring = ThreadRing(size: 2)
    let results = Locked<[Int: Matrix]>([:])
    ThreadRing.run(2) { r in
      let member = ThreadRing.Member(ring: ring, rank: r)
      let rows = member.rowBlock(of: n)
      var repair = ConeRepair(x: inst.x.rows(rows), masks: inst.masks.rows(rows), gates: inst.gates)
      repair.rows = .over(member)
      var v = start
      var xu = Matrix.product(inst.x.rows(rows), v)
      repair.repair(&v, xu: &xu)
      let consistent = Matrix.product(inst.x.rows(rows), v)
      if zip(consistent.storage, xu.storage).allSatisfy({ abs($0 - $1) <= 1e-10 * (1 + abs($1)) }) { results.update { $0[r] = v } }
    }
    let out = try #require(results.value[0])
    #expect(results.value[1] == out, "every process holds the same blocks, and products consistent with them")
    #expect(ConeRepair.relativeViolation(xu: Matrix.product(inst.x, out), masks: inst.masks) <= 1e-10)
    #expect(out.column(0) == start.column(0))
  }

  static func configuration(_ loss: ConvexLoss, tolerance: Double) -> ConvexReLUEstimator.Configuration {
    .init(model: .relu, loss: loss, beta: 2, patterns: .sampled(count: 30, seed: 7), solver: ConvexSolverOptions(tolerance: tolerance))
  }

  /// The data-parallel exact fit (column generation, no polish) certifies 1e-7 and reaches the one-process certified
  /// optimum (1e-9, with the polish) within 2e-7; each bound below the other's objective; every process the same network.
  @Test(arguments: [(2, ConvexLoss.squared), (3, .squared), (2, .logistic)])
  func exactFitSameCertifiedOptimumAsOneProcess(processes k: Int, loss: ConvexLoss) throws {
    let (x, raw) = DataParallelFitTests.data()
    let y = loss == .logistic ? raw.map { $0 > 0.5 ? 1.0 : 0 } : raw
    var single = ConvexReLUEstimator(configuration: Self.configuration(loss, tolerance: 1e-9))
    try single.fit(data: x, targets: y)
    let reference = try #require(single.fitted)
    #expect(reference.report.isCertified(tolerance: 1e-9))

    let fits = DataParallelFitTests.fitsOverThreads(k, x: x, y: y, configuration: Self.configuration(loss, tolerance: 1e-7))
    #expect(fits.count == k)
    for (_, f) in fits {
      #expect(f.report.isCertified(tolerance: 1e-7))
      #expect(f.boundScope == .sampled && f.globalCertificate == nil)
      #expect(f.gates == reference.gates)
      #expect(f.report.constraintViolation <= 1e-10)
      #expect(abs(f.report.objective - reference.report.objective) <= 2e-7 * reference.report.objective)
      #expect(f.report.lowerBound <= reference.report.objective * (1 + 1e-12))
      #expect(reference.report.lowerBound <= f.report.objective * (1 + 1e-12))
      // The network reproduces the reported objective on all the rows (a point of the program: no cone left).
      let yhat = f.network.predict(try ConvexReLUEstimator.preprocess(x, means: f.means, scales: f.scales, bias: true)).storage
      let fit = loss == .squared ? 0.5 * zip(yhat, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } : ConvexLoss.logistic.value(yhat, y.map { 2 * $0 - 1 })
      #expect(abs(fit + 2 * f.network.pathNorm - f.report.objective) <= 1e-9 * f.report.objective)
    }
    let first = try #require(fits[0])
    for (_, f) in fits { #expect(f.network.firstLayer == first.network.firstLayer) }
  }

}
