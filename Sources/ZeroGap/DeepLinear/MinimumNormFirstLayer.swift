import RealModule

/// Min-norm interpolation (MATH.md §1.2 standard, §2 parallel) reduced to its essential coordinates,
/// for training with a "min-norm first layer".
///
/// For Y realizable, let `V_x` (d×ρ) be an orthonormal basis of range(Xᵀ) (ρ = rank X) and `V_y`
/// (k×r) one of the row space of Y (r = rank Y = rank X⁺Y). Any network with X W_1⋯W_L = Y keeps
/// X W_1⋯W_L and does not increase any layer norm when W_1 → V_xV_xᵀW_1 and W_L → W_L V_yV_yᵀ, so
/// WLOG `W_1 = V_x W̃_1`, `W_L = W̃_L V_yᵀ` with the same norms, and the constraint becomes
///
///     W̃_1 C = M̃,   C = W̃_2⋯W̃_L (r×r),   M̃ = V_xᵀ X⁺Y V_y (ρ×r, rank r).
///
/// With hidden widths r, C is square, and for invertible C the first layer is *determined*:
/// `W̃_1 = M̃ C⁻¹`. Every θ = (W̃_2, …, W̃_L) with C invertible is therefore an exactly interpolating
/// network (an honest upper bound on the min-norm value), and the optimum — the balanced
/// factorisation of §1.1, which has C invertible — is an interior point. (A min-norm *last* layer of
/// width rank X instead needs the extra rank X − r hidden directions to shrink to 0, where its
/// BᵀB becomes singular: it cannot reach the optimum when rank X⁺Y < rank X.)
public struct MinimumNormReduction: Sendable {
  /// V_x, d×ρ, orthonormal columns spanning range(Xᵀ).
  public let inputBasis: Matrix
  /// V_y, k×r, orthonormal columns spanning the row space of Y.
  public let outputBasis: Matrix
  /// M̃ = V_xᵀ X⁺Y V_y, ρ×r (empty when Y = 0).
  public let target: Matrix

  /// - Throws: `.notRealizable` unless Y is realizable; `.linearAlgebra` if an SVD fails.
  public init(data: DeepLinearData) throws(DeepLinearError) {
    try data.requireRealizable()
    let r = data.rank
    do {
      let sx = try SVD(data.x)
      inputBasis = sx.vt.rows(0..<Swift.max(data.rankX, 1)).transposed
      let sy = try SVD(data.y)
      outputBasis = sy.vt.rows(0..<r).transposed
    } catch {
      throw .linearAlgebra(error)
    }
    target = r == 0 ? Matrix(rows: inputBasis.columns, columns: 0)
      : Matrix.product(Matrix.product(inputBasis, data.m, transA: .transpose), outputBasis)
  }

  /// r = rank(X⁺Y): the hidden width (standard) or number of branches (parallel) used in training.
  public var rank: Int { target.columns }
}

/// The min-norm training objective with a min-norm first layer (see `MinimumNormReduction`):
///
/// * standard (MATH.md §1.2): θ = (W̃_2, …, W̃_L), each r×r; `C = W̃_2⋯W̃_L`;
///   `f(θ) = (1/2)‖M̃C⁻¹‖_F² + (1/2)Σ_{l≥2}‖W̃_l‖_F²`;
/// * parallel (MATH.md §2, r branches, inner widths 1): branch j holds scalars w_{2,j}, …, w_{L−1,j}
///   and the output row w̃_{L,j} (1×r); row j of C is `w_{2,j}⋯w_{L−1,j} w̃_{L,j}`, and column j of
///   `W̃_1 = M̃C⁻¹` is the branch's first layer. The penalty is R2 `(1/L)Σ_jΣ_l‖W_{l,j}‖^L` (or plain
///   weight decay `(1/2)ΣΣ‖W_{l,j}‖²`).
///
/// Gradient: with P_1 = ∂pen/∂W̃_1, `∂f/∂C = −W̃_1ᵀ P_1 C⁻ᵀ`, back-propagated through each chain
/// (BLAS-3 products of r×r or 1×r blocks), plus ∂pen/∂W̃_l. f = +∞ where C is numerically singular
/// (σ_min(C) ≤ 1e-14·σ_max(C)).
public struct MinimumNormFirstLayerObjective: DifferentiableObjective {
  public let reduction: MinimumNormReduction
  public let architecture: NetworkArchitecture
  public let depth: Int
  /// `.weightDecay` (standard nets; also the "gap persists" parallel variant) or `.r2`.
  public let regularizer: ParallelRegularizer
  /// Each block of θ is drawn with entries N(0, (initScale²/max(rows, columns))): the layer scales
  /// its input by about `initScale`.
  public var initScale: Double
  public let layout: LayerLayout

  /// - Throws: `.invalidDepth` (L < 2), `.invalidParameter` (Y = 0, or R1 which is not differentiable).
  public init(reduction: MinimumNormReduction, architecture: NetworkArchitecture, depth: Int,
              regularizer: ParallelRegularizer = .weightDecay, initScale: Double = 1) throws(DeepLinearError) {
    guard depth >= 2 else { throw .invalidDepth(depth, minimum: 2) }
    guard reduction.rank >= 1 else { throw .invalidParameter("Y = 0: the min-norm network is 0, there is nothing to train") }
    guard regularizer != .r1 else { throw .invalidParameter("R1 is not differentiable: train with R2 (same optimal value)") }
    self.reduction = reduction
    self.architecture = architecture
    self.depth = depth
    self.regularizer = regularizer
    self.initScale = initScale
    let r = reduction.rank
    switch architecture {
    case .standard:
      layout = LayerLayout(shapes: Array(repeating: .init(rows: r, columns: r), count: depth - 1))
    case .parallel:
      let branch = Array(repeating: LayerLayout.Shape(rows: 1, columns: 1), count: depth - 2) + [.init(rows: 1, columns: r)]
      layout = LayerLayout(shapes: Array(Array(repeating: branch, count: r).joined()))
    }
  }

  public var parameterCount: Int { layout.parameterCount }
  private var rank: Int { reduction.rank }
  /// Chains: standard one chain of L−1 blocks (input width r); parallel r chains of L−1 blocks (input width 1).
  private var chainCount: Int { architecture == .standard ? 1 : rank }
  private var chainInput: Int { architecture == .standard ? rank : 1 }

  /// Penalty value and gradient coefficient c (∂/∂W = c·W) of one block.
  private func blockPenalty(_ w: Matrix) -> (value: Double, coefficient: Double) {
    regularizer.blockPenalty(w, depth: depth)
  }

  /// The blocks of θ, chain by chain.
  private func chains(_ parameters: [Double]) -> [[Matrix]] {
    let blocks = layout.unpack(parameters)
    let s = depth - 1
    return (0..<chainCount).map { Array(blocks[($0 * s)..<(($0 + 1) * s)]) }
  }

  /// C (r×r): the chain products stacked by rows.
  private func product(_ chains: [[Matrix]]) -> Matrix {
    var c = Matrix(rows: rank, columns: rank)
    let a = chainInput
    for (j, ch) in chains.enumerated() {
      let p = LinearChain.forward(Matrix.identity(a), ch).last ?? Matrix.identity(a)
      for i in 0..<a { for q in 0..<rank { c[j * a + i, q] = p[i, q] } }
    }
    return c
  }

  /// C⁻¹ by SVD, nil if C is not finite or numerically singular.
  private func inverse(_ c: Matrix) -> Matrix? {
    guard c.isFinite, let s = try? SVD(c), let smax = s.singularValues.first, let smin = s.singularValues.last,
      smax > 0, smin > 1e-14 * smax
    else { return nil }
    var v = s.v
    for j in 0..<rank { for i in 0..<rank { v[i, j] /= s.singularValues[j] } }
    return Matrix.product(v, s.u, transB: .transpose)
  }

  /// W̃_1 = M̃C⁻¹ (ρ×r), or nil where C is singular.
  public func firstLayer(_ parameters: [Double]) -> Matrix? {
    guard let inv = inverse(product(chains(parameters))) else { return nil }
    return Matrix.product(reduction.target, inv)
  }

  public func valueAndGradient(_ parameters: [Double], gradient: inout [Double]) -> Double {
    let ch = chains(parameters)
    let a = chainInput
    var acts: [[Matrix]] = []
    acts.reserveCapacity(ch.count)
    var c = Matrix(rows: rank, columns: rank)
    for (j, chain) in ch.enumerated() {
      let f = LinearChain.forward(Matrix.identity(a), chain)
      let p = f[f.count - 1]
      for i in 0..<a { for q in 0..<rank { c[j * a + i, q] = p[i, q] } }
      acts.append(f)
    }
    guard let inv = inverse(c) else { return .infinity }
    let w1 = Matrix.product(reduction.target, inv)
    // Penalty of W̃_1 (by column groups = chains) and P_1 = ∂pen/∂W̃_1.
    var value = 0.0
    var p1 = w1
    for j in 0..<ch.count {
      let group = w1.columns((j * a)..<((j + 1) * a))
      let (v, coef) = blockPenalty(group)
      value += v
      if coef != 1 { for q in (j * a)..<((j + 1) * a) { for i in 0..<w1.rows { p1[i, q] *= coef } } }
    }
    // ∂f/∂C = −W̃_1ᵀ P_1 C⁻ᵀ.
    let gc = Matrix.product(Matrix.product(w1, p1, transA: .transpose), inv, transB: .transpose, alpha: -1)
    let s = depth - 1
    for (j, chain) in ch.enumerated() {
      let grads = LinearChain.backward(acts[j], chain, gc.rows((j * a)..<((j + 1) * a)))
      for l in 0..<s {
        let (v, coef) = blockPenalty(chain[l])
        value += v
        var gl = grads[l]
        gl.add(chain[l], scaledBy: coef)
        layout.write(gl, block: j * s + l, into: &gradient)
      }
    }
    return value
  }

  public func initialParameters(using generator: inout SeededGenerator) -> [Double] {
    var theta: [Double] = []
    theta.reserveCapacity(parameterCount)
    for shape in layout.shapes {
      let sd = initScale / Double(Swift.max(shape.rows, shape.columns)).squareRoot()
      for _ in 0..<(shape.rows * shape.columns) { theta.append(sd * generator.nextNormal()) }
    }
    return theta
  }

  /// The standard network in the original coordinates: W_1 = V_x W̃_1, W_l = W̃_l, W_L = W̃_L V_yᵀ
  /// (nil where C is singular or for the parallel architecture).
  public func standardNetwork(_ parameters: [Double]) -> DeepLinearNetwork? {
    guard architecture == .standard, let w1 = firstLayer(parameters) else { return nil }
    var layers = [Matrix.product(reduction.inputBasis, w1)] + chains(parameters)[0]
    layers[depth - 1] = Matrix.product(layers[depth - 1], reduction.outputBasis, transB: .transpose)
    return DeepLinearNetwork(layers: layers)
  }

  /// The parallel network in the original coordinates: branch j = [V_x·(column j of W̃_1) (d×1),
  /// w_{2,j}, …, w_{L−1,j} (1×1), w̃_{L,j}V_yᵀ (1×k)] (nil where C is singular or for the standard one).
  public func parallelNetwork(_ parameters: [Double]) -> ParallelLinearNetwork? {
    guard architecture == .parallel, let w1 = firstLayer(parameters) else { return nil }
    let ch = chains(parameters)
    return ParallelLinearNetwork(branches: ch.enumerated().map { j, chain in
      var b = [Matrix.product(reduction.inputBasis, w1.columns([j]))] + chain
      b[depth - 1] = Matrix.product(b[depth - 1], reduction.outputBasis, transB: .transpose)
      return b
    })
  }

  /// ‖X W_1⋯W_L − Y‖_F of the network in the original coordinates (∞ where C is singular).
  public func residual(_ parameters: [Double], data: DeepLinearData) -> Double {
    let prediction: Matrix?
    switch architecture {
    case .standard: prediction = standardNetwork(parameters)?.predict(data.x)
    case .parallel: prediction = parallelNetwork(parameters)?.predict(data.x)
    }
    guard let prediction else { return .infinity }
    return (prediction - data.y).frobeniusNorm
  }
}
