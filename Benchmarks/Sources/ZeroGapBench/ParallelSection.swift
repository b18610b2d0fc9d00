#if canImport(Glibc)
  import Glibc
#endif
import Foundation
import ZeroGap

/// `zerogap-bench parallel`: time to a certified relative gap of 1e-6 of the three-layer parallel ReLU program
/// (MATH.md §4.3) against n, P₁ and P₂, β = 0.1, on two kinds of instance:
/// - the grid `n…`: X = [a, 1] (a standard normal, one feature + bias, all first-layer patterns: P₁ = 2n) and y
///   standard normal; P₂ is all 2ⁿ patterns for n ≤ 6 and sampled from random branches beyond;
/// - tabular data `t…`: X = [A, 1] with A n×(d−1) standard normal, y = (Xa)₊ − ½(Xb)₊ + 0.1·noise, the first layer
///   from P₁ Gaussian gates completed so that every sample is active (`ActivationPatterns.coveringEverySample`), the
///   second from P₂ random branches on those gates: the sizes and pattern sources of `zerogap fit --model
///   parallel-relu` on a small file.
/// Every instance (X, y, D₁, D₂, β) is written to `$ZEROGAP_BENCH_DIR` (default `.build/bench-parallel`) so that
/// `bench/time_reference_parallel.py` solves the same programs with cvxpy + Clarabel; `scripts/bench.sh parallel`
/// runs both and prints the ratio. `ZEROGAP_BENCH_CASE=substring` filters cases, `ZEROGAP_BENCH_RUNS=k` takes the
/// best of k solves (default 3; more for profiling).
func runParallelSection(options: Options) throws {
  let dir = getenv("ZEROGAP_BENCH_DIR").map { String(cString: $0) } ?? ".build/bench-parallel"
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  let only = getenv("ZEROGAP_BENCH_CASE").map { String(cString: $0) }
  let runs = getenv("ZEROGAP_BENCH_RUNS").flatMap { Int(String(cString: $0)) }.map { Swift.max(1, $0) } ?? 3
  let grid: [(n: Int, p2: Int?)] = [
    (4, nil), (5, nil), (6, nil), (8, 32), (8, 128), (12, 32), (16, 32), (16, 128), (20, 32), (20, 128), (24, 128), (32, 128),
  ]
  let tabular: [(n: Int, d: Int, p1: Int, p2: Int)] = [(100, 3, 8, 8), (200, 5, 10, 10), (400, 5, 12, 12)]
  let w = [18, 5, 5, 8, 10, 10, 14, 10]
  Swift.print(Table.row([
    ("case", w[0]), ("P1", w[1]), ("P2", w[2]), ("blocks", w[3]), ("time", w[4]), ("iters", w[5]), ("objective", w[6]), ("rel. gap", w[7]),
  ]))
  for instance in grid.map({ Instance.line(n: $0.n, p2: $0.p2) }) + tabular.map({ Instance.tabular(n: $0.n, d: $0.d, p1: $0.p1, p2: $0.p2) }) {
    if let only, !instance.name.contains(only) { continue }
    let (name, x, y, p1, p2) = try instance.make()
    let beta = 0.1
    let program = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, secondLayer: p2, beta: beta)
    var report: ConvexSolverReport? = nil
    let t = try Timing.measure(minRuns: runs, minSeconds: 0, warmUp: false) {
      report = try program.solve(options: ConvexSolverOptions(tolerance: 1e-6, maxIterations: 200_000)).report
    }
    guard let r = report else { continue }
    let caseDir = dir + "/" + name
    try FileManager.default.createDirectory(atPath: caseDir, withIntermediateDirectories: true)
    try NPY.write(x, to: caseDir + "/X.npy")
    try NPY.write(Matrix(column: y), to: caseDir + "/y.npy")
    try NPY.write(p1.masks, to: caseDir + "/D1.npy")
    try NPY.write(p2.masks, to: caseDir + "/D2.npy")
    let summary = "{\"beta\": \(beta), \"seconds\": \(t.best), \"objective\": \(r.objective), \"lower_bound\": \(r.lowerBound), \"iterations\": \(r.iterations)}\n"
    try summary.write(toFile: caseDir + "/zerogap.json", atomically: true, encoding: .utf8)
    Swift.print(Table.row([
      (name, w[0]), (String(p1.count), w[1]), (String(p2.count), w[2]), (String(program.blockCount), w[3]), (Table.time(t.best), w[4]),
      (String(r.iterations), w[5]), (Table.fixed(r.objective, 8), w[6]), (String(describing: (r.relativeGap * 1e9).rounded() / 1e9), w[7]),
    ]))
    fflush(nil)
  }
  Swift.print("time = one solve to a certified relative gap ≤ 1e-6 (best of \(runs); the interior-point method, bench/PARALLEL_SOLVER.md); instances in \(dir)")
}

/// One bench instance: the grid's line data or a small tabular problem (`runParallelSection`).
private enum Instance {
  case line(n: Int, p2: Int?)
  case tabular(n: Int, d: Int, p1: Int, p2: Int)

  var name: String {
    switch self {
    case .line(let n, let p2): "n\(n)-" + (p2.map { "p2s\($0)" } ?? "p2all")
    case .tabular(let n, let d, let p1, let p2): "t\(n)-d\(d)-\(p1)x\(p2)"
    }
  }

  func make() throws -> (name: String, x: Matrix, y: [Double], p1: ActivationPatterns, p2: HiddenPatterns) {
    switch self {
    case .line(let n, let sampled):
      var g = SeededGenerator(seed: UInt64(100 + n))
      let a = g.normalVector(n)
      let x = Matrix(rows: n, columns: 2, columnMajor: a + [Double](repeating: 1, count: n))
      let y = g.normalVector(n)
      let p1 = try ActivationPatterns.enumerate(data: x)
      let p2 = try sampled.map { count in try HiddenPatterns.sample(count: count, data: x, generator: &g) } ?? HiddenPatterns.all(sampleCount: n)
      return (name, x, y, p1, p2)
    case .tabular(let n, let d, let count1, let count2):
      var g = SeededGenerator(seed: UInt64(1000 + n + d))
      let x = g.normalMatrix(rows: n, columns: d - 1).addingBiasColumn()
      let (a, b) = (g.normalVector(d), g.normalVector(d))
      let (xa, xb) = (x.multiply(a), x.multiply(b))
      let y = (0..<n).map { Swift.max(0, xa[$0]) - 0.5 * Swift.max(0, xb[$0]) + 0.1 * g.nextNormal() }
      let p1 = try ActivationPatterns.sample(data: x, count: count1, using: &g).coveringEverySample(data: x)
      let p2 = try HiddenPatterns.sample(count: count2, data: x, firstLayerGates: p1.gates, generator: &g)
      return (name, x, y, p1, p2)
    }
  }
}
