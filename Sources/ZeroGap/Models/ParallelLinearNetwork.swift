import RealModule

/// The regulariser of a parallel deep linear network (MATH.md §2).
public enum ParallelRegularizer: String, Sendable, CaseIterable {
  /// R1, `β Σ_j Π_l ‖W_{l,j}‖_F` (zero gap; nonsmooth, used for evaluation only).
  case r1
  /// R2, `(β/L) Σ_j Σ_l ‖W_{l,j}‖_F^L` (zero gap; equals R1 after per-branch rescaling).
  case r2
  /// Plain weight decay `(β/2) Σ_j Σ_l ‖W_{l,j}‖_F²` (does **not** remove the gap for L ≥ 3).
  case weightDecay
}

/// A parallel deep linear network (MATH.md §2): m branches, each a standard deep linear chain
/// `X W_{1,j} ⋯ W_{L−2,j} w_{L−1,j} w_{L,j}ᵀ` whose last hidden width is 1, so each branch adds a
/// rank-1 term: `f(X) = Σ_j X W_{1,j}⋯w_{L−1,j} w_{L,j}ᵀ`. Depth L ≥ 2.
public struct ParallelLinearNetwork: Sendable {
  /// `branches[j]` = [W_{1,j}, …, W_{L−2,j}, w_{L−1,j} (m_{L−2}×1), w_{L,j}ᵀ (1×k)].
  public var branches: [[Matrix]]

  public init(branches: [[Matrix]]) {
    precondition(!branches.isEmpty && branches.allSatisfy { $0.count == branches[0].count && $0.count >= 2 },
                 "a parallel network needs ≥ 1 branch, all of the same depth ≥ 2")
    self.branches = branches
  }

  public var depth: Int { branches[0].count }
  public var branchCount: Int { branches.count }

  /// End-to-end matrix Σ_j W_{1,j}⋯w_{L,j}ᵀ (d×k).
  public var endToEnd: Matrix {
    var total = Matrix(rows: branches[0][0].rows, columns: branches[0][depth - 1].columns)
    for b in branches { total.add(b.dropFirst().reduce(b[0]) { Matrix.product($0, $1) }) }
    return total
  }

  /// Predictions (n×k).
  public func predict(_ x: Matrix) -> Matrix { Matrix.product(x, endToEnd) }

  /// The regulariser value (with β).
  public func penalty(_ kind: ParallelRegularizer, beta: Double) -> Double {
    let L = Double(depth)
    var total = 0.0
    for b in branches {
      let norms = b.map { $0.frobeniusNorm }
      switch kind {
      case .r1: total += norms.reduce(1, *)
      case .r2: total += norms.reduce(0) { $0 + Double.pow($1, L) } / L
      case .weightDecay: total += norms.reduce(0) { $0 + $1 * $1 } / 2
      }
    }
    return beta * total
  }
}

/// The nonconvex training objective of a parallel deep linear net (MATH.md §2), θ = all branch
/// weights flattened by `LayerLayout` (branch by branch, layer by layer):
///
///     f(θ) = (ρ/2)‖F − Y‖² + ⟨Λ, F − Y⟩ + β·R(θ),   F = Σ_j X W_{1,j}⋯w_{L,j}ᵀ,
///
/// with R = R2 (`(1/L)ΣΣ‖W‖^L`, gradient `‖W‖^{L−2} W`) or plain weight decay (`(1/2)ΣΣ‖W‖²`).
public struct ParallelLinearObjective: InterpolationObjective {
  public let x: Matrix
  public let y: Matrix
  /// Branch chain widths [d, m_1, …, m_{L−2}, 1, k].
  public let branchWidths: [Int]
  public let branchCount: Int
  public let regularizerKind: ParallelRegularizer
  public var beta: Double
  public var rho: Double = 1
  public var multiplier: Matrix?
  public var initScale: Double
  public let layout: LayerLayout

  /// - Parameters:
  ///   - depth: L ≥ 2.
  ///   - hiddenWidths: m_1…m_{L−2} (L − 2 entries).
  ///   - branches: m ≥ 1.
  ///   - regularizer: `.r2` or `.weightDecay` (R1 is not differentiable).
  public init(x: Matrix, y: Matrix, depth: Int, hiddenWidths: [Int], branches: Int, regularizer: ParallelRegularizer,
              beta: Double, initScale: Double = 0.5) throws(DeepLinearError) {
    guard depth >= 2 else { throw .invalidDepth(depth, minimum: 2) }
    guard x.rows == y.rows else { throw .rowMismatch(xRows: x.rows, yRows: y.rows) }
    guard beta >= 0, beta.isFinite else { throw .invalidBeta(beta) }
    guard hiddenWidths.count == depth - 2, hiddenWidths.allSatisfy({ $0 >= 1 }) else {
      throw .invalidParameter("depth \(depth) needs \(depth - 2) hidden widths ≥ 1 before the width-1 layer (got \(hiddenWidths))")
    }
    guard branches >= 1 else { throw .invalidParameter("the number of branches must be ≥ 1 (got \(branches))") }
    guard regularizer != .r1 else { throw .invalidParameter("R1 is not differentiable: train with R2 (same optimal value)") }
    self.x = x
    self.y = y
    branchWidths = [x.columns] + hiddenWidths + [1, y.columns]
    branchCount = branches
    regularizerKind = regularizer
    self.beta = beta
    self.initScale = initScale
    let chain = LayerLayout(chainWidths: branchWidths).shapes
    layout = LayerLayout(shapes: Array((0..<branches).map { _ in chain }.joined()))
  }

  public var depth: Int { branchWidths.count - 1 }
  public var parameterCount: Int { layout.parameterCount }

  public func network(_ parameters: [Double]) -> ParallelLinearNetwork {
    let blocks = layout.unpack(parameters)
    let L = depth
    return ParallelLinearNetwork(branches: (0..<branchCount).map { Array(blocks[($0 * L)..<(($0 + 1) * L)]) })
  }

  private func regularizerAndGradient(_ w: Matrix) -> (Double, Double) {
    // returns (value, coefficient c) with ∂/∂W = c·W
    let sq = w.dot(w)
    switch regularizerKind {
    case .r2:
      let L = Double(depth)
      let norm = sq.squareRoot()
      return (Double.pow(norm, L) / L, depth == 2 ? 1 : Double.pow(norm, L - 2))
    case .weightDecay, .r1:
      return (sq / 2, 1)
    }
  }

  public func valueAndGradient(_ parameters: [Double], gradient: inout [Double]) -> Double {
    let net = network(parameters)
    let L = depth
    var forwards: [[Matrix]] = []
    var res = Matrix(rows: x.rows, columns: y.columns)
    for b in net.branches {
      let acts = LinearChain.forward(x, b)
      res.add(acts[L])
      forwards.append(acts)
    }
    res.add(y, scaledBy: -1)
    var value = 0.5 * rho * res.dot(res)
    var g = res * rho
    if let multiplier {
      value += multiplier.dot(res)
      g.add(multiplier)
    }
    for (j, b) in net.branches.enumerated() {
      let grads = LinearChain.backward(forwards[j], b, g)
      for l in 0..<L {
        let (r, c) = regularizerAndGradient(b[l])
        value += beta * r
        var gl = grads[l]
        if beta != 0 { gl.add(b[l], scaledBy: beta * c) }
        layout.write(gl, block: j * L + l, into: &gradient)
      }
    }
    return value
  }

  public func initialParameters(using generator: inout SeededGenerator) -> [Double] {
    (0..<parameterCount).map { _ in initScale * generator.nextNormal() }
  }

  /// R(θ) without β: `(1/L)ΣΣ‖W‖^L` (R2) or `(1/2)ΣΣ‖W‖²`.
  public func regularizer(_ parameters: [Double]) -> Double {
    network(parameters).penalty(regularizerKind, beta: 1)
  }

  public func residual(_ parameters: [Double]) -> Matrix { network(parameters).predict(x) - y }

  public func augmentedLagrangian(multiplier: Matrix, rho: Double) -> ParallelLinearObjective {
    var c = self
    c.multiplier = multiplier
    c.rho = rho
    c.beta = 1
    return c
  }

  /// Corrects the output rows w_{L,j}ᵀ by least squares on the branch features B = [X W_{1,j}⋯w_{L−1,j}]_j (n×m).
  public func restoringFeasibility(_ parameters: [Double]) -> [Double] {
    var net = network(parameters)
    let L = depth
    var b = Matrix(rows: x.rows, columns: 0)
    var z = Matrix(rows: 0, columns: y.columns)
    for br in net.branches {
      let feat = LinearChain.forward(x, Array(br.dropLast())).last ?? x
      b = b.appendingColumns(feat)
      z = z.appendingRows(br[L - 1])
    }
    let target = y - Matrix.product(b, z)
    guard let ls = try? LeastSquares(b, target) else { return parameters }
    for j in 0..<branchCount {
      net.branches[j][L - 1].add(ls.solution.rows([j]))
    }
    return layout.pack(Array(net.branches.joined()))
  }
}
