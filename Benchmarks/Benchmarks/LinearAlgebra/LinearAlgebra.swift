// ordo-one/benchmark suite for the linear-algebra foundation (issue 2): dgemm throughput for
// n = 256…2048 and the time of a 1000×200 thin SVD. Prints the OpenBLAS kernel and thread count first.
// Run: `cd Benchmarks && swift package --disable-sandbox benchmark --no-progress` (after
// `. ../scripts/blas-env.sh`), or `bash scripts/bench.sh --ordo` from the root.
import Benchmark
import ZeroGap

/// MFLOP/s as a custom metric (Benchmark's custom metrics are integers; GFLOP/s would round too much).
private let mflops = BenchmarkMetric.custom("MFLOP/s (dgemm)", polarity: .prefersLarger, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
  print("OpenBLAS kernel: \(BLASRuntime.coreName), threads: \(BLASRuntime.threadCount)")
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .mallocCountTotal], warmupIterations: 1, maxDuration: .seconds(2), maxIterations: 50)

  for n in [256, 512, 1024, 2048] {
    Benchmark("dgemm n=\(n)", configuration: .init(metrics: [.wallClock, .mallocCountTotal, mflops])) { benchmark in
      var g = SeededGenerator(seed: UInt64(n))
      let a = g.normalMatrix(rows: n, columns: n), b = g.normalMatrix(rows: n, columns: n)
      var c = Matrix(rows: n, columns: n)
      let clock = ContinuousClock()
      benchmark.startMeasurement()
      let start = clock.now
      for _ in benchmark.scaledIterations { c.gemm(a, b) }  // in place: no allocation
      let elapsed = clock.now - start
      benchmark.stopMeasurement()
      blackHole(c[0, 0])
      let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      let flops = 2 * Double(n) * Double(n) * Double(n) * Double(benchmark.scaledIterations.count)
      benchmark.measurement(mflops, Int(flops / seconds / 1e6))
    }
  }

  Benchmark("thin SVD 1000x200 (dgesdd)") { benchmark in
    var g = SeededGenerator(seed: 1)
    let a = g.normalMatrix(rows: 1000, columns: 200)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations { blackHole(try SVD(a)) }
  }

  Benchmark("singular values 1000x200 (dgesdd, jobz=N)") { benchmark in
    var g = SeededGenerator(seed: 1)
    let a = g.normalMatrix(rows: 1000, columns: 200)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations { blackHole(try a.singularValues()) }
  }
}
