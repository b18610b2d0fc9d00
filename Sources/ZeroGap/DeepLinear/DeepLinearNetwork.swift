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

/// The nonconvex regularised objective of a standard deep linear net (MATH.md §1.5), over
/// θ = (W_1, …, W_L) flattened by `LayerLayout`:
///
///     f(θ) = (1/2)‖X W_1⋯W_L − Y‖_F² + (β/2) Σ_l ‖W_l‖_F²,
///
/// with the hand-written gradient `∂f/∂W_l = A_{l−1}ᵀ (F−Y) W_Lᵀ⋯W_{l+1}ᵀ + βW_l`, A_l = X W_1⋯W_l.
public struct DeepLinearObjective: DifferentiableObjective {
  public let x: Matrix
  public let y: Matrix
  /// [d, m_1, …, m_{L−1}, k].
  public let widths: [Int]
  /// Weight-decay strength β ≥ 0.
  public let beta: Double
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
    var value = 0.5 * res.dot(res)
    var decay = 0.0
    for w in layers { decay += w.dot(w) }
    value += 0.5 * beta * decay
    let grads = LinearChain.backward(acts, layers, res)
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
}

/// Min-norm interpolation `min (1/2)Σ_l‖W_l‖² s.t. X W_1⋯W_L = Y` (MATH.md §1.2) trained with the
/// "min-norm last layer" (MATH.md §10.2): θ = (W_1, …, W_{L−1}) only, and the last layer is the unique
/// interpolating solution on the features `B = X W_1⋯W_{L−1}` (n×m_{L−1}, full column rank):
///
///     W_L(θ) = (BᵀB)⁻¹BᵀY,   f(θ) = (1/2)Σ_{l<L}‖W_l‖² + (1/2)‖W_L(θ)‖²,
///     ∂f/∂B = R Zᵀ − B Z W_Lᵀ  with R = Y − BW_L, Z = (BᵀB)⁻¹W_L,
///
/// back-propagated through the first L−1 layers. With m_{L−1} = rank(X) and Y realizable,
/// range(B) = range(X) ∋ columns of Y, so R = 0 and every value is that of an exactly interpolating
/// network (an honest upper bound on P_lin); `residual(θ)` reports ‖R‖. f = ∞ where BᵀB is singular.
///
/// Limitation: when rank X⁺Y < rank X the optimum needs the extra hidden directions to shrink to 0,
/// where BᵀB becomes singular, so training stalls above P_lin (badly for deep L). `DeepLinearTraining`
/// therefore uses `MinimumNormFirstLayerObjective`, whose optimum is interior.
public struct DeepLinearMinimumNormObjective: DifferentiableObjective {
  public let x: Matrix
  public let y: Matrix
  /// [d, m_1, …, m_{L−1}, k].
  public let widths: [Int]
  public var initScale: Double
  /// Layout of (W_1, …, W_{L−1}).
  public let layout: LayerLayout

  /// - Parameter hiddenWidths: m_1…m_{L−1}; m_{L−1} ≤ rank(X) is needed for BᵀB to be invertible
  ///   and m_{L−1} = rank(X) for exact interpolation.
  public init(x: Matrix, y: Matrix, hiddenWidths: [Int], initScale: Double = 0.5) throws(DeepLinearError) {
    guard x.rows == y.rows else { throw .rowMismatch(xRows: x.rows, yRows: y.rows) }
    guard !hiddenWidths.isEmpty else { throw .invalidDepth(1, minimum: 2) }
    guard hiddenWidths.allSatisfy({ $0 >= 1 }) else { throw .invalidParameter("hidden widths must be ≥ 1 (got \(hiddenWidths))") }
    guard let last = hiddenWidths.last, last <= x.rows else {
      throw .invalidParameter("the last hidden width must be ≤ n = \(x.rows) for the min-norm last layer")
    }
    self.x = x
    self.y = y
    widths = [x.columns] + hiddenWidths + [y.columns]
    self.initScale = initScale
    layout = LayerLayout(chainWidths: Array(widths.dropLast()))
  }

  public var depth: Int { widths.count - 1 }
  public var parameterCount: Int { layout.parameterCount }

  /// The full network (with the computed last layer), or nil where BᵀB is singular.
  public func network(_ parameters: [Double]) -> DeepLinearNetwork? {
    let layers = layout.unpack(parameters)
    let b = LinearChain.forward(x, layers).last ?? x
    guard let (w, _, _) = MinimumNormLastLayer.solve(b, y) else { return nil }
    return DeepLinearNetwork(layers: layers + [w])
  }

  /// ‖X W_1⋯W_L − Y‖_F of the full network (∞ where BᵀB is singular).
  public func residual(_ parameters: [Double]) -> Double {
    guard let net = network(parameters) else { return .infinity }
    return (net.predict(x) - y).frobeniusNorm
  }

  public func valueAndGradient(_ parameters: [Double], gradient: inout [Double]) -> Double {
    let layers = layout.unpack(parameters)
    let acts = LinearChain.forward(x, layers)
    let b = acts[acts.count - 1]
    guard let (w, chol, r) = MinimumNormLastLayer.solve(b, y) else { return .infinity }
    guard let gb = MinimumNormLastLayer.featureGradient(b: b, cholesky: chol, lastLayer: w, residual: r, penaltyGradient: w) else {
      return .infinity
    }
    var value = 0.5 * w.dot(w)
    let grads = LinearChain.backward(acts, layers, gb)
    for l in layers.indices {
      value += 0.5 * layers[l].dot(layers[l])
      var gl = grads[l]
      gl.add(layers[l])
      layout.write(gl, block: l, into: &gradient)
    }
    return value
  }

  public func initialParameters(using generator: inout SeededGenerator) -> [Double] {
    (0..<parameterCount).map { _ in initScale * generator.nextNormal() }
  }
}

/// The unique interpolating last layer on full-column-rank features, and the chain rule through it.
enum MinimumNormLastLayer {
  /// `W = (BᵀB)⁻¹BᵀY`, the Cholesky factor of BᵀB and `R = Y − BW`; nil if BᵀB is not positive definite.
  static func solve(_ b: Matrix, _ y: Matrix) -> (Matrix, Cholesky, Matrix)? {
    guard b.isFinite, let chol = try? Cholesky(b.gram(.transpose)),
      let w = try? chol.solve(Matrix.product(b, y, transA: .transpose)), w.isFinite
    else { return nil }
    var r = y
    r.gemm(b, w, alpha: -1, beta: 1)
    return (w, chol, r)
  }

  /// `∂⟨P, W(B)⟩/∂B = R Zᵀ − B Z Wᵀ`, Z = (BᵀB)⁻¹P, for a penalty with gradient P = ∂pen/∂W.
  static func featureGradient(b: Matrix, cholesky: Cholesky, lastLayer w: Matrix, residual r: Matrix, penaltyGradient p: Matrix) -> Matrix? {
    guard let z = try? cholesky.solve(p) else { return nil }
    var g = Matrix.product(r, z, transB: .transpose)
    let bz = Matrix.product(b, z)
    g.gemm(bz, w, transB: .transpose, alpha: -1, beta: 1)
    return g
  }
}
