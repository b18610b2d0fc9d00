import Testing
@testable import ZeroGap

/// The min-norm interpolation objective of standard deep ReLU nets: gradient against central differences, the
/// relaxation below the exact interpolating value, and that value recomputed from the weights.
@Suite struct InterpolatingReLUObjectiveTests {
  @Test(arguments: [2, 3, 4])
  func gradientMatchesFiniteDifferences(depth: Int) {
    var gen = SeededGenerator(seed: UInt64(depth))
    let x = gen.normalMatrix(rows: 4, columns: 2)
    let y = gen.normalVector(4)
    let f = InterpolatingReLUObjective(data: x, targets: y, depth: depth, width: 6, ridge: 0.1)
    let theta = f.initialParameters(using: &gen)
    var g = [Double](repeating: 0, count: f.parameterCount)
    _ = f.valueAndGradient(theta, gradient: &g)
    let h = 1e-6
    for k in 0..<f.parameterCount {
      var p = theta, m = theta
      p[k] += h
      m[k] -= h
      let fd = (f.value(p) - f.value(m)) / (2 * h)
      #expect(abs(fd - g[k]) <= 1e-5 * Swift.max(1, abs(fd)), "parameter \(k)")
    }
  }

  @Test func relaxationIsBelowTheInterpolatingValue() throws {
    var gen = SeededGenerator(seed: 5)
    let x = gen.normalMatrix(rows: 3, columns: 2)
    let y = gen.normalVector(3)
    let f = InterpolatingReLUObjective(data: x, targets: y, depth: 3, width: 8)
    let theta = f.initialParameters(using: &gen)
    let exact = try #require(f.interpolatingValue(theta))
    #expect(f.value(theta) <= exact.value + 1e-12)
    // The value from the weights: ½Σ‖W_l‖² + ½‖w‖², and the network interpolates.
    let w = f.weights(theta)
    let h = f.forward(w).post[w.count - 1]
    let fit = h.multiply(exact.lastLayer)
    for (a, b) in zip(fit, y) { #expect(abs(a - b) <= 1e-9) }
    let value = w.reduce(0.5 * exact.lastLayer.norm2 * exact.lastLayer.norm2) { $0 + 0.5 * $1.frobeniusNorm * $1.frobeniusNorm }
    #expect(abs(value - exact.value) <= 1e-12 * value)
  }
}
