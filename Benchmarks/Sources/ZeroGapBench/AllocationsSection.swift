#if canImport(Glibc)
  import Glibc
#endif
import MallocInterposerSwift
import ZeroGap

/// `zerogap-bench allocations`: heap allocations per iteration of every solver loop, counted by ordo-one's malloc
/// interposer (the process must start with it preloaded; `scripts/bench.sh allocations` does). Each solver runs the
/// same problem twice with iteration budgets k and 2k (tolerance too small to stop earlier); the difference of the two
/// allocation counts over the extra iterations is the loop's allocations per iteration (certificate checks included
/// where they run), and the section fails (exit 1) when a loop allocates more per iteration than its limit: none for
/// the gated program's FISTA steps (two GEMMs, the prox, the restart test on preallocated buffers); at most 10 for
/// ADMM with its certificate checks (their repairs and exact cone maxima run on reused buffers; 682 before), a guard
/// against their return.
func runAllocationsSection(options: Options) throws {
  MallocInterposerSwift.initialize()
  MallocInterposerSwift.hook()
  let probe = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
  probe.deallocate()
  MallocInterposerSwift.unhook()
  guard MallocInterposerSwift.getStatistics().mallocCount > 0 else {
    fail("allocations: the malloc interposer is not loaded; run `bash scripts/bench.sh allocations` (it sets LD_PRELOAD)")
  }
  /// The allocations of one solve with iteration budget `budget`, and its iterations.
  func counted(_ solve: (Int) throws -> Int, budget: Int) rethrows -> (mallocs: Int, iterations: Int) {
    MallocInterposerSwift.initialize()
    MallocInterposerSwift.hook()
    defer { MallocInterposerSwift.unhook() }
    let iterations = try solve(budget)
    return (MallocInterposerSwift.getStatistics().mallocCount, iterations)
  }
  let w = [34, 8, 12, 12, 12]
  Swift.print(Table.row([("solver loop", w[0]), ("k", w[1]), ("mallocs(k)", w[2]), ("mallocs(2k)", w[3]), ("per iter.", w[4])]))
  var failures: [String] = []
  func row(_ name: String, k: Int, limit: Double?, _ solve: (Int) throws -> Int) throws {
    _ = try solve(k)  // warm: one-time caches (thread pool, OpenBLAS buffers)
    let (first, short) = try counted(solve, budget: k)
    let (second, long) = try counted(solve, budget: 2 * k)
    let steps = long - short
    let per = steps > 0 ? Table.fixed(Double(second - first) / Double(steps), 2) : "—"
    Swift.print(Table.row([(name, w[0]), (String(k), w[1]), (String(first), w[2]), (String(second), w[3]), (per, w[4])]))
    fflush(nil)
    if steps <= 0 { failures.append("\(name): the longer run took no more iterations") }
    if let limit, steps > 0, Double(second - first) > limit * Double(steps) {
      failures.append("\(name): \(second - first) allocations over \(steps) iterations (limit \(limit) per iteration)")
    }
  }
  let c = planted(n: 500, d: 20, gates: 100, seed: 0, name: "planted")
  let patterns = try ActivationPatterns.fromGates(c.gates, data: c.x)
  // β small enough that no solver certifies 1e-12 within the budgets.
  let beta = 1.0
  // (label, model, algorithm, k, certificate check interval: 10 is the default, "never" isolates the steps; the
  // most allocations per iteration allowed). Without checks the only certificate is the final one, whose work (a
  // cone repair for the exact program) depends on the iterate, so only loops with no final repair can be held to zero.
  for (label, model, algorithm, k, checkEvery, limit) in [
    ("gated ReLU, FISTA steps only", ConvexReLUModel.gatedReLU, nil as ExactReLUAlgorithm?, 200, Int.max / 4, 0 as Double?),
    ("gated ReLU, with certificates", .gatedReLU, nil, 200, 10, nil),
    ("exact ReLU, ADMM steps only", .relu, .admm, 50, Int.max / 4, 10),
    ("exact ReLU, ADMM with certificates", .relu, .admm, 50, 10, 10),
    ("exact ReLU, column generation", .relu, .columnGeneration, 5, 10, nil),
  ] {
    let program = try ConvexReLUProgram(data: c.x, targets: c.y, patterns: patterns, beta: beta, model: model)
    try row(label, k: k, limit: limit) { budget in
      var o = ConvexSolverOptions(tolerance: 1e-13, maxIterations: budget, checkEvery: checkEvery)
      if let algorithm { o.exactAlgorithm = algorithm }
      return try program.solve(options: o).report.iterations
    }
  }
  var g = SeededGenerator(seed: 105)
  let n = 5
  let x = Matrix(rows: n, columns: 2, columnMajor: g.normalVector(n) + [Double](repeating: 1, count: n))
  let y = g.normalVector(n)
  let parallel = try ParallelReLUProgram(
    data: x, targets: y, firstLayer: try ActivationPatterns.enumerate(data: x), secondLayer: HiddenPatterns.all(sampleCount: n), beta: 0.1)
  try row("parallel ReLU, interior point", k: 4, limit: nil) { budget in
    try parallel.solve(options: ConvexSolverOptions(tolerance: 1e-13, maxIterations: budget)).report.iterations
  }
  Swift.print("per iter. = (mallocs(2k) − mallocs(k)) / (the extra iterations): the loop's own allocations, certificate checks included")
  guard failures.isEmpty else {
    for f in failures { Swift.print("FAIL \(f)") }
    exit(1)
  }
}
