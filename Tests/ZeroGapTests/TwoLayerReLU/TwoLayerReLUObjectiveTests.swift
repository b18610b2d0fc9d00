import Testing
@testable import ZeroGap

@Suite struct TwoLayerReLUObjectiveTests {
  @Test(arguments: [ConvexLoss.squared, .logistic])
  func gradientMatchesFiniteDifferences(loss: ConvexLoss) throws {
    var gen = SeededGenerator(seed: 21)
    let x = gen.normalMatrix(rows: 9, columns: 3)
    let y: [Double] = loss == .squared ? gen.normalVector(9) : (0..<9).map { $0 % 2 == 0 ? 1 : -1 }
    let obj = try TwoLayerReLUObjective(data: x, targets: y, width: 4, beta: 0.3, loss: loss)
    let theta = obj.initialParameters(using: &gen)
    var g = [Double](repeating: 0, count: obj.parameterCount)
    let f = obj.valueAndGradient(theta, gradient: &g)
    let net = obj.network(theta)
    expectClose(f, net.objective(data: x, targets: y, beta: 0.3, loss: loss), relative: 1e-13)
    for k in 0..<theta.count {
      var tp = theta, tm = theta
      tp[k] += 1e-6
      tm[k] -= 1e-6
      let fd = (obj.value(tp) - obj.value(tm)) / 2e-6
      #expect(abs(fd - g[k]) < 1e-6 * max(1, abs(g[k])), "parameter \(k): fd \(fd) vs \(g[k])")
    }
  }

  /// The gated objective (§3.6, fixed gates G): value equals the gated network's objective (its own code path),
  /// gradient equals central differences (the mask is constant, so the objective is smooth in θ).
  @Test func gatedGradientMatchesFiniteDifferences() throws {
    var gen = SeededGenerator(seed: 22)
    let x = gen.normalMatrix(rows: 10, columns: 3)
    let y = gen.normalVector(10)
    let gates = gen.normalMatrix(rows: 3, columns: 5)
    let obj = try TwoLayerReLUObjective(data: x, targets: y, width: 5, beta: 0.2, gates: gates)
    let theta = obj.initialParameters(using: &gen)
    var g = [Double](repeating: 0, count: obj.parameterCount)
    let f = obj.valueAndGradient(theta, gradient: &g)
    let net = obj.network(theta)
    #expect(net.gates == gates)
    expectClose(f, net.objective(data: x, targets: y, beta: 0.2), relative: 1e-13)
    // Naive value: Σ_i ½(Σ_j 1[x_iᵀg_j ≥ 0] (x_iᵀu_j) α_j − y_i)² + (β/2)‖θ‖².
    var naive = 0.0
    for i in 0..<10 {
      var s = 0.0
      for j in 0..<5 {
        var xg = 0.0, xu = 0.0
        for k in 0..<3 { xg += x[i, k] * gates[k, j]; xu += x[i, k] * theta[k + 3 * j] }
        if xg >= 0 { s += xu * theta[15 + j] }
      }
      naive += 0.5 * (s - y[i]) * (s - y[i])
    }
    naive += 0.1 * theta.reduce(0) { $0 + $1 * $1 }
    expectClose(f, naive, relative: 1e-12)
    for k in 0..<theta.count {
      var tp = theta, tm = theta
      tp[k] += 1e-6
      tm[k] -= 1e-6
      let fd = (obj.value(tp) - obj.value(tm)) / 2e-6
      #expect(abs(fd - g[k]) < 1e-6 * max(1, abs(g[k])), "parameter \(k): fd \(fd) vs \(g[k])")
    }
    #expect(throws: ConvexReLUError.self) { try TwoLayerReLUObjective(data: x, targets: y, width: 4, beta: 0.2, gates: gates) }
  }

  @Test func predictionMatchesNaiveLoops() {
    var gen = SeededGenerator(seed: 5)
    let x = gen.normalMatrix(rows: 6, columns: 3)
    let net = TwoLayerReLUNetwork(firstLayer: gen.normalMatrix(rows: 3, columns: 4), outputWeights: gen.normalMatrix(rows: 4, columns: 2))
    let yhat = net.predict(x)
    for i in 0..<6 {
      for c in 0..<2 {
        var s = 0.0
        for j in 0..<4 {
          var h = 0.0
          for k in 0..<3 { h += x[i, k] * net.firstLayer[k, j] }
          s += max(0, h) * net.outputWeights[j, c]
        }
        #expect(abs(yhat[i, c] - s) < 1e-12)
      }
    }
    // Balancing keeps the function and brings weight decay down to the path norm.
    let b = net.balanced()
    expectClose(b.predict(x), yhat, relative: 1e-12)
    expectClose(b.weightDecay, net.pathNorm, relative: 1e-12)
    #expect(net.pathNorm <= net.weightDecay)
  }

  @Test func badInputsThrow() {
    let x = Matrix([[1, 2], [3, 4]])
    #expect(throws: ConvexReLUError.self) { try TwoLayerReLUObjective(data: x, targets: [1], width: 2, beta: 1) }
    #expect(throws: ConvexReLUError.self) { try TwoLayerReLUObjective(data: x, targets: [1, 2], width: 0, beta: 1) }
    #expect(throws: ConvexReLUError.self) { try TwoLayerReLUNetwork.validated(firstLayer: Matrix(rows: 2, columns: 3), outputWeights: Matrix(rows: 2, columns: 1)) }
  }
}
