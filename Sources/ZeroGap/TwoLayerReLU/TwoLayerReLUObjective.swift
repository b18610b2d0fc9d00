/// The nonconvex training objective of a scalar-output two-layer ReLU network (MATH.md §3.1):
///
///     F(U, α) = ℓ((X U)_+ α, y) + (β/2)(‖U‖_F² + ‖α‖²)
///
/// with X n×d, U d×m, α ∈ R^m. Parameters θ = [vec(U) (column-major, d·m entries); α (m entries)].
/// Gradient (hand-written, subgradient 0 at the kink): with H = XU, A = (H)_+, g = ∇ℓ(Aα),
/// `∂F/∂α = Aᵀg + βα`, `∂F/∂U = Xᵀ((g αᵀ) ⊙ 1[H > 0]) + βU` — two GEMMs and one GEMV.
///
/// With fixed `gates` G (d×m) it is the gated-ReLU network of §3.6 instead: A = M ⊙ XU with the constant mask
/// M = 1[XG ≥ 0] (as `TwoLayerReLUNetwork.hidden`), and `∂F/∂U = Xᵀ((g αᵀ) ⊙ M) + βU`. Its global optimum over
/// widths m equals the C-GReLU program over the patterns of G (§3.6), so that program's certified lower bound
/// covers every gated network with these gates.
public struct TwoLayerReLUObjective: DifferentiableObjective {
  public let data: Matrix
  public let targets: [Double]
  public let width: Int
  public let beta: Double
  public let loss: ConvexLoss
  /// Standard deviation scale of the random initialisation (U ~ N(0, scale²/d), α ~ N(0, scale²/m)).
  public let initScale: Double
  /// Fixed gates G (d×m) of a gated-ReLU network (§3.6); nil for an ordinary ReLU network.
  public let gates: Matrix?
  /// The n×m mask 1[XG ≥ 0] of `gates` (empty without gates).
  let gateMask: Matrix

  /// - Parameter gates: d×`width` fixed gates for a gated-ReLU network (nil: ReLU).
  /// - Throws: `.shapeMismatch`, `.invalidParameter` (width < 1, β < 0), `.invalidLabels`.
  public init(
    data: Matrix, targets: [Double], width: Int, beta: Double, loss: ConvexLoss = .squared, initScale: Double = 1,
    gates: Matrix? = nil
  ) throws(ConvexReLUError) {
    guard data.rows == targets.count else { throw .shapeMismatch("X has \(data.rows) rows but y has \(targets.count) entries") }
    guard width >= 1 else { throw .invalidParameter("the hidden width must be ≥ 1 (got \(width))") }
    if let g = gates, g.rows != data.columns || g.columns != width {
      throw .shapeMismatch("the gates are \(g.rows)×\(g.columns) but a width-\(width) network on \(data.columns) features needs \(data.columns)×\(width)")
    }
    guard beta >= 0, beta.isFinite else { throw .invalidParameter("β must be finite and ≥ 0 (got \(beta))") }
    guard loss.isSmooth else { throw .invalidParameter("gradient training needs a smooth loss (squared or logistic), got \(loss.rawValue)") }
    try loss.validate(targets: targets)
    self.data = data
    self.targets = targets
    self.width = width
    self.beta = beta
    self.loss = loss
    self.initScale = initScale
    self.gates = gates
    if let g = gates {
      var m = Matrix.product(data, g)
      m.withUnsafeMutableBufferPointer { p in for k in 0..<p.count { p[k] = p[k] >= 0 ? 1 : 0 } }
      gateMask = m
    } else {
      gateMask = Matrix(rows: 0, columns: 0)
    }
  }

  public var parameterCount: Int { data.columns * width + width }

  /// The network of parameters θ.
  public func network(_ theta: [Double]) -> TwoLayerReLUNetwork {
    let d = data.columns
    let u = Matrix(rows: d, columns: width, columnMajor: Array(theta[0..<(d * width)]))
    let a = Matrix(rows: width, columns: 1, columnMajor: Array(theta[(d * width)...]))
    return TwoLayerReLUNetwork(firstLayer: u, outputWeights: a, gates: gates)
  }

  /// θ of a network (scalar output, width `width`).
  public func parameters(of net: TwoLayerReLUNetwork) -> [Double] {
    precondition(net.width == width && net.inputDimension == data.columns && net.outputDimension == 1 && (net.gates == nil) == (gates == nil))
    return net.firstLayer.storage + net.outputWeights.storage
  }

  public func valueAndGradient(_ theta: [Double], gradient: inout [Double]) -> Double {
    let n = data.rows, d = data.columns, m = width
    let u = Matrix(rows: d, columns: m, columnMajor: Array(theta[0..<(d * m)]))
    let alpha = Array(theta[(d * m)...])
    // A = (XU)_+ (ReLU) or 1[XG ≥ 0] ⊙ XU (gated), in place of H = XU.
    var a = Matrix.product(data, u)
    let gated = gates != nil
    a.withUnsafeMutableBufferPointer { p in
      if gated {
        gateMask.withUnsafeBufferPointer { q in for k in 0..<p.count { p[k] *= q[k] } }
      } else {
        for k in 0..<p.count where p[k] < 0 { p[k] = 0 }
      }
    }
    let yhat = a.multiply(alpha)
    var g = [Double](repeating: 0, count: n)
    let f = yhat.withUnsafeBufferPointer { p in
      targets.withUnsafeBufferPointer { q in g.withUnsafeMutableBufferPointer { gp in loss.valueAndGradient(p, q, gradient: gp) } }
    }
    // ∂/∂α = Aᵀ g + β α
    let galpha = a.multiply(g, trans: .transpose)
    // T = (g αᵀ) ⊙ mask, in place of A; the mask is 1[H > 0] = 1[A > 0] for ReLU (subgradient 0 at the kink),
    // the gate mask for a gated network.
    a.withUnsafeMutableBufferPointer { tp in
      gateMask.withUnsafeBufferPointer { mp in
        for j in 0..<m {
          for i in 0..<n {
            let on = gated ? mp[i + j * n] > 0 : tp[i + j * n] > 0
            tp[i + j * n] = on ? g[i] * alpha[j] : 0
          }
        }
      }
    }
    let gu = Matrix.product(data, a, transA: .transpose)
    for k in 0..<(d * m) { gradient[k] = gu.storage[k] + beta * theta[k] }
    for j in 0..<m { gradient[d * m + j] = galpha[j] + beta * alpha[j] }
    var reg = 0.0
    for k in 0..<theta.count { reg += theta[k] * theta[k] }
    return f + 0.5 * beta * reg
  }

  public func initialParameters(using generator: inout SeededGenerator) -> [Double] {
    let d = data.columns
    let su = initScale / Double(d).squareRoot(), sa = initScale / Double(width).squareRoot()
    return generator.normalVector(d * width, scale: su) + generator.normalVector(width, scale: sa)
  }
}
