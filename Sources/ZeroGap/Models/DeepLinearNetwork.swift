/// A standard deep linear network `f(X) = X W_1 W_2 ⋯ W_L` (MATH.md §1), W_l ∈ R^{m_{l−1}×m_l},
/// m_0 = d, m_L = k.
public struct DeepLinearNetwork: Sendable {
  /// W_1 … W_L.
  public var layers: [Matrix]

  public init(layers: [Matrix]) {
    precondition(!layers.isEmpty, "a network needs at least one layer")
    for l in 1..<layers.count {
      precondition(layers[l - 1].columns == layers[l].rows, "layer \(l) is \(layers[l - 1].rows)×\(layers[l - 1].columns) but layer \(l + 1) has \(layers[l].rows) rows")
    }
    self.layers = layers
  }

  public var depth: Int { layers.count }

  /// The end-to-end matrix W_1⋯W_L (d×k).
  public var endToEnd: Matrix { layers.dropFirst().reduce(layers[0]) { Matrix.product($0, $1) } }

  /// Predictions `X W_1⋯W_L` (n×k).
  public func predict(_ x: Matrix) -> Matrix { LinearChain.forward(x, layers).last ?? x }

  /// Weight decay `(1/2) Σ_l ‖W_l‖_F²` (without β).
  public var weightDecay: Double { 0.5 * layers.reduce(0) { $0 + $1.dot($1) } }
}

/// The nonconvex training objective of a standard deep linear net (MATH.md §1.2, §1.5), over
/// θ = (W_1, …, W_L) flattened by `LayerLayout`:
///
///     f(θ) = (ρ/2)‖F − Y‖_F² + ⟨Λ, F − Y⟩ + (β/2) Σ_l ‖W_l‖_F²,    F = X W_1⋯W_L,
///
/// with the hand-written gradient `∂f/∂W_l = A_{l−1}ᵀ G W_Lᵀ⋯W_{l+1}ᵀ + βW_l`, G = ρ(F−Y) + Λ.
/// Regularised loss: ρ = 1, Λ = 0 (the default). Min-norm interpolation: β = 1 and the augmented
/// Lagrangian (ρ, Λ) of `AugmentedLagrangianTrainer`.
public struct DeepLinearObjective: InterpolationObjective {
  public let x: Matrix
  public let y: Matrix
  /// [d, m_1, …, m_{L−1}, k].
  public let widths: [Int]
  /// Weight-decay strength β ≥ 0.
  public var beta: Double
  /// Weight ρ of the squared residual.
  public var rho: Double = 1
  /// Multiplier Λ (n×k), or nil for 0.
  public var multiplier: Matrix?
  /// Standard deviation of the Gaussian initialisation of every weight.
  public var initScale: Double
  public let layout: LayerLayout

  /// - Parameter hiddenWidths: m_1…m_{L−1} (L − 1 entries, each ≥ 1).
  /// - Throws: `.rowMismatch`, `.invalidBeta`, `.invalidParameter` for bad widths.
  public init(x: Matrix, y: Matrix, hiddenWidths: [Int], beta: Double, initScale: Double = 0.5) throws(DeepLinearError) {
    guard x.rows == y.rows else { throw .rowMismatch(xRows: x.rows, yRows: y.rows) }
    guard beta >= 0, beta.isFinite else { throw .invalidBeta(beta) }
    guard hiddenWidths.allSatisfy({ $0 >= 1 }) else { throw .invalidParameter("hidden widths must be ≥ 1 (got \(hiddenWidths))") }
    self.x = x
    self.y = y
    self.widths = [x.columns] + hiddenWidths + [y.columns]
    self.beta = beta
    self.initScale = initScale
    self.layout = LayerLayout(chainWidths: widths)
  }

  /// Depth L.
  public var depth: Int { widths.count - 1 }
  public var parameterCount: Int { layout.parameterCount }

  public func network(_ parameters: [Double]) -> DeepLinearNetwork { DeepLinearNetwork(layers: layout.unpack(parameters)) }

  public func valueAndGradient(_ parameters: [Double], gradient: inout [Double]) -> Double {
    let layers = layout.unpack(parameters)
    let acts = LinearChain.forward(x, layers)
    var res = acts[acts.count - 1]
    res.add(y, scaledBy: -1)
    var value = 0.5 * rho * res.dot(res)
    var g = res * rho
    if let multiplier {
      value += multiplier.dot(res)
      g.add(multiplier)
    }
    var decay = 0.0
    for w in layers { decay += w.dot(w) }
    value += 0.5 * beta * decay
    let grads = LinearChain.backward(acts, layers, g)
    for l in layers.indices {
      var gl = grads[l]
      if beta != 0 { gl.add(layers[l], scaledBy: beta) }
      layout.write(gl, block: l, into: &gradient)
    }
    return value
  }

  public func initialParameters(using generator: inout SeededGenerator) -> [Double] {
    (0..<parameterCount).map { _ in initScale * generator.nextNormal() }
  }

  /// `(1/2)Σ‖W_l‖²` (the min-norm objective; β is not applied).
  public func regularizer(_ parameters: [Double]) -> Double { 0.5 * parameters.dot(parameters) }

  public func residual(_ parameters: [Double]) -> Matrix {
    network(parameters).predict(x) - y
  }

  public func augmentedLagrangian(multiplier: Matrix, rho: Double) -> DeepLinearObjective {
    var c = self
    c.multiplier = multiplier
    c.rho = rho
    c.beta = 1
    return c
  }

  /// Corrects W_L by least squares: `W_L ← W_L + B⁺(Y − B W_L)`, B = X W_1⋯W_{L−1}.
  public func restoringFeasibility(_ parameters: [Double]) -> [Double] {
    var layers = layout.unpack(parameters)
    let b = LinearChain.forward(x, Array(layers.dropLast())).last ?? x
    let target = y - Matrix.product(b, layers[layers.count - 1])
    guard let ls = try? LeastSquares(b, target) else { return parameters }
    layers[layers.count - 1].add(ls.solution)
    return layout.pack(layers)
  }
}
