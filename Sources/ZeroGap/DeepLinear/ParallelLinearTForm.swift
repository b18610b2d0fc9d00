import RealModule

/// The parallel deep linear network under the paper's t-form regulariser R3 (MATH.md §2), as a trainable objective:
/// the inner layers of every branch on the sphere ‖W_{l,j}‖_F = t (l ≤ L−2), t shared by the branches and trained,
///
///     (L−2)t²/2 + (1/2)Σ_j (‖w_{L−1,j}‖² + ‖w_{L,j}‖²)   s.t. F = Y                       (β = nil: min-norm)
///     (1/2)‖F − Y‖² + β[(L−2)t²/2 + (1/2)Σ_j (‖w_{L−1,j}‖² + ‖w_{L,j}‖²)]                    (β given)
///
/// with F = Σ_j X W_{1,j}⋯w_{L−1,j} w_{L,j}ᵀ. The constraint ‖W_l‖ ≤ t is active at every optimum with a nonzero
/// branch (scaling W_l up lets the two last layers shrink), so W_l = t·V_l/‖V_l‖_F parametrises it smoothly, with
/// t = e^s. For fixed t the problem is R1 with β·t^{−(L−2)} (§2); optimised over t the min-norm value is
/// `min_t[(L−2)t²/2 + t^{−(L−2)}‖M‖_*] = (L/2)‖M‖_*^{2/L}` = D_lin of the standard network (the bidual).
///
/// θ = (s, then `ParallelLinearObjective`'s blocks with V_l in place of W_l). Built on that objective with plain
/// weight decay: on the sphere its inner-layer terms are the constant m(L−2)t²/2, which is swapped for (L−2)t²/2.
public struct ParallelLinearTFormObjective: DifferentiableObjective {
  /// The weight-decay parallel objective the t-form is evaluated through.
  public let base: ParallelLinearObjective
  public var initScale: Double

  /// - Parameters: as `ParallelLinearObjective` (depth ≥ 3: at L = 2 there is no inner layer and R3 is weight decay).
  public init(x: Matrix, y: Matrix, depth: Int, hiddenWidths: [Int], branches: Int, beta: Double?, initScale: Double = 0.5) throws(DeepLinearError) {
    guard depth >= 3 else { throw .invalidDepth(depth, minimum: 3) }
    base = try ParallelLinearObjective(x: x, y: y, depth: depth, hiddenWidths: hiddenWidths, branches: branches,
      regularizer: .weightDecay, beta: beta, initScale: initScale)
    self.initScale = initScale
  }

  public var parameterCount: Int { 1 + base.parameterCount }
  var depth: Int { base.depth }
  var storedLayers: Int { base.beta == nil ? depth - 1 : depth }
  /// Whether block b of the base layout is an inner layer (on the t-sphere).
  func isInner(_ b: Int) -> Bool { b % storedLayers < depth - 2 }

  /// t and the base parameters W (inner layers t·V/‖V‖).
  public func weights(_ parameters: [Double]) -> (t: Double, base: [Double]) {
    let t = Double.exp(parameters[0])
    var w = Array(parameters[1...])
    for b in 0..<base.layout.shapes.count where isInner(b) {
      let v = base.layout.block(b, of: w)
      let norm = v.frobeniusNorm
      base.layout.write(norm > 0 ? v * (t / norm) : v, block: b, into: &w)
    }
    return (t, w)
  }

  /// The trained network (min-norm mode: with its solved output rows).
  public func network(_ parameters: [Double]) -> ParallelLinearNetwork? { base.network(weights(parameters).base) }

  public func valueAndGradient(_ parameters: [Double], gradient: inout [Double]) -> Double {
    let (t, w) = weights(parameters)
    var g = [Double](repeating: 0, count: base.parameterCount)
    let weight = base.beta ?? 1
    let inner = Double(depth - 2)
    // Base value holds weight·m(L−2)t²/2 for the inner layers; the t-form counts (L−2)t²/2 once.
    // Inner blocks on the sphere each hold t²/2 in the base value; an exactly zero V (never from a random start)
    // holds 0, so only the blocks on the sphere are swapped out.
    var onSphere = 0.0
    for b in 0..<base.layout.shapes.count where isInner(b) && base.layout.block(b, of: w).frobeniusNorm > 0 { onSphere += 1 }
    let value = base.valueAndGradient(w, gradient: &g) - weight * onSphere * t * t / 2 + weight * inner * t * t / 2
    var ds = -weight * onSphere * t * t + weight * inner * t * t
    for b in 0..<base.layout.shapes.count {
      var gb = base.layout.block(b, of: g)
      if isInner(b) {
        // W = t V/‖V‖: ∂/∂V = (t/‖V‖)(G − ⟨G, V̂⟩V̂), ∂/∂s = ⟨G, W⟩.
        let v = base.layout.block(b, of: Array(parameters[1...]))
        let norm = v.frobeniusNorm
        let wb = base.layout.block(b, of: w)
        ds += gb.dot(wb)
        if norm > 0 {
          let vhat = v * (1 / norm)
          gb.add(vhat, scaledBy: -gb.dot(vhat))
          gb = gb * (t / norm)
        }
      }
      base.layout.write(gb, block: b, into: &g)
    }
    gradient[0] = ds
    for k in 0..<g.count { gradient[k + 1] = g[k] }
    return value
  }

  public func initialParameters(using generator: inout SeededGenerator) -> [Double] {
    [Double.log(initScale)] + base.initialParameters(using: &generator)
  }
}
