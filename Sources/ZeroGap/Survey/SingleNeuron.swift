import RealModule

/// One ReLU neuron fitted to data and its convex relaxation (MATH.md §6; Ergen–Pilanci 2019, the survey's eq. 8):
///
///     L(w)   = ‖(Xw)_+ − y‖²                          (nonconvex)
///     L_r(w) = ‖(Xw)_+‖² − 2yᵀXw + ‖y‖²              (convex: the loss with −2yᵀ(Xw)_+ replaced by −2yᵀXw)
///
/// with X n×d (rows are samples) and y of length n. `L − L_r = −2 Σ_i y_i (−x_iᵀw)_+`, so L ≤ L_r when y ≥ 0, and the
/// relaxation is exact when y = (Xw*)_+ for some w* (§6 facts 1–2); not in general (fact 3).
///
/// `fit` computes: the minimiser of L_r with its certificate (gradient norm, and the dual value ‖y‖² − ‖λ‖² at the
/// feasible point λ = (Xw)_+ + Π(y − (Xw)_+) of `max {‖y‖² − ‖λ‖² : λ ≥ 0, Xᵀλ = Xᵀy}` when λ ≥ 0, Π the projection
/// onto range X); gradient descent on L from zero and from Gaussian starts; and, when the arrangement is small, the
/// exact global minimum of L: for every activation pattern D of X (§3.2), `min ‖DXw − y‖²` over the pattern's cone
/// `(2D − I)Xw ≥ 0`, solved exactly as non-negative least squares over the cone's extreme rays.
public struct SingleNeuron: Sendable {
  public let data: Matrix
  public let targets: [Double]

  /// - Throws: `DualityGapError` for shapes that disagree, no samples, or non-finite values.
  public init(data: Matrix, targets: [Double]) throws(DualityGapError) {
    guard data.rows == targets.count, data.rows >= 1, data.columns >= 1 else {
      throw DualityGapError("X is \(data.rows)×\(data.columns) but y has \(targets.count) entries: one target per sample, at least one feature")
    }
    guard data.isFinite, targets.allSatisfy(\.isFinite) else { throw DualityGapError("X or y contains NaN or infinite values") }
    self.data = data
    self.targets = targets
  }

  /// L(w).
  public func loss(_ w: [Double]) -> Double {
    let z = data.multiply(w)
    return zip(z, targets).reduce(0) { $0 + ($1.0 > 0 ? ($1.0 - $1.1) * ($1.0 - $1.1) : $1.1 * $1.1) }
  }

  /// L_r(w).
  public func relaxedLoss(_ w: [Double]) -> Double {
    let z = data.multiply(w)
    return zip(z, targets).reduce(0) { $0 + Swift.max(0, $1.0) * Swift.max(0, $1.0) - 2 * $1.1 * $1.0 + $1.1 * $1.1 }
  }

  /// ∇L_r(w) = 2Xᵀ((Xw)_+ − y).
  public func relaxedGradient(_ w: [Double]) -> [Double] {
    let r = zip(data.multiply(w), targets).map { 2 * (Swift.max(0, $0) - $1) }
    return data.multiply(r, trans: .transpose)
  }

  /// ∇L(w) = 2Xᵀ(1[Xw > 0] ⊙ ((Xw)_+ − y)) (ReLU'(0) = 0: zero at w = 0).
  public func gradient(_ w: [Double]) -> [Double] {
    let r = zip(data.multiply(w), targets).map { $0 > 0 ? 2 * ($0 - $1) : 0 }
    return data.multiply(r, trans: .transpose)
  }

  // MARK: - The relaxation

  /// The minimiser of L_r with its certificate.
  public struct Relaxed: Sendable {
    public var w: [Double]
    public var relaxedLoss: Double
    /// L at w.
    public var loss: Double
    /// ‖∇L_r(w)‖.
    public var gradientNorm: Double
    /// A certified lower bound on min L_r (the dual value), nil when the dual point built from w is not feasible.
    public var lowerBound: Double?
  }

  /// Minimises L_r by L-BFGS, then Newton steps on the settled pattern (L_r is quadratic on each pattern's region),
  /// until ‖∇L_r‖ ≤ `tolerance`·max(1, ‖2Xᵀy‖).
  public func minimizeRelaxation(tolerance: Double = 1e-10) -> Relaxed {
    let d = data.columns
    let scale = Swift.max(1, relaxedGradient([Double](repeating: 0, count: d)).norm2)
    let objective = RelaxedNeuronObjective(neuron: self)
    var w = LBFGS(iterations: 10_000, gradientTolerance: 1e-14).run(objective, from: [Double](repeating: 0, count: d)).parameters
    // Newton on the current pattern: XᵀD X w = Xᵀy (minimum-norm solution); kept while it lowers L_r.
    for _ in 0..<20 {
      let z = data.multiply(w)
      var dx = data
      for j in 0..<data.rows where z[j] <= 0 { for c in 0..<d { dx[j, c] = 0 } }
      let h = Matrix.product(data, dx, transA: .transpose)
      let rhs = Matrix(column: data.multiply(targets, trans: .transpose))
      guard let step = try? LeastSquares(h, rhs).solution.storage, step.allSatisfy(\.isFinite) else { break }
      // Accept the step when the gradient shrinks and L_r does not rise beyond its rounding.
      let rounding = 16 * Double.ulpOfOne * Swift.max(1, targets.reduce(0) { $0 + $1 * $1 })
      if relaxedLoss(step) <= relaxedLoss(w) + rounding && relaxedGradient(step).norm2 < relaxedGradient(w).norm2 { w = step } else { break }
      if relaxedGradient(w).norm2 <= tolerance * scale { break }
    }
    let value = relaxedLoss(w)
    return Relaxed(w: w, relaxedLoss: value, loss: loss(w), gradientNorm: relaxedGradient(w).norm2, lowerBound: dualBound(w, value: value))
  }

  /// ‖y‖² − ‖λ‖² at λ = (Xw)_+ + Π(y − (Xw)_+) when λ ≥ 0 (then Xᵀλ = Xᵀy: a feasible dual point), capped at L_r(w).
  func dualBound(_ w: [Double], value: Double) -> Double? {
    let plus = data.multiply(w).map { Swift.max(0, $0) }
    let r = zip(targets, plus).map { $0 - $1 }
    guard let ls = try? LeastSquares(data, Matrix(column: r)) else { return nil }
    let proj = data.multiply(ls.solution.storage)
    let lambda = zip(plus, proj).map { $0 + $1 }
    let tol = 1e-12 * Swift.max(1, targets.map(abs).max() ?? 1)
    guard lambda.allSatisfy({ $0 >= -tol }) else { return nil }
    let clipped = lambda.map { Swift.max(0, $0) }
    // Clipping by at most tol breaks Xᵀλ = Xᵀy by rounding only; the bound is reported as computed.
    let bound = targets.reduce(0) { $0 + $1 * $1 } - clipped.reduce(0) { $0 + $1 * $1 }
    return Swift.min(bound, value)
  }

  // MARK: - The exact global minimum of L

  /// The global minimiser of L over R^d and its value.
  public struct GlobalMinimum: Sendable {
    public var w: [Double]
    public var loss: Double
    /// Activation patterns examined.
    public var patterns: Int
  }

  /// Solves every pattern's cone-constrained least squares exactly (see the type's doc comment). Returns nil when
  /// the work (patterns × (r−1)-subsets of the n constraints, r = rank X) exceeds `budget`.
  public func globalMinimum(budget: Double = 2e7) throws(DualityGapError) -> GlobalMinimum? {
    let n = data.rows
    // Work in the row space of X (rank r): w = V z with V d×r orthonormal, X' = XV of full column rank, so every
    // pattern's cone {z : (2D − I)X'z ≥ 0} is pointed and generated by its extreme rays.
    let svd: SVD
    do { svd = try SVD(data) } catch { throw DualityGapError("the SVD of X failed: \(error)") }
    let tol = Double(Swift.max(n, data.columns)) * Double.ulpOfOne * (svd.singularValues.first ?? 0)
    let r = svd.singularValues.filter { $0 > tol }.count
    guard r >= 1 else { return GlobalMinimum(w: [Double](repeating: 0, count: data.columns), loss: loss([Double](repeating: 0, count: data.columns)), patterns: 1) }
    let v = svd.vt.rows(0..<r).transposed
    let xr = Matrix.product(data, v)
    let bound = ActivationPatterns.patternBound(n: n, rank: r)
    let subsets = ActivationPatterns.binomial(n, r - 1)
    guard bound * Swift.max(1, subsets) * Double(n * r) <= budget else { return nil }
    let patterns: ActivationPatterns
    do { patterns = try ActivationPatterns.enumerate(data: xr) } catch { throw DualityGapError("\(error)") }
    var best = (w: [Double](repeating: 0, count: data.columns), value: loss([Double](repeating: 0, count: data.columns)))
    for p in 0..<patterns.count {
      let mask = patterns.masks.column(p)
      var c = xr, a = xr
      for j in 0..<n {
        let s = 2 * mask[j] - 1
        for k in 0..<r {
          c[j, k] *= s
          a[j, k] *= mask[j]
        }
      }
      let rays = Self.extremeRays(c)
      guard rays.columns > 0 else { continue }
      let e = Matrix.product(a, rays)
      let nnls = NonNegativeLeastSquares(e, targets)
      let z = rays.multiply(nnls.solution)
      let w = v.multiply(z)
      let value = loss(w)
      if value < best.value { best = (w, value) }
    }
    return GlobalMinimum(w: best.w, loss: best.value, patterns: patterns.count)
  }

  /// The extreme rays (columns, unit length) of the pointed cone {z ∈ R^r : Cz ≥ 0}, C n×r of rank r: the directions
  /// on which r − 1 linearly independent constraints are tight and every constraint holds.
  static func extremeRays(_ c: Matrix) -> Matrix {
    let n = c.rows, r = c.columns
    let scale = c.storage.reduce(0) { Swift.max($0, abs($1)) }
    var rays: [[Double]] = []
    func consider(_ z: [Double]) {
      let norm = z.norm2
      guard norm > 1e-12 else { return }
      for sign in [1.0, -1.0] {
        let u = z.map { sign * $0 / norm }
        let cz = c.multiply(u)
        guard cz.allSatisfy({ $0 >= -1e-10 * scale }) else { continue }
        if !rays.contains(where: { zip($0, u).reduce(0) { $0 + abs($1.0 - $1.1) } <= 1e-9 }) { rays.append(u) }
      }
    }
    if r == 1 {
      consider([1])
    } else {
      var subset = Array(0..<(r - 1))
      while true {
        let rows = c.rows(subset)
        if let z = Self.nullVector(rows) { consider(z) }
        // Next (r−1)-subset of 0..<n in lexicographic order.
        var k = r - 2
        while k >= 0 && subset[k] == n - (r - 1) + k { k -= 1 }
        if k < 0 { break }
        subset[k] += 1
        for m in (k + 1)..<(r - 1) { subset[m] = subset[m - 1] + 1 }
      }
    }
    return Matrix(rows: r, columns: rays.count, columnMajor: rays.flatMap { $0 })
  }

  /// A unit vector spanning the null space of an (r−1)×r matrix of rank r − 1, nil otherwise.
  static func nullVector(_ m: Matrix) -> [Double]? {
    let r = m.columns
    if r == 2 {
      let z = [-m[0, 1], m[0, 0]]
      return z.norm2 > 0 ? z : nil
    }
    if r == 3 {
      let z = [m[0, 1] * m[1, 2] - m[0, 2] * m[1, 1], m[0, 2] * m[1, 0] - m[0, 0] * m[1, 2], m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]]
      let scale = m.storage.reduce(0) { Swift.max($0, abs($1)) }
      return z.norm2 > 1e-12 * scale * scale ? z : nil
    }
    let padded = m.appendingRows(Matrix(rows: 1, columns: r))
    guard let svd = try? SVD(padded) else { return nil }
    let s = svd.singularValues
    guard s.count >= r, s[r - 2] > 1e-12 * (s.first ?? 0) else { return nil }
    return svd.vt.row(r - 1)
  }

  // MARK: - Gradient descent on L

  /// Gradient descent on L from zero and from `starts` Gaussian starts.
  public struct Descent: Sendable {
    /// L after descent from w = 0 (where ∇L = 0: it does not move).
    public var fromZero: Double
    /// The final L of every random start.
    public var losses: [Double]
    public var best: Double { losses.min() ?? fromZero }
    /// The best final parameters.
    public var bestW: [Double]
  }

  /// - Parameters:
  ///   - learningRate: the step (default 0.5/‖X‖₂², below 1/Lipschitz of ∇L on each pattern).
  public func gradientDescent(starts: Int, steps: Int, learningRate: Double? = nil, seed: UInt64 = 0) -> Descent {
    let d = data.columns
    let norm = Swift.max((try? data.spectralNorm()) ?? data.frobeniusNorm, 1e-300)
    let eta = learningRate ?? 0.5 / (norm * norm)
    func run(_ w0: [Double]) -> [Double] {
      var w = w0
      for _ in 0..<steps {
        let g = gradient(w)
        if g.allSatisfy({ $0 == 0 }) { break }
        for k in 0..<d { w[k] -= eta * g[k] }
      }
      return w
    }
    let zero = loss(run([Double](repeating: 0, count: d)))
    var gen = SeededGenerator(seed: seed)
    var losses: [Double] = [], bestW = [Double](repeating: 0, count: d), best = Double.infinity
    for _ in 0..<starts {
      let w = run(gen.normalVector(d))
      let l = loss(w)
      losses.append(l)
      if l < best {
        best = l
        bestW = w
      }
    }
    return Descent(fromZero: zero, losses: losses, bestW: bestW)
  }
}

extension SingleNeuron {
  /// Everything `zerogap neuron` reports (MATH.md §6).
  public struct Report: Sendable {
    public var relaxed: Relaxed
    /// The exact global minimum of L (nil when the arrangement is too large to enumerate).
    public var global: GlobalMinimum?
    public var descent: Descent
    public var starts: Int
    /// Tolerance (relative to max(1, ‖y‖²)) for "equal losses".
    public var tolerance: Double

    /// The reference minimum of L: the exact one when known, else the best value found (relaxation or descent).
    public var bestKnownLoss: Double { global?.loss ?? Swift.min(relaxed.loss, descent.best) }
    /// Random starts whose final L is above the reference minimum by more than the tolerance.
    public func failedStarts(scale: Double) -> Int { descent.losses.filter { $0 > bestKnownLoss + tolerance * scale }.count }
    /// Whether the relaxation's minimiser minimises L: true/false when the global minimum is known (or L(w̃) = 0, a
    /// global minimum), false when descent found a lower L, nil when undetermined.
    public func relaxationExact(scale: Double) -> Bool? {
      if let g = global { return relaxed.loss <= g.loss + tolerance * scale }
      if relaxed.loss <= tolerance * scale { return true }
      if descent.best < relaxed.loss - tolerance * scale { return false }
      return nil
    }
  }

  /// Runs the relaxation, gradient descent and (when small) the exact global minimum.
  public func report(starts: Int = 20, steps: Int = 3000, learningRate: Double? = nil, seed: UInt64 = 0, tolerance: Double = 1e-9) throws(DualityGapError) -> Report {
    Report(
      relaxed: minimizeRelaxation(), global: try globalMinimum(),
      descent: gradientDescent(starts: starts, steps: steps, learningRate: learningRate, seed: seed), starts: starts, tolerance: tolerance)
  }

  /// max(1, ‖y‖²): the scale of loss comparisons.
  public var lossScale: Double { Swift.max(1, targets.reduce(0) { $0 + $1 * $1 }) }
}

extension SingleNeuron.Report {
  /// `{"relaxed": {"w", "relaxed_loss", "loss", "gradient_norm", "lower_bound"}, "global": {"w", "loss", "patterns"} |
  /// null, "gradient_descent": {"from_zero", "best_loss", "failed_starts", "starts"}, "relaxation_exact": bool | null}`.
  public func json(scale: Double) -> JSON {
    .object([
      "relaxed": .object([
        "w": .numbers(relaxed.w), "relaxed_loss": .number(relaxed.relaxedLoss), "loss": .number(relaxed.loss),
        "gradient_norm": .number(relaxed.gradientNorm), "lower_bound": .number(relaxed.lowerBound),
      ]),
      "global": global.map { .object(["w": .numbers($0.w), "loss": .number($0.loss), "patterns": .number(Double($0.patterns))]) } ?? .null,
      "gradient_descent": .object([
        "from_zero": .number(descent.fromZero), "best_loss": .number(descent.best),
        "failed_starts": .number(Double(failedStarts(scale: scale))), "starts": .number(Double(starts)),
      ]),
      "relaxation_exact": relaxationExact(scale: scale).map { .bool($0) } ?? .null,
    ])
  }
}

/// L_r as a `DifferentiableObjective` (for L-BFGS).
struct RelaxedNeuronObjective: DifferentiableObjective {
  let neuron: SingleNeuron
  var parameterCount: Int { neuron.data.columns }
  func valueAndGradient(_ w: [Double], gradient: inout [Double]) -> Double {
    let g = neuron.relaxedGradient(w)
    for k in g.indices { gradient[k] = g[k] }
    return neuron.relaxedLoss(w)
  }
  func initialParameters(using generator: inout SeededGenerator) -> [Double] { [Double](repeating: 0, count: parameterCount) }
}
