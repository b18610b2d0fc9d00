/// A two-layer ReLU network `f(X) = (X U)_+ · A` (MATH.md §3.1), or its gated variant
/// `f(X) = (1[X G ≥ 0] ⊙ X U) · A` (§3.6) when `gates` is set.
///
/// Shapes: first layer U is d×m (column j = u_j), output weights A are m×k (row j = α_j), gates G are d×m.
/// Weight decay is `(β/2)(‖U‖_F² + ‖A‖_F²)`, as in §3.1; objectives are unnormalised sums (§0).
public struct TwoLayerReLUNetwork: Sendable, Equatable {
  /// d×m first-layer weights.
  public var firstLayer: Matrix
  /// m×k output weights.
  public var outputWeights: Matrix
  /// d×m fixed gates of a gated-ReLU network (nil: an ordinary ReLU network).
  public var gates: Matrix?
  /// Unpenalised output bias b (length k) added to every prediction, or nil (none). Not part of the weight decay.
  public var outputBias: [Double]?

  /// - Precondition: `firstLayer.columns == outputWeights.rows` (and gates of the first layer's shape; a bias of
  ///   length k).
  public init(firstLayer: Matrix, outputWeights: Matrix, gates: Matrix? = nil, outputBias: [Double]? = nil) {
    precondition(firstLayer.columns == outputWeights.rows, "first layer has \(firstLayer.columns) neurons, output weights \(outputWeights.rows) rows")
    if let g = gates { precondition(g.rows == firstLayer.rows && g.columns == firstLayer.columns, "gates must be d×m like the first layer") }
    self.firstLayer = firstLayer
    self.outputWeights = outputWeights
    self.gates = gates
    if let b = outputBias { precondition(b.count == outputWeights.columns, "the output bias must have one entry per output") }
    self.outputBias = outputBias
  }

  /// Checked construction from user data (e.g. `.npy` files): shapes must agree and values be finite.
  /// - Throws: `.shapeMismatch`, `.nonFinite` with the file roles in the message.
  public static func validated(firstLayer: Matrix, outputWeights: Matrix) throws(ConvexReLUError) -> TwoLayerReLUNetwork {
    guard firstLayer.columns == outputWeights.rows else {
      throw .shapeMismatch("the first layer W1 is \(firstLayer.rows)×\(firstLayer.columns) (d×m) but the output weights W2 are \(outputWeights.rows)×\(outputWeights.columns); W2 must be m×k with m = \(firstLayer.columns)")
    }
    guard firstLayer.isFinite, outputWeights.isFinite else { throw .nonFinite("the network weights contain NaN or infinite values") }
    return TwoLayerReLUNetwork(firstLayer: firstLayer, outputWeights: outputWeights)
  }

  /// Input dimension d.
  public var inputDimension: Int { firstLayer.rows }
  /// Hidden width m.
  public var width: Int { firstLayer.columns }
  /// Output dimension k.
  public var outputDimension: Int { outputWeights.columns }

  /// Hidden activations `(X U)_+` (or `1[XG ≥ 0] ⊙ XU`), n×m. One GEMM (two with gates).
  public func hidden(_ x: Matrix) -> Matrix {
    precondition(x.columns == inputDimension, "data has \(x.columns) features, network expects \(inputDimension)")
    var h = Matrix.product(x, firstLayer)
    if let g = gates {
      let xg = Matrix.product(x, g)
      h.withUnsafeMutableBufferPointer { hp in
        xg.withUnsafeBufferPointer { gp in for k in 0..<hp.count where gp[k] < 0 { hp[k] = 0 } }
      }
    } else {
      h.withUnsafeMutableBufferPointer { hp in for k in 0..<hp.count where hp[k] < 0 { hp[k] = 0 } }
    }
    return h
  }

  /// Predictions f(X), n×k.
  public func predict(_ x: Matrix) -> Matrix {
    var out = Matrix.product(hidden(x), outputWeights)
    if let b = outputBias {
      for c in 0..<out.columns { for i in 0..<out.rows { out[i, c] += b[c] } }
    }
    return out
  }

  /// Weight decay `(1/2)(‖U‖_F² + ‖A‖_F²)` (multiply by β).
  public var weightDecay: Double {
    0.5 * (firstLayer.dot(firstLayer) + outputWeights.dot(outputWeights))
  }

  /// Balanced penalty `Σ_j ‖u_j‖₂ ‖α_j‖₂` — the weight decay after the optimal per-neuron rescaling (§3.1);
  /// always ≤ `weightDecay`.
  public var pathNorm: Double {
    var s = 0.0
    for j in 0..<width {
      let a = outputWeights.row(j).norm2
      s += firstLayer.column(j).norm2 * a
    }
    return s
  }

  /// The same function with every neuron rescaled so that ‖u_j‖ = ‖α_j‖ (weight decay = path norm).
  public func balanced() -> TwoLayerReLUNetwork {
    var out = self
    for j in 0..<width {
      let un = firstLayer.column(j).norm2
      let an = outputWeights.row(j).norm2
      guard un > 0, an > 0 else {
        for i in 0..<inputDimension { out.firstLayer[i, j] = 0 }
        for c in 0..<outputDimension { out.outputWeights[j, c] = 0 }
        continue
      }
      let c = (an / un).squareRoot()
      for i in 0..<inputDimension { out.firstLayer[i, j] *= c }
      for k in 0..<outputDimension { out.outputWeights[j, k] /= c }
    }
    return out
  }

  /// Objective of §3.1 for a scalar output: `ℓ(f(X), y) + (β/2)(‖U‖² + ‖α‖²)`.
  public func objective(data x: Matrix, targets y: [Double], beta: Double, loss: ConvexLoss = .squared) -> Double {
    precondition(outputDimension == 1, "objective(targets:) is for scalar-output networks")
    let yhat = predict(x).column(0)
    return loss.value(yhat, y) + beta * weightDecay
  }
}
