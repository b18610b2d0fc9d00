/// A parallel deep ReLU network with scalar output (MATH.md §4.1, §4.4), each branch a standard ReLU chain
///
///     g_j(X) = ( (⋯((X W_{1,j})_+ W_{2,j})_+ ⋯ ) w_{L−1,j} )_+ ,   f(X) = Σ_j z_j g_j(X),
///
/// with W_{1,j} d×m₁, W_{l,j} m_{l−1}×m_l and a last layer of width 1 (`layers.last` has one column). Its
/// regulariser here is the **path norm** of each branch, `Σ_paths ‖W₁[:,i]‖·|W₂[i,k]|⋯|w_{L−1}[·]|·|z|`, the penalty of the
/// recursive convex program of §4.4 (at depth 3 it equals §4.3's ‖W₁‖_F‖w₂‖|z| after rebalancing each first-layer
/// neuron against its output weight; at depth ≥ 4 it is at most the Frobenius product R1, Cauchy–Schwarz).
public struct DeepParallelReLUNetwork: Sendable, Equatable {
  public struct Branch: Sendable, Equatable {
    /// W₁ (d×m₁), W₂ (m₁×m₂), …, w_{L−1} (m_{L−2}×1).
    public var layers: [Matrix]
    /// The output weight z.
    public var output: Double

    public init(layers: [Matrix], output: Double) {
      precondition(layers.count >= 2 && layers.last?.columns == 1, "a branch has at least two layers, the last of width 1")
      precondition(zip(layers, layers.dropFirst()).allSatisfy { $0.columns == $1.rows }, "consecutive layers must chain")
      self.layers = layers
      self.output = output
    }

    /// `g(X)` (length n), the branch before its output weight.
    public func value(_ x: Matrix) -> [Double] {
      var a = x
      for w in layers {
        a = Matrix.product(a, w)
        a.withUnsafeMutableBufferPointer { p in for k in 0..<p.count where p[k] < 0 { p[k] = 0 } }
      }
      return a.column(0)
    }

    /// The path norm `Σ_paths ‖W₁[:,i]‖ Π |weights| · |z|`.
    public var pathNorm: Double {
      var v = (0..<layers[0].columns).map { layers[0].column($0).norm2 }
      for w in layers.dropFirst() {
        v = (0..<w.columns).map { k in (0..<w.rows).reduce(0) { $0 + v[$1] * Swift.abs(w[$1, k]) } }
      }
      return v[0] * Swift.abs(output)
    }
  }

  public var branches: [Branch]
  public let inputDimension: Int

  public init(inputDimension: Int, branches: [Branch]) {
    precondition(branches.allSatisfy { $0.layers[0].rows == inputDimension }, "every branch takes d inputs")
    self.inputDimension = inputDimension
    self.branches = branches
  }

  /// Depth L (layers per branch + the output weight); 0 without branches.
  public var depth: Int { branches.first.map { $0.layers.count + 1 } ?? 0 }

  /// f(X) (length n).
  public func predict(_ x: Matrix) -> [Double] {
    precondition(x.columns == inputDimension, "data has \(x.columns) features, network expects \(inputDimension)")
    var out = [Double](repeating: 0, count: x.rows)
    for b in branches {
      let g = b.value(x)
      for j in 0..<x.rows { out[j] += b.output * g[j] }
    }
    return out
  }

  /// Σ_j path norm of branch j.
  public var penalty: Double { branches.reduce(0) { $0 + $1.pathNorm } }

  /// `ℓ(f(X), y) + β·penalty`.
  public func objective(data x: Matrix, targets y: [Double], beta: Double, loss: ConvexLoss = .squared) -> Double {
    loss.value(predict(x), y) + beta * penalty
  }
}

extension DeepParallelReLUNetwork {
  /// A three-layer parallel network (§4.3) as a tree of depth 3: layers W₁ and w₂, the same output weight.
  public init(_ network: ParallelReLUNetwork) {
    self.init(
      inputDimension: network.inputDimension,
      branches: network.branches.map { .init(layers: [$0.firstLayer, Matrix(column: $0.secondLayer)], output: $0.output) })
  }
}
