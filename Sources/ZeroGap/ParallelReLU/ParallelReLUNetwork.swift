/// A parallel (multi-branch) three-layer ReLU network with scalar output (MATH.md §4.1, §4.3):
///
///     f(X) = Σ_j z_j · ((X W_{1,j})_+ w_{2,j})_+ ,
///
/// branch j with first layer W_{1,j} (d×m_j), second layer w_{2,j} (length m_j) and output weight z_j, and the
/// branch regularisation of §4.3, `β Σ_j ‖W_{1,j}‖_F ‖w_{2,j}‖₂ |z_j|` (degree 1 in each branch's output).
public struct ParallelReLUNetwork: Sendable, Equatable {
  public struct Branch: Sendable, Equatable {
    /// d×m first-layer weights.
    public var firstLayer: Matrix
    /// m second-layer weights.
    public var secondLayer: [Double]
    /// The output weight z.
    public var output: Double

    public init(firstLayer: Matrix, secondLayer: [Double], output: Double) {
      precondition(firstLayer.columns == secondLayer.count, "one second-layer weight per first-layer neuron")
      self.firstLayer = firstLayer
      self.secondLayer = secondLayer
      self.output = output
    }

    /// The branch's pre-output `(X W_1)_+ w_2` (length n).
    public func hidden(_ x: Matrix) -> [Double] {
      var h = Matrix.product(x, firstLayer)
      h.withUnsafeMutableBufferPointer { p in for k in 0..<p.count where p[k] < 0 { p[k] = 0 } }
      return h.multiply(secondLayer)
    }

    /// `‖W_1‖_F ‖w_2‖ |z|`.
    public var penalty: Double { firstLayer.frobeniusNorm * secondLayer.norm2 * abs(output) }
  }

  public var branches: [Branch]
  /// Input dimension d.
  public let inputDimension: Int

  public init(inputDimension: Int, branches: [Branch]) {
    precondition(branches.allSatisfy { $0.firstLayer.rows == inputDimension }, "every branch takes d inputs")
    self.inputDimension = inputDimension
    self.branches = branches
  }

  /// First-layer widths m_j.
  public var widths: [Int] { branches.map { $0.firstLayer.columns } }

  /// f(X) (length n).
  public func predict(_ x: Matrix) -> [Double] {
    precondition(x.columns == inputDimension, "data has \(x.columns) features, network expects \(inputDimension)")
    var out = [Double](repeating: 0, count: x.rows)
    for b in branches {
      let h = b.hidden(x)
      for j in 0..<x.rows { out[j] += b.output * Swift.max(0, h[j]) }
    }
    return out
  }

  /// `Σ_j ‖W_{1,j}‖_F ‖w_{2,j}‖ |z_j|`.
  public var penalty: Double { branches.reduce(0) { $0 + $1.penalty } }

  /// `ℓ(f(X), y) + β·penalty`.
  public func objective(data x: Matrix, targets y: [Double], beta: Double, loss: ConvexLoss = .squared) -> Double {
    loss.value(predict(x), y) + beta * penalty
  }
}
