import ZeroGap

/// `zerogap-bench linear`: the closed-form duality gap of a standard deep linear network (MATH.md §1.3)
/// for X 10 000×500 and Y 10 000×50 (Y = X·M₀ + noise-free, so Y is realizable), depths 2–5, next to
/// the one SVD that dominates it (`dgelsd` for M = X⁺Y, i.e. an SVD of X) and a plain thin SVD of X.
func runLinearSection(options: Options) throws {
  var g = SeededGenerator(seed: 42)
  let n = 10_000, d = 500, k = 50
  let x = g.normalMatrix(rows: n, columns: d)
  let y = Matrix.product(x, g.normalMatrix(rows: d, columns: k))
  let seconds = max(options.minSeconds, 1)
  var gaps: [Double] = []
  let full = try Timing.measure(minRuns: 3, minSeconds: seconds) {
    let data = try DeepLinearData(x: x, y: y)
    gaps = try (2...5).map { try StandardDeepLinearMinimumNorm(data: data, depth: $0).gap }
  }
  let lstsq = try Timing.measure(minRuns: 3, minSeconds: seconds) { _ = try LeastSquares(x, y) }
  let svdX = try Timing.measure(minRuns: 3, minSeconds: seconds) { _ = try SVD(x) }
  let m = try LeastSquares(x, y).solution
  let svdM = try Timing.measure(minRuns: 3, minSeconds: seconds) { _ = try SVD(m) }
  let w = [44, 11, 11, 6]
  Swift.print("closed-form gap, X 10000×500, Y 10000×50 (depths 2–5)")
  Swift.print(Table.row([("step", w[0]), ("best", w[1]), ("median", w[2]), ("runs", w[3])]))
  for (name, t) in [("P_lin, D_lin, gap (all four depths)", full), ("  of which M = X⁺Y (dgelsd, SVD of X)", lstsq),
                    ("  of which SVD of M (500×50)", svdM), ("thin SVD of X (dgesdd), for comparison", svdX)] {
    Swift.print(Table.row([(name, w[0]), (Table.time(t.best), w[1]), (Table.time(t.median), w[2]), (String(t.runs), w[3])]))
  }
  Swift.print("gaps L=2…5: " + gaps.map { Table.fixed($0, 6) }.joined(separator: ", "))
}
