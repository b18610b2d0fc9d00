import ZeroGap

/// GEMM throughput measured in this run: the denominator of every "fraction of GEMM peak" that
/// later sections (solvers) quote.
struct GEMMPeak {
  /// (n, timing, GFLOP/s) per size.
  let rows: [(n: Int, timing: Timing, gflops: Double)]
  /// The best GFLOP/s over all sizes.
  var peak: Double { rows.map(\.gflops).max() ?? .nan }

  /// Times `C ← A·B` (square, in place, allocation-free) for each n; best-of over the runs.
  static func measure(sizes: [Int], minSeconds: Double) -> GEMMPeak {
    var out: [(Int, Timing, Double)] = []
    for n in sizes {
      var g = SeededGenerator(seed: UInt64(n))
      let a = g.normalMatrix(rows: n, columns: n), b = g.normalMatrix(rows: n, columns: n)
      var c = Matrix(rows: n, columns: n)
      let t = Timing.measure(minRuns: 5, minSeconds: minSeconds) { c.gemm(a, b) }
      out.append((n, t, 2 * Double(n) * Double(n) * Double(n) / t.best / 1e9))
    }
    return GEMMPeak(rows: out)
  }

  func print() {
    Swift.print("dgemm  C ← A·B  (square, column-major Double; GFLOP/s = 2n³ / best time)")
    let w = [6, 11, 11, 9, 9, 6]
    Swift.print(Table.row([("n", w[0]), ("best", w[1]), ("median", w[2]), ("GFLOP/s", w[3]), ("of peak", w[4]), ("runs", w[5])]))
    for r in rows {
      Swift.print(Table.row([
        (String(r.n), w[0]), (Table.time(r.timing.best), w[1]), (Table.time(r.timing.median), w[2]),
        (Table.fixed(r.gflops, 1), w[3]), (Table.fixed(r.gflops / peak, 2), w[4]), (String(r.timing.runs), w[5]),
      ]))
    }
    Swift.print("GEMM peak (best over n): \(Table.fixed(peak, 1)) GFLOP/s")
  }
}

/// One LAPACK-based operation to time, with a nominal flop count for a throughput figure.
struct Routine {
  let name: String
  let shape: String
  /// Nominal flop count (textbook leading term), used only to compare with the GEMM peak.
  let flops: Double
  let body: () throws -> Void
}

/// `zerogap-bench linalg`: GEMM GFLOP/s for n = 256…2048 and the LAPACK anchors, among them the
/// 1000×200 thin SVD, each as time, nominal GFLOP/s and fraction of the GEMM peak of this run.
func runLinalgSection(options: Options) throws {
  let gemm = GEMMPeak.measure(sizes: options.sizes, minSeconds: options.minSeconds)
  gemm.print()
  Swift.print()

  var g = SeededGenerator(seed: 1)
  let a1000x200 = g.normalMatrix(rows: 1000, columns: 200)
  let b1000 = g.normalMatrix(rows: 1000, columns: 1)
  let x = g.normalMatrix(rows: 1200, columns: 1000)
  let spd = x.gram() + Matrix.identity(1000)
  let sym500 = g.normalMatrix(rows: 500, columns: 500).gram()
  let (m, n) = (1000.0, 200.0)
  let routines: [Routine] = [
    // Nominal counts: Golub–Van Loan Table 8.6.1 (R-SVD): Σ, thin U and V ≈ 6mn² + 20n³; Σ only and
    // dgelsd ≈ 2mn² + 2n³ (R-bidiagonalisation); QR with explicit Q ≈ 4mn² − 4n³/3; Cholesky n³/3;
    // dsyevd with vectors ≈ 9n³; dsyrk mn².
    Routine(name: "thin SVD (dgesdd)", shape: "1000×200", flops: 6 * m * n * n + 20 * n * n * n) { _ = try SVD(a1000x200) },
    Routine(name: "singular values (dgesdd N)", shape: "1000×200", flops: 2 * m * n * n + 2 * n * n * n) {
      _ = try a1000x200.singularValues()
    },
    Routine(name: "thin SVD (dgesvd fallback)", shape: "1000×200", flops: 6 * m * n * n + 20 * n * n * n) {
      _ = try SVD(a1000x200, driver: .qrIteration)
    },
    Routine(name: "least squares (dgelsd)", shape: "1000×200, 1 rhs", flops: 2 * m * n * n + 2 * n * n * n) {
      _ = try LeastSquares(a1000x200, b1000)
    },
    Routine(name: "QR (dgeqrf+dorgqr)", shape: "1000×200", flops: 4 * m * n * n - 4.0 / 3 * n * n * n) { _ = try QR(a1000x200) },
    Routine(name: "Cholesky (dpotrf)", shape: "1000", flops: 1e9 / 3) { _ = try Cholesky(spd) },
    Routine(name: "symmetric eigen (dsyevd V)", shape: "500", flops: 9 * 500 * 500 * 500) { _ = try SymmetricEigen(sym500) },
    Routine(name: "Gram AᵀA (dsyrk)", shape: "1000×200", flops: m * n * n) { _ = a1000x200.gram() },
  ]
  Swift.print("LAPACK anchors  (nominal GFLOP/s from textbook flop counts; 'of peak' = ÷ GEMM peak above)")
  let w = [28, 16, 11, 11, 9, 8]
  Swift.print(Table.row([("routine", w[0]), ("shape", w[1]), ("best", w[2]), ("median", w[3]), ("GFLOP/s", w[4]), ("of peak", w[5])]))
  var svdBest = Double.nan
  for r in routines {
    let t = try Timing.measure(minRuns: 5, minSeconds: options.minSeconds / 2, r.body)
    if r.name == "thin SVD (dgesdd)" { svdBest = t.best }
    let gf = r.flops / t.best / 1e9
    Swift.print(Table.row([
      (r.name, w[0]), (r.shape, w[1]), (Table.time(t.best), w[2]), (Table.time(t.median), w[3]),
      (Table.fixed(gf, 1), w[4]), (Table.fixed(gf / gemm.peak, 2), w[5]),
    ]))
  }
  Swift.print()
  if let g1000 = gemm.rows.first(where: { $0.n == 1000 || $0.n == 1024 }) {
    Swift.print(
      "thin SVD 1000×200: \(Table.time(svdBest)) = \(Table.fixed(svdBest / g1000.timing.best, 2))× the time of one "
        + "dgemm n=\(g1000.n) (\(Table.time(g1000.timing.best)))")
  }
}
