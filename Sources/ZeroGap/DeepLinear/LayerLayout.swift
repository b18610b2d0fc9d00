/// How a list of weight matrices is flattened into one parameter vector θ (column-major blocks,
/// in order). Shared by every nonconvex network objective (deep linear, parallel, ReLU).
public struct LayerLayout: Sendable, Equatable {
  /// Shapes (rows, columns) of the blocks, in order.
  public let shapes: [Shape]
  /// Start of each block in θ.
  public let offsets: [Int]
  /// Length of θ.
  public let parameterCount: Int

  public struct Shape: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public init(rows: Int, columns: Int) {
      self.rows = rows
      self.columns = columns
    }
  }

  public init(shapes: [Shape]) {
    self.shapes = shapes
    var offs: [Int] = []
    var n = 0
    for s in shapes {
      precondition(s.rows > 0 && s.columns > 0, "LayerLayout: every block needs positive dimensions")
      offs.append(n)
      n += s.rows * s.columns
    }
    offsets = offs
    parameterCount = n
  }

  /// Layout of a chain `d = widths[0] → widths[1] → … → widths[L]`: blocks widths[l]×widths[l+1].
  public init(chainWidths widths: [Int]) {
    precondition(widths.count >= 2, "a chain needs at least an input and an output width")
    self.init(shapes: (0..<(widths.count - 1)).map { Shape(rows: widths[$0], columns: widths[$0 + 1]) })
  }

  /// Block `b` of θ as a matrix.
  public func block(_ b: Int, of theta: [Double]) -> Matrix {
    let s = shapes[b]
    let o = offsets[b]
    return Matrix(rows: s.rows, columns: s.columns, columnMajor: Array(theta[o..<(o + s.rows * s.columns)]))
  }

  /// All blocks of θ.
  public func unpack(_ theta: [Double]) -> [Matrix] {
    precondition(theta.count == parameterCount, "θ has \(theta.count) entries, layout needs \(parameterCount)")
    return shapes.indices.map { block($0, of: theta) }
  }

  /// θ from blocks of the right shapes.
  public func pack(_ blocks: [Matrix]) -> [Double] {
    precondition(blocks.count == shapes.count, "pack: \(blocks.count) blocks for \(shapes.count) shapes")
    var theta: [Double] = []
    theta.reserveCapacity(parameterCount)
    for (b, s) in zip(blocks, shapes) {
      precondition(b.rows == s.rows && b.columns == s.columns, "pack: block is \(b.rows)×\(b.columns), expected \(s.rows)×\(s.columns)")
      theta.append(contentsOf: b.storage)
    }
    return theta
  }

  /// Writes block `b` of the gradient.
  public func write(_ m: Matrix, block b: Int, into gradient: inout [Double]) {
    let o = offsets[b]
    m.withUnsafeBufferPointer { src in
      for i in 0..<src.count { gradient[o + i] = src[i] }
    }
  }
}

/// Forward products and back-propagation through a linear chain `F = X W_1 ⋯ W_L` (BLAS-3).
enum LinearChain {
  /// Activations `A_0 = X, A_l = A_{l−1} W_l` (A_L = F).
  static func forward(_ x: Matrix, _ layers: [Matrix]) -> [Matrix] {
    var acts = [x]
    acts.reserveCapacity(layers.count + 1)
    for w in layers { acts.append(Matrix.product(acts[acts.count - 1], w)) }
    return acts
  }

  /// Gradients `∂⟨G, F⟩/∂W_l = A_{l−1}ᵀ (G W_Lᵀ ⋯ W_{l+1}ᵀ)` for G = ∂f/∂F (n×k).
  static func backward(_ acts: [Matrix], _ layers: [Matrix], _ g: Matrix) -> [Matrix] {
    var grads = [Matrix](repeating: Matrix(rows: 0, columns: 0), count: layers.count)
    var h = g
    for l in stride(from: layers.count - 1, through: 0, by: -1) {
      grads[l] = Matrix.product(acts[l], h, transA: .transpose)
      if l > 0 { h = Matrix.product(h, layers[l], transB: .transpose) }
    }
    return grads
  }
}
