#if canImport(Glibc)
  import Glibc
#endif
import ZeroGap

/// `zerogap-bench relu`: time to a certified relative gap of 1e-6 for the gated (C-GReLU, restarted FISTA) and
/// exact (C-ReLU: column generation, "CG", column "AL" = atoms at the end; ADMM + active-set Newton polish, column
/// "AL" = ρ updates) programs of MATH.md §3, with the solver's GEMM throughput as a fraction
/// of the GEMM peak measured in the same run; then the gated program's hot loop alone (`hotLoop`).
///
/// Cases: the planted n = 500, d = 20, 100-gate problem of `bench/time_reference.py` (read from
/// `$ZEROGAP_BENCH_PLANTED/{X,y,G}.npy` when set, so both sides solve the same numbers; otherwise an equivalent
/// Swift-seeded problem), breast-cancer (n = 569, 30 standardised features + bias, ±1 labels, squared loss,
/// 100 and 1000 gates) and a synthetic n = 10 000, d = 50 teacher problem (100 gates).
/// β = 0.1·max_i ‖Xᵀ D_i y‖ (rounded to 3 digits), the rule of the reference fixtures.
/// Environment: `ZEROGAP_BENCH_CASE=substring` runs only the matching cases, `ZEROGAP_BENCH_PROGRESS=1` prints the
/// solvers' progress, `ZEROGAP_BENCH_EXACT=column-generation|admm|augmented-lagrangian` runs only that exact solver.
func runReLUSection(options: Options) throws {
  let peak = GEMMPeak.measure(sizes: [512, 1024], minSeconds: max(0.5, options.minSeconds / 2))
  Swift.print("GEMM peak in this run: \(Table.fixed(peak.peak, 1)) GFLOP/s (dgemm n = 512, 1024)")
  Swift.print()

  var cases: [(name: String, x: Matrix, y: [Double], gates: Matrix)] = []
  if let dir = getenv("ZEROGAP_BENCH_PLANTED").map({ String(cString: $0) }) {
    let x = try NPY.read(path: dir + "/X.npy").matrix
    let y = try NPY.read(path: dir + "/y.npy").matrix
    let g = try NPY.read(path: dir + "/G.npy").matrix
    cases.append(("planted n=500 d=20 (reference data)", x, y.storage, g))
  } else {
    cases.append(planted(n: 500, d: 20, gates: 100, seed: 0, name: "planted n=500 d=20"))
  }
  let bc = try BuiltinDatasets.load("breast-cancer").signedLabels()
  let z = try Standardizer(fitting: bc.features).transform(bc.features).addingBiasColumn()
  var g = SeededGenerator(seed: 1)
  cases.append(("breast-cancer, 100 gates", z, bc.targets.column(0), g.normalMatrix(rows: z.columns, columns: 100)))
  cases.append(("breast-cancer, 1000 gates", z, bc.targets.column(0), g.normalMatrix(rows: z.columns, columns: 1000)))
  cases.append(planted(n: 10_000, d: 50, gates: 100, seed: 2, name: "synthetic n=10000 d=50, 100 gates"))

  let w = [36, 11, 6, 9, 9, 7, 11, 11, 9, 8]
  Swift.print(Table.row([
    ("case", w[0]), ("model", w[1]), ("P", w[2]), ("time", w[3]), ("iters", w[4]), ("AL", w[5]), ("objective", w[6]),
    ("rel. gap", w[7]), ("GFLOP/s", w[8]), ("of peak", w[9]),
  ]))
  let only = getenv("ZEROGAP_BENCH_CASE").map { String(cString: $0) }
  let verbose = getenv("ZEROGAP_BENCH_PROGRESS") != nil
  for c in cases where only.map({ c.name.contains($0) }) ?? true {
    let patterns = try ActivationPatterns.fromGates(c.gates, data: c.x)
    var lam = 0.0
    for i in 0..<patterns.count {
      var v = [Double](repeating: 0, count: c.x.rows)
      for j in 0..<c.x.rows { v[j] = patterns.masks[j, i] * c.y[j] }
      lam = max(lam, c.x.multiply(v, trans: .transpose).norm2)
    }
    let beta = roundTo3(0.1 * lam)
    // Exact ReLU twice, column generation (the default) and ADMM, for the ratio in one run; or the one named by
    // ZEROGAP_BENCH_EXACT.
    let chosen = getenv("ZEROGAP_BENCH_EXACT").map { String(cString: $0) }.flatMap { ExactReLUAlgorithm(rawValue: $0) }
    let exact: [ExactReLUAlgorithm] = chosen.map { [$0] } ?? [.columnGeneration, .admm]
    let runs: [(ConvexReLUModel, ExactReLUAlgorithm?)] = [(.gatedReLU, nil)] + exact.map { (.relu, $0) }
    for (model, algorithm) in runs {
      let program = try ConvexReLUProgram(data: c.x, targets: c.y, patterns: patterns, beta: beta, model: model)
      var report: ConvexSolverReport? = nil
      let label = algorithm.map { $0 == .columnGeneration ? "relu (CG)" : $0 == .admm ? "relu(ADMM)" : "relu (AL)" } ?? model.rawValue
      let t = try Timing.measure(minRuns: 1, minSeconds: 0, warmUp: false) {
        // ADMM converges slowly at n = 10 000 (≈ 60 ms per iteration): a 500-iteration budget there.
        let budget = algorithm == .admm && c.x.rows > 5000 ? 500 : 20_000
        var o = ConvexSolverOptions(tolerance: 1e-6, maxIterations: budget)
        if let a = algorithm { o.exactAlgorithm = a }
        if verbose {
          o.progressInterval = 0.5
          o.progress = { p in
            Swift.print("  [\(label)] it \(p.iteration) t \(Table.fixed(p.seconds, 2)) s UB \(p.objective) LB \(p.lowerBound) gap \(p.relativeGap)")
            fflush(nil)
          }
        }
        report = try program.solve(options: o).report
      }
      guard let r = report else { continue }
      // Flops of the hot loop: the data passes the solver reports (`ConvexSolverReport.dataPasses`: the lift and its
      // adjoint per iteration, each 2·n·d·B flops over all B blocks, scaled by the working set), or two per iteration
      // for ADMM. Column generation's rounds are NNLS pricing and a small QP: no GEMM figure.
      let blocks = Double(model == .relu ? 2 * patterns.count : patterns.count)
      let cg = algorithm == .columnGeneration
      let passes = r.dataPasses ?? 2 * Double(r.iterations)
      let gflops = passes * 2 * Double(c.x.rows) * Double(c.x.columns) * blocks / t.best / 1e9
      Swift.print(Table.row([
        (c.name, w[0]), (label, w[1]), (String(patterns.count), w[2]), (Table.time(t.best), w[3]),
        (String(r.iterations), w[4]), (String(r.outerIterations), w[5]), (Table.fixed(r.objective, 4), w[6]),
        (String(describing: (r.relativeGap * 1e9).rounded() / 1e9), w[7]), (cg ? "—" : Table.fixed(gflops, 1), w[8]),
        (cg ? "—" : Table.fixed(gflops / peak.peak, 2), w[9]),
      ]))
      fflush(nil)
    }
  }
  Swift.print("time = one solve (no warm-up) to a certified relative gap ≤ 1e-6; GFLOP/s = the hot loop's GEMM flops")
  Swift.print("(the solver's data passes: two products per iteration, a working set of W patterns counting W/P) over the")
  Swift.print("whole solve's time, whose certificates, support Newton and backtracking are extra work not counted.")
  Swift.print("Budget: 20000 iterations/rounds (500 for ADMM at n = 10 000); a row whose rel. gap is above 1e-6 did not")
  Swift.print("reach the tolerance in that budget.")
  hotLoop(cases: cases, only: only, peak: peak.peak)
}

/// The gated program's hot loop alone: FISTA steps without certificate checks (`checkEvery` never), timed as the
/// difference between budgets of 2k and k iterations (best of three each), its GEMM flops from the difference of
/// the data passes the solver reports. Also a case at n = 100 000, d = 50, 500 gates (issue 14's large case).
func hotLoop(cases: [(name: String, x: Matrix, y: [Double], gates: Matrix)], only: String?, peak: Double) {
  Swift.print()
  Swift.print("the gated hot loop: FISTA steps only (no certificate checks), time and data passes of 2k minus k iterations")
  let w = [36, 6, 11, 9, 9, 8]
  Swift.print(Table.row([("case", w[0]), ("k", w[1]), ("per iter.", w[2]), ("passes", w[3]), ("GFLOP/s", w[4]), ("of peak", w[5])]))
  let large = getenv("ZEROGAP_BENCH_LARGE") != nil ? [planted(n: 100_000, d: 50, gates: 500, seed: 3, name: "synthetic n=100000 d=50, 500 gates")] : []
  for c in cases + large where only.map({ c.name.contains($0) }) ?? true {
    guard let patterns = try? ActivationPatterns.fromGates(c.gates, data: c.x),
      let program = try? ConvexReLUProgram(data: c.x, targets: c.y, patterns: patterns, beta: 1e-3, model: .gatedReLU)
    else { continue }
    let k = c.x.rows * patterns.count > 10_000_000 ? 20 : 200
    // Warm-started from 300 iterations of a solve, so that the working set is the support (all patterns at this β).
    guard let warm = try? program.solve(options: ConvexSolverOptions(tolerance: 1e-13, maxIterations: 300)) else { continue }
    func run(_ budget: Int) -> (seconds: Double, passes: Double) {
      let o = ConvexSolverOptions(tolerance: 1e-13, maxIterations: budget, checkEvery: Int.max / 4)
      var passes = 0.0
      let t = Timing.measure(minRuns: 3, minSeconds: 0, warmUp: false) {
        passes = (try? program.solve(options: o, warmStart: warm).report.dataPasses ?? 0) ?? 0
      }
      return (t.best, passes)
    }
    let (a, b) = (run(k), run(2 * k))
    let seconds = (b.seconds - a.seconds) / Double(k), passes = (b.passes - a.passes) / Double(k)
    let gflops = passes * 2 * Double(c.x.rows) * Double(c.x.columns) * Double(patterns.count) / seconds / 1e9
    Swift.print(Table.row([
      (c.name, w[0]), (String(k), w[1]), (Table.time(seconds), w[2]), (Table.fixed(passes, 2), w[3]),
      (Table.fixed(gflops, 1), w[4]), (Table.fixed(gflops / peak, 2), w[5]),
    ]))
    fflush(nil)
  }
  Swift.print("passes per iteration: 2 (the lift and its adjoint) times the working set's share of the patterns, warm-started")
  Swift.print("from 300 iterations at β = 10⁻³ (most patterns active). ZEROGAP_BENCH_LARGE=1 adds the n = 100 000 case.")
}

func roundTo3(_ x: Double) -> Double {
  guard x > 0 else { return x }
  var scale = 1.0
  while x * scale < 100 { scale *= 10 }
  while x * scale >= 1000 { scale /= 10 }
  return (x * scale).rounded() / scale
}

/// Gaussian features + a bias column, targets from a 10-neuron ReLU teacher plus N(0, 0.1²) noise, Gaussian gates.
func planted(n: Int, d: Int, gates: Int, seed: UInt64, name: String) -> (name: String, x: Matrix, y: [Double], gates: Matrix) {
  var g = SeededGenerator(seed: seed)
  let x = g.normalMatrix(rows: n, columns: d - 1).addingBiasColumn()
  let u = g.normalMatrix(rows: d, columns: 10, scale: 1 / Double(d).squareRoot())
  let a = (0..<10).map { _ in g.nextUniform() < 0.5 ? -1.0 : 1.0 }
  var h = Matrix.product(x, u)
  h = h.map { max(0, $0) }
  let y = h.multiply(a).map { $0 + 0.1 * g.nextNormal() }
  return (name, x, y, g.normalMatrix(rows: d, columns: gates))
}
