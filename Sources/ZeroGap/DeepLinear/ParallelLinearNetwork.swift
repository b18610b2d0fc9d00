import RealModule

/// The regulariser of a parallel deep linear network (MATH.md §2).
public enum ParallelRegularizer: String, Sendable, CaseIterable {
  /// R1, `β Σ_j Π_l ‖W_{l,j}‖_F` (zero gap; nonsmooth, used for evaluation only).
  case r1
  /// R2, `(β/L) Σ_j Σ_l ‖W_{l,j}‖_F^L` (zero gap; equals R1 after per-branch rescaling).
  case r2
  /// Plain weight decay `(β/2) Σ_j Σ_l ‖W_{l,j}‖_F²` (does **not** remove the gap for L ≥ 3).
  case weightDecay

  /// Smooth per-block penalty of the trainable forms and its gradient coefficient c (∂/∂W = c·W):
  /// R2 gives `‖W‖_F^L / L` with c = ‖W‖_F^{L−2}; weight decay (and R1, trained through R2's
  /// rescaling-equivalent weight-decay surrogate) gives `‖W‖_F²/2` with c = 1.
  func blockPenalty(_ w: Matrix, depth: Int) -> (value: Double, coefficient: Double) {
    let sq = w.dot(w)
    switch self {
    case .r2:
      let L = Double(depth)
      let norm = sq.squareRoot()
      return (Double.pow(norm, L) / L, depth == 2 ? 1 : Double.pow(norm, L - 2))
    case .weightDecay, .r1:
      return (sq / 2, 1)
    }
  }
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

/// The nonconvex training objective of a parallel deep linear net (MATH.md §2), θ = branch weights
/// flattened by `LayerLayout` (branch by branch, layer by layer), with regulariser R = R2
/// (`(1/L)ΣΣ‖W‖_F^L`, gradient `‖W‖^{L−2}W`) or plain weight decay (`(1/2)ΣΣ‖W‖_F²`):
///
/// * `beta = β`: regularised loss `(1/2)‖F − Y‖² + β·R(θ)`, F = Σ_j X W_{1,j}⋯w_{L−1,j} w_{L,j}ᵀ;
/// * `beta = nil`: min-norm interpolation `min R s.t. F = Y` with the min-norm last layer (MATH.md §10.2):
///   θ holds W_{1,j}…w_{L−1,j} only; the output rows Z = [w_{L,j}ᵀ]_j (m×k) are the unique solution of
///   BZ = Y on the branch features B = [X W_{1,j}⋯w_{L−1,j}]_j (n×m, full column rank; use m = rank X),
///   and the chain rule through Z is that of `DeepLinearMinimumNormObjective` with P = ∂R/∂Z.
///   (Same limitation as that objective when rank X⁺Y < rank X; `DeepLinearTraining` trains min-norm
///   parallel nets with `MinimumNormFirstLayerObjective` instead.)
public struct ParallelLinearObjective: DifferentiableObjective {
  public let x: Matrix
  public let y: Matrix
  /// Branch chain widths [d, m_1, …, m_{L−2}, 1, k].
  public let branchWidths: [Int]
  public let branchCount: Int
  public let regularizerKind: ParallelRegularizer
  /// β, or nil for min-norm interpolation.
  public let beta: Double?
  public var initScale: Double
  public let layout: LayerLayout

  /// - Parameters:
  ///   - depth: L ≥ 2.
  ///   - hiddenWidths: m_1…m_{L−2} (L − 2 entries).
  ///   - branches: m ≥ 1 (min-norm: m ≤ n, and m = rank X for exact interpolation).
  ///   - regularizer: `.r2` or `.weightDecay` (R1 is not differentiable).
  public init(x: Matrix, y: Matrix, depth: Int, hiddenWidths: [Int], branches: Int, regularizer: ParallelRegularizer,
              beta: Double?, initScale: Double = 0.5) throws(DeepLinearError) {
    guard depth >= 2 else { throw .invalidDepth(depth, minimum: 2) }
    guard x.rows == y.rows else { throw .rowMismatch(xRows: x.rows, yRows: y.rows) }
    if let beta { guard beta >= 0, beta.isFinite else { throw .invalidBeta(beta) } }
    guard hiddenWidths.count == depth - 2, hiddenWidths.allSatisfy({ $0 >= 1 }) else {
      throw .invalidParameter("depth \(depth) needs \(depth - 2) hidden widths ≥ 1 before the width-1 layer (got \(hiddenWidths))")
    }
    guard branches >= 1 else { throw .invalidParameter("the number of branches must be ≥ 1 (got \(branches))") }
    if beta == nil, branches > x.rows {
      throw .invalidParameter("min-norm training needs at most n = \(x.rows) branches (got \(branches))")
    }
    guard regularizer != .r1 else { throw .invalidParameter("R1 is not differentiable: train with R2 (same optimal value)") }
    self.x = x
    self.y = y
    branchWidths = [x.columns] + hiddenWidths + [1, y.columns]
    branchCount = branches
    regularizerKind = regularizer
    self.beta = beta
    self.initScale = initScale
    var chain = LayerLayout(chainWidths: branchWidths).shapes
    if beta == nil { chain.removeLast() }
    layout = LayerLayout(shapes: Array((0..<branches).map { _ in chain }.joined()))
  }

  public var depth: Int { branchWidths.count - 1 }
  public var parameterCount: Int { layout.parameterCount }
  /// Layers per branch held in θ (L, or L − 1 in min-norm mode).
  var storedLayers: Int { beta == nil ? depth - 1 : depth }

  /// Per-block regulariser value and gradient coefficient c (∂/∂W = c·W).
  private func blockRegularizer(_ w: Matrix) -> (value: Double, coefficient: Double) {
    regularizerKind.blockPenalty(w, depth: depth)
  }

  /// The branches stored in θ (without the output rows in min-norm mode).
  private func storedBranches(_ parameters: [Double]) -> [[Matrix]] {
    let blocks = layout.unpack(parameters)
    let s = storedLayers
    return (0..<branchCount).map { Array(blocks[($0 * s)..<(($0 + 1) * s)]) }
  }

  /// The full network (min-norm mode: with the computed output rows; nil where BᵀB is singular).
  public func network(_ parameters: [Double]) -> ParallelLinearNetwork? {
    let stored = storedBranches(parameters)
    guard beta == nil else { return ParallelLinearNetwork(branches: stored) }
    let b = features(stored)
    guard let (z, _, _) = MinimumNormLastLayer.solve(b, y) else { return nil }
    return ParallelLinearNetwork(branches: stored.enumerated().map { $0.element + [z.rows([$0.offset])] })
  }

  private func features(_ stored: [[Matrix]]) -> Matrix {
    var b = Matrix(rows: x.rows, columns: 0)
    for br in stored { b = b.appendingColumns(LinearChain.forward(x, br).last ?? x) }
    return b
  }

  /// ‖F − Y‖_F of the full network (∞ where undefined).
  public func residual(_ parameters: [Double]) -> Double {
    guard let net = network(parameters) else { return .infinity }
    return (net.predict(x) - y).frobeniusNorm
  }

  public func valueAndGradient(_ parameters: [Double], gradient: inout [Double]) -> Double {
    let stored = storedBranches(parameters)
    let s = storedLayers
    var forwards: [[Matrix]] = []
    for br in stored { forwards.append(LinearChain.forward(x, br)) }
    var value = 0.0
    // Gradient with respect to each branch's output (n×k regularised, n×1 features in min-norm mode).
    var outputGradients: [Matrix] = []
    if let beta {
      var res = Matrix(rows: x.rows, columns: y.columns)
      for f in forwards { res.add(f[s]) }
      res.add(y, scaledBy: -1)
      value += 0.5 * res.dot(res)
      outputGradients = Array(repeating: res, count: branchCount)
      for (j, br) in stored.enumerated() {
        let grads = LinearChain.backward(forwards[j], br, outputGradients[j])
        for l in 0..<s {
          let (r, c) = blockRegularizer(br[l])
          value += beta * r
          var gl = grads[l]
          if beta != 0 { gl.add(br[l], scaledBy: beta * c) }
          layout.write(gl, block: j * s + l, into: &gradient)
        }
      }
      return value
    }
    var b = Matrix(rows: x.rows, columns: branchCount)
    for (j, f) in forwards.enumerated() { b.setColumn(j, f[s].column(0)) }
    guard let (z, chol, r) = MinimumNormLastLayer.solve(b, y) else { return .infinity }
    var p = Matrix(rows: branchCount, columns: y.columns)
    for j in 0..<branchCount {
      let row = z.rows([j])
      let (v, c) = blockRegularizer(row)
      value += v
      for q in 0..<y.columns { p[j, q] = c * row[0, q] }
    }
    guard let gb = MinimumNormLastLayer.featureGradient(b: b, cholesky: chol, lastLayer: z, residual: r, penaltyGradient: p) else {
      return .infinity
    }
    for (j, br) in stored.enumerated() {
      let grads = LinearChain.backward(forwards[j], br, gb.columns([j]))
      for l in 0..<s {
        let (v, c) = blockRegularizer(br[l])
        value += v
        var gl = grads[l]
        gl.add(br[l], scaledBy: c)
        layout.write(gl, block: j * s + l, into: &gradient)
      }
    }
    return value
  }

  public func initialParameters(using generator: inout SeededGenerator) -> [Double] {
    (0..<parameterCount).map { _ in initScale * generator.nextNormal() }
  }
}
