/// Wall-clock timing for the release harness: best-of and median over repeated calls.
struct Timing {
  /// Fastest single call, in seconds.
  let best: Double
  /// Median single call, in seconds.
  let median: Double
  /// Number of calls timed.
  let runs: Int

  /// Calls `body` at least `minRuns` times and until `minSeconds` of wall time have passed
  /// (after one untimed warm-up call), timing each call separately.
  static func measure(minRuns: Int, minSeconds: Double, warmUp: Bool = true, _ body: () throws -> Void) rethrows -> Timing {
    let clock = ContinuousClock()
    if warmUp { try body() }  // warm-up: page in buffers, start OpenBLAS threads
    var samples: [Double] = []
    let start = clock.now
    while samples.count < minRuns || seconds(clock.now - start) < minSeconds {
      let t0 = clock.now
      try body()
      samples.append(seconds(clock.now - t0))
      if samples.count >= 10_000 { break }
    }
    samples.sort()
    return Timing(best: samples[0], median: samples[samples.count / 2], runs: samples.count)
  }

  static func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }
}

/// Fixed-width table output without Foundation.
enum Table {
  static func pad(_ s: String, _ width: Int, right: Bool = true) -> String {
    let n = s.count
    if n >= width { return s }
    let fill = String(repeating: " ", count: width - n)
    return right ? fill + s : s + fill
  }

  /// `x` with `digits` decimals.
  static func fixed(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return String(describing: x) }
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (abs(x) * p).rounded()
    let whole = Int(r / p)
    var frac = String(Int(r - Double(whole) * p))
    while frac.count < digits { frac = "0" + frac }
    return (x < 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + frac : "")
  }

  /// Seconds with 3 significant-ish digits in a readable unit.
  static func time(_ s: Double) -> String {
    if s >= 1 { return fixed(s, 3) + " s" }
    if s >= 1e-3 { return fixed(s * 1e3, 3) + " ms" }
    return fixed(s * 1e6, 1) + " µs"
  }

  static func row(_ cells: [(String, Int)]) -> String {
    cells.enumerated().map { i, c in pad(c.0, c.1, right: i > 0) }.joined(separator: "  ")
  }
}
