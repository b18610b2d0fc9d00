/// Minimum-norm interpolation by a standard deep ReLU network with scalar output (MATH.md §4.5, §10.10), as a
/// smooth training objective over the hidden layers W_1 … W_{L−1} (d×m, m×m, …), the last layer eliminated:
///
///     P_mn = min ½ Σ_{l=1}^{L} ‖W_l‖_F²   s.t.   H w_L = y,   H = (⋯((X W_1)_+ W_2)_+ ⋯ W_{L−1})_+  (n×m)
///          = min_{W_1…W_{L−1}} ½ Σ_{l<L} ‖W_l‖_F² + ½ ‖H⁺ y‖²       (y ∈ range H).
///
/// Training minimises the ridge relaxation `J(θ) = ½ Σ_{l<L} ‖W_l‖² + ½ yᵀ(HHᵀ + εI)⁻¹y`, which is at most the
/// min-norm value for every θ (it is `min_w ½‖w‖² + ‖Hw − y‖²/(2ε)`) and differentiable:
/// `∂J/∂H = −a aᵀ H` with `a = (HHᵀ + εI)⁻¹ y`, back-propagated through the ReLUs (ReLU'(0) = 0). The value of a
/// trained θ is then `interpolatingValue(θ)`: the exact last layer `w = H⁺y` and the attained objective of that
/// interpolating network (nil if H does not reach y).
public struct InterpolatingReLUObjective: DifferentiableObjective {
  public let data: Matrix
  public let targets: [Double]
  public let depth: Int
  public let width: Int
  /// The ridge ε of the relaxation (absolute; default 1e-9 · mean(y²)).
  public let ridge: Double

  /// - Precondition: depth ≥ 2, width ≥ 1, one target per sample.
  public init(data: Matrix, targets: [Double], depth: Int, width: Int, ridge: Double? = nil) {
    precondition(depth >= 2 && width >= 1, "depth ≥ 2, width ≥ 1")
    precondition(data.rows == targets.count, "one target per sample")
    self.data = data
    self.targets = targets
    self.depth = depth
    self.width = width
    let meanSquare = targets.reduce(0) { $0 + $1 * $1 } / Double(Swift.max(1, targets.count))
    self.ridge = ridge ?? 1e-9 * Swift.max(meanSquare, Double.leastNormalMagnitude)
  }

  /// Shapes of W_1 … W_{L−1}: d×m, then m×m.
  var shapes: [(rows: Int, columns: Int)] { (0..<(depth - 1)).map { ($0 == 0 ? data.columns : width, width) } }

  public var parameterCount: Int { shapes.reduce(0) { $0 + $1.rows * $1.columns } }

  public func initialParameters(using generator: inout SeededGenerator) -> [Double] {
    shapes.flatMap { generator.normalVector($0.rows * $0.columns, scale: (2 / Double($0.rows)).squareRoot()) }
  }

  func weights(_ theta: [Double]) -> [Matrix] {
    var offset = 0
    return shapes.map { s in
      defer { offset += s.rows * s.columns }
      return Matrix(rows: s.rows, columns: s.columns, columnMajor: Array(theta[offset..<(offset + s.rows * s.columns)]))
    }
  }

  /// Pre- and post-activations of every hidden layer.
  func forward(_ weights: [Matrix]) -> (pre: [Matrix], post: [Matrix]) {
    var pre: [Matrix] = [], post: [Matrix] = []
    var a = data
    for w in weights {
      let h = Matrix.product(a, w)
      var next = h
      next.withUnsafeMutableBufferPointer { p in for k in 0..<p.count where p[k] < 0 { p[k] = 0 } }
      pre.append(h)
      post.append(next)
      a = next
    }
    return (pre, post)
  }

  public func valueAndGradient(_ theta: [Double], gradient: inout [Double]) -> Double {
    let n = data.rows
    let w = weights(theta)
    let (pre, post) = forward(w)
    let h = post[post.count - 1]
    var k = Matrix.product(h, h, transB: .transpose)
    for j in 0..<n { k[j, j] += ridge }
    let y = Matrix(rows: n, columns: 1, columnMajor: targets)
    guard let a = try? Cholesky(k).solve(y) else {
      for i in gradient.indices { gradient[i] = 0 }
      return .infinity
    }
    var value = 0.5 * y.storage.indices.reduce(0) { $0 + y.storage[$1] * a.storage[$1] }
    for m in w { value += 0.5 * m.frobeniusNorm * m.frobeniusNorm }
    // δ = ∂J/∂H = −a (Hᵀa)ᵀ, then through the ReLUs.
    let hta = Matrix.product(h, a, transA: .transpose)
    var delta = Matrix.product(a, hta, transB: .transpose) * -1
    var offset = parameterCount
    for l in stride(from: w.count - 1, through: 0, by: -1) {
      let p = pre[l]
      delta.withUnsafeMutableBufferPointer { d in p.withUnsafeBufferPointer { pp in for i in 0..<d.count where pp[i] <= 0 { d[i] = 0 } } }
      let input = l == 0 ? data : post[l - 1]
      let g = Matrix.product(input, delta, transA: .transpose)
      offset -= w[l].count
      for i in 0..<w[l].count { gradient[offset + i] = g.storage[i] + w[l].storage[i] }
      if l > 0 { delta = Matrix.product(delta, w[l], transB: .transpose) }
    }
    return value
  }

  /// The exact min-norm last layer `w = H⁺y` at θ and the attained objective `½Σ_{l<L}‖W_l‖² + ½‖w‖²`, or nil when
  /// the network does not interpolate (‖Hw − y‖ > `tolerance`·max(1, ‖y‖)).
  public func interpolatingValue(_ theta: [Double], tolerance: Double = 1e-9) -> (value: Double, lastLayer: [Double])? {
    let w = weights(theta)
    let h = forward(w).post[w.count - 1]
    let y = Matrix(rows: data.rows, columns: 1, columnMajor: targets)
    guard let ls = try? LeastSquares(h, y) else { return nil }
    guard LeastSquares.residual(h, ls.solution, y) <= tolerance * Swift.max(1, y.frobeniusNorm) else { return nil }
    var value = 0.5 * ls.solution.frobeniusNorm * ls.solution.frobeniusNorm
    for m in w { value += 0.5 * m.frobeniusNorm * m.frobeniusNorm }
    return (value, ls.solution.storage)
  }
}
