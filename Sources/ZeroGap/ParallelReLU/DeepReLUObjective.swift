/// The nonconvex training objective of a deep ReLU network with scalar output, squared loss (MATH.md §3.1, §4.1,
/// §4.3), over a flat parameter vector — the primal side of every gap measurement:
///
/// * **standard**, depth L: `f(X) = ((⋯(X W_1)_+ ⋯)_+ W_{L−1})_+ w_L`, hidden widths m, plain weight decay
///   `(β/2) Σ_l ‖W_l‖_F²`;
/// * **parallel**, depth L, m branches: branch j is `g_j = ((⋯(X W_{1,j})_+ ⋯) w_{L−1,j})_+` (hidden widths m, a
///   scalar unit at the end), `f = Σ_j z_j g_j`, with the smooth equivalent R2 of the branch regulariser,
///   `(β/L) Σ_j (Σ_l ‖W_{l,j}‖_F^L + |z_j|^L)` — minimising over per-branch rescalings turns it into the degree-1
///   penalty `β Σ_j Π_l ‖W_{l,j}‖_F |z_j|` of §4.1 (AM–GM; for L = 3, §4.3's `β‖W₁‖_F‖w₂‖|z|`), so a trained value
///   is comparable with the convex program's.
///
/// Objective `½‖f(X) − y‖² + regulariser`; gradients by back-propagation (ReLU'(0) = 0).
public struct DeepReLUObjective: DifferentiableObjective {
  public typealias Architecture = NetworkArchitecture

  public let data: Matrix
  public let targets: [Double]
  public let beta: Double
  public let architecture: Architecture
  public let depth: Int
  /// Hidden width (every hidden layer; per branch for parallel networks).
  public let width: Int
  /// Branches (parallel only; 1 for standard networks).
  public let branches: Int

  /// - Precondition: depth ≥ 2, width ≥ 1, branches ≥ 1, X and y agree.
  public init(data: Matrix, targets: [Double], beta: Double, architecture: Architecture, depth: Int, width: Int, branches: Int = 1) {
    precondition(depth >= 2 && width >= 1 && branches >= 1, "depth ≥ 2, width ≥ 1, branches ≥ 1")
    precondition(data.rows == targets.count, "one target per sample")
    self.data = data
    self.targets = targets
    self.beta = beta
    self.architecture = architecture
    self.depth = depth
    self.width = width
    self.branches = architecture == .standard ? 1 : branches
  }

  /// Shapes of one chain's layers: standard d×m, m×m, …, m×1 (L layers); a parallel branch d×m, …, m×1
  /// (L − 1 layers), then its scalar z.
  var chainShapes: [(rows: Int, columns: Int)] {
    let d = data.columns
    let layers = architecture == .standard ? depth : depth - 1
    return (0..<layers).map { l in (l == 0 ? d : width, l == layers - 1 ? 1 : width) }
  }

  var chainParameterCount: Int { chainShapes.reduce(0) { $0 + $1.rows * $1.columns } + (architecture == .parallel ? 1 : 0) }

  public var parameterCount: Int { branches * chainParameterCount }

  public func initialParameters(using generator: inout SeededGenerator) -> [Double] {
    var theta: [Double] = []
    for _ in 0..<branches {
      for s in chainShapes { theta += generator.normalVector(s.rows * s.columns, scale: (2 / Double(s.rows)).squareRoot()) }
      if architecture == .parallel { theta += generator.normalVector(1) }
    }
    return theta
  }

  public func valueAndGradient(_ theta: [Double], gradient: inout [Double]) -> Double {
    let n = data.rows, shapes = chainShapes, L = Double(depth)
    var out = [Double](repeating: 0, count: n)
    var offset = 0
    // Forward every chain, keeping its activations for the backward pass.
    var chains: [(weights: [Matrix], pre: [Matrix], post: [Matrix], z: Double, offset: Int)] = []
    var reg = 0.0
    for _ in 0..<branches {
      let start = offset
      var weights: [Matrix] = []
      for s in shapes {
        weights.append(Matrix(rows: s.rows, columns: s.columns, columnMajor: Array(theta[offset..<(offset + s.rows * s.columns)])))
        offset += s.rows * s.columns
      }
      var z = 1.0
      if architecture == .parallel {
        z = theta[offset]
        offset += 1
      }
      var pre: [Matrix] = [], post: [Matrix] = []
      var a = data
      for (l, w) in weights.enumerated() {
        let h = Matrix.product(a, w)
        pre.append(h)
        // ReLU after every layer but a standard network's last.
        let relu = architecture == .parallel || l < weights.count - 1
        var next = h
        if relu { next.withUnsafeMutableBufferPointer { p in for k in 0..<p.count where p[k] < 0 { p[k] = 0 } } }
        post.append(next)
        a = next
      }
      for j in 0..<n { out[j] += z * a[j, 0] }
      if architecture == .standard {
        for w in weights { reg += 0.5 * beta * w.frobeniusNorm * w.frobeniusNorm }
      } else {
        for w in weights { reg += beta / L * Double.pow(w.frobeniusNorm, L) }
        reg += beta / L * Double.pow(abs(z), L)
      }
      chains.append((weights, pre, post, z, start))
    }
    var r = [Double](repeating: 0, count: n)
    var loss = 0.0
    for j in 0..<n {
      r[j] = out[j] - targets[j]
      loss += 0.5 * r[j] * r[j]
    }
    // Backward.
    for c in chains {
      var o = c.offset
      let layers = c.weights.count
      var gradWeights = [Matrix](repeating: Matrix(rows: 0, columns: 0), count: layers)
      // δ at the chain's output (n×1): ∂loss/∂(last post) = z·r.
      var delta = Matrix(rows: n, columns: 1, columnMajor: r.map { $0 * c.z })
      for l in stride(from: layers - 1, through: 0, by: -1) {
        let relu = architecture == .parallel || l < layers - 1
        if relu {
          let h = c.pre[l]
          delta.withUnsafeMutableBufferPointer { p in
            h.withUnsafeBufferPointer { hp in for k in 0..<p.count where hp[k] <= 0 { p[k] = 0 } }
          }
        }
        let input = l == 0 ? data : c.post[l - 1]
        gradWeights[l] = Matrix.product(input, delta, transA: .transpose)
        if l > 0 { delta = Matrix.product(delta, c.weights[l], transB: .transpose) }
      }
      for (l, w) in c.weights.enumerated() {
        let nw = w.frobeniusNorm
        let factor = architecture == .standard ? beta : beta * Double.pow(nw, L - 2)
        for k in 0..<(w.rows * w.columns) {
          gradient[o + k] = gradWeights[l].storage[k] + factor * w.storage[k]
        }
        o += w.rows * w.columns
      }
      if architecture == .parallel {
        let last = c.post[layers - 1]
        var gz = 0.0
        for j in 0..<n { gz += r[j] * last[j, 0] }
        gradient[o] = gz + beta * Double.pow(abs(c.z), L - 2) * c.z
      }
    }
    return loss + reg
  }
}
