import RealModule

/// The convex losses ℓ(ŷ, y) of the two-layer ReLU programs, as unnormalised sums (MATH.md §0, §3.8).
///
/// * squared:  `ℓ = (1/2)‖ŷ − y‖²`, dual piece `−ℓ*(−v) = yᵀv − (1/2)‖v‖²` (§3.4);
/// * logistic: `ℓ = Σ log(1 + exp(−y_j ŷ_j))`, y ∈ {±1}ⁿ, dual piece `Σ H(y_j v_j)` on `0 ≤ y_j v_j ≤ 1`,
///   H the binary entropy in nats (§3.8);
/// * hinge:    `ℓ = Σ (1 − y_j ŷ_j)_+`, y ∈ {±1}ⁿ, dual piece `Σ y_j v_j` on `0 ≤ y_j v_j ≤ 1` (§3.8).
///
/// The dual of every program is `max_v −ℓ*(−v) s.t. c(v) ≤ β`; the candidate dual point of a prediction ŷ is
/// `v = −∇ℓ(ŷ)` (a subgradient for the hinge), scaled into the feasible set (§3.5).
public enum ConvexLoss: String, Sendable, Codable, CaseIterable {
  case squared
  case logistic
  case hinge

  /// True when ∇ℓ is Lipschitz (FISTA applies directly).
  public var isSmooth: Bool { self != .hinge }

  /// Lipschitz constant of ∇ℓ in ŷ (1 for squared, 1/4 for logistic; ∞ for hinge).
  public var smoothness: Double {
    switch self {
    case .squared: return 1
    case .logistic: return 0.25
    case .hinge: return .infinity
    }
  }

  /// Checks the targets: finite, and ±1 for logistic/hinge.
  /// - Throws: `.nonFinite` / `.invalidLabels` naming the first offending sample.
  public func validate(targets y: [Double]) throws(ConvexReLUError) {
    for (j, t) in y.enumerated() {
      guard t.isFinite else { throw .nonFinite("target \(j) is \(t)") }
      if self != .squared && t != 1 && t != -1 {
        throw .invalidLabels("the \(rawValue) loss needs labels in {−1, +1}, but target \(j) is \(t); map your classes to ±1 (or use --loss squared)")
      }
    }
  }

  /// ℓ(ŷ, y).
  public func value(_ yhat: [Double], _ y: [Double]) -> Double {
    precondition(yhat.count == y.count)
    return yhat.withUnsafeBufferPointer { p in y.withUnsafeBufferPointer { q in value(p, q) } }
  }

  /// ℓ(ŷ, y) on raw buffers (hot loop, allocation-free).
  public func value(_ yhat: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double {
    var s = 0.0
    switch self {
    case .squared:
      for j in 0..<y.count {
        let r = yhat[j] - y[j]
        s += r * r
      }
      return 0.5 * s
    case .logistic:
      for j in 0..<y.count { s += ConvexLoss.softplus(-y[j] * yhat[j]) }
      return s
    case .hinge:
      for j in 0..<y.count { s += Swift.max(0, 1 - y[j] * yhat[j]) }
      return s
    }
  }

  /// Writes ∇ℓ(ŷ) (a subgradient for hinge) into `gradient` and returns ℓ(ŷ). Allocation-free.
  public func valueAndGradient(
    _ yhat: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double {
    var s = 0.0
    switch self {
    case .squared:
      for j in 0..<y.count {
        let r = yhat[j] - y[j]
        gradient[j] = r
        s += r * r
      }
      return 0.5 * s
    case .logistic:
      for j in 0..<y.count {
        let z = -y[j] * yhat[j]
        s += ConvexLoss.softplus(z)
        gradient[j] = -y[j] * ConvexLoss.sigmoid(z)
      }
      return s
    case .hinge:
      for j in 0..<y.count {
        let m = 1 - y[j] * yhat[j]
        s += Swift.max(0, m)
        gradient[j] = m > 0 ? -y[j] : 0
      }
      return s
    }
  }

  /// The diagonal of ∇²ℓ(ŷ): 1 (squared), σ(yŷ)σ(−yŷ) (logistic); nil for the hinge loss (not twice differentiable).
  func curvature(_ yhat: [Double], _ y: [Double]) -> [Double]? {
    switch self {
    case .squared: return [Double](repeating: 1, count: y.count)
    case .logistic:
      return (0..<y.count).map { j in
        let z = y[j] * yhat[j]
        return ConvexLoss.sigmoid(z) * ConvexLoss.sigmoid(-z)
      }
    case .hinge: return nil
    }
  }

  /// The Bregman divergence `ℓ(a) − ℓ(b) − ⟨∇ℓ(b), a − b⟩ ≥ 0`, computed entrywise without the cancellation of
  /// subtracting two loss values (so line searches stay reliable near the optimum). Hinge: the plain difference.
  public func bregman(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double {
    var s = 0.0
    switch self {
    case .squared:
      for j in 0..<y.count {
        let r = a[j] - b[j]
        s += r * r
      }
      return 0.5 * s
    case .logistic:
      // With z = −y ŷ: softplus(z_a) − softplus(z_b) − σ(z_b)(z_a − z_b) = log1p(p·expm1(h)) − p·h, h = z_a − z_b.
      for j in 0..<y.count {
        let za = -y[j] * a[j], zb = -y[j] * b[j]
        let h = za - zb
        let p = ConvexLoss.sigmoid(zb)
        if h > 30 {
          s += ConvexLoss.softplus(za) - ConvexLoss.softplus(zb) - p * h
        } else {
          s += Swift.max(0, Double.log(onePlus: p * Double.expMinusOne(h)) - p * h)
        }
      }
      return s
    case .hinge:
      for j in 0..<y.count {
        let mb = 1 - y[j] * b[j]
        let g = mb > 0 ? -y[j] : 0
        s += Swift.max(0, 1 - y[j] * a[j]) - Swift.max(0, mb) - g * (a[j] - b[j])
      }
      return s
    }
  }

  /// The candidate dual point `v = −∇ℓ(ŷ)` (§3.5, §3.8): `y − ŷ` (squared), `y ⊙ sigmoid(−y⊙ŷ)` (logistic),
  /// `y ⊙ 1[y⊙ŷ < 1]` (hinge subgradient).
  public func dualPoint(_ yhat: [Double], _ y: [Double]) -> [Double] {
    var g = [Double](repeating: 0, count: y.count)
    yhat.withUnsafeBufferPointer { p in
      y.withUnsafeBufferPointer { q in
        g.withUnsafeMutableBufferPointer { gp in _ = valueAndGradient(p, q, gradient: gp) }
      }
    }
    return g.map { -$0 }
  }

  /// The dual objective piece `−ℓ*(−v)`; −∞ outside its domain (§3.4, §3.8).
  public func dualValue(_ v: [Double], _ y: [Double]) -> Double {
    dualValue(v, scaledBy: 1, y)
  }

  /// `dualValue(s·v, y)` without forming s·v (each entry is the product v_j·s, as the scaled vector would hold).
  func dualValue(_ v: [Double], scaledBy scale: Double, _ y: [Double]) -> Double {
    precondition(v.count == y.count)
    switch self {
    case .squared:
      if scale == 1 { return y.dot(v) - 0.5 * v.dot(v) }
      var yv = 0.0, vv = 0.0
      for j in 0..<y.count {
        let w = v[j] * scale
        yv += y[j] * w
        vv += w * w
      }
      return yv - 0.5 * vv
    case .logistic:
      var s = 0.0
      for j in 0..<y.count {
        let q = y[j] * (v[j] * scale)
        if q < 0 || q > 1 { return -.infinity }
        s += ConvexLoss.entropy(q)
      }
      return s
    case .hinge:
      var s = 0.0
      for j in 0..<y.count {
        let q = y[j] * (v[j] * scale)
        if q < 0 || q > 1 { return -.infinity }
        s += q
      }
      return s
    }
  }

  /// The best scale `s ∈ [0, maxScale]` for the dual point `s·v`, and its dual value `−ℓ*(−s v)`.
  ///
  /// `maxScale = β/c̄` keeps `c(s v) ≤ β`. Squared: `s = clamp(yᵀv/‖v‖², 0, maxScale)` in closed form;
  /// hinge: the largest feasible s; logistic: a golden-section search of the concave 1-D dual. Each is at least
  /// as good as MATH.md's `s = min(1, β/c̄)`, which is always evaluated too.
  public func bestDualScaling(_ v: [Double], _ y: [Double], maxScale: Double) -> (scale: Double, value: Double) {
    bestDualScaling(v, y, maxScale: maxScale, rows: .local) { dualValue(v, scaledBy: $0, y) }
  }

  /// `bestDualScaling` with its sums and maxima over the rows reduced by `rows` and the (total) dual value given,
  /// so that the processes of a data-parallel run pick the same scale as one process.
  func bestDualScaling(
    _ v: [Double], _ y: [Double], maxScale: Double, rows: RowReduction, dual: (Double) -> Double
  ) -> (scale: Double, value: Double) {
    let sMath = Swift.min(1, maxScale)
    var best = (scale: sMath, value: dual(sMath))
    func consider(_ s: Double) {
      guard s.isFinite, s >= 0, s <= maxScale else { return }
      let val = dual(s)
      if val > best.value { best = (s, val) }
    }
    switch self {
    case .squared:
      let vv = rows.sum(v.dot(v))
      if vv > 0 { consider(Swift.min(Swift.max(rows.sum(y.dot(v)) / vv, 0), maxScale)) }
    case .hinge, .logistic:
      var qmax = 0.0
      for j in 0..<y.count { qmax = Swift.max(qmax, y[j] * v[j]) }
      qmax = rows.max(qmax)
      let hi = Swift.min(maxScale, qmax > 0 ? 1 / qmax : maxScale)
      if self == .hinge {
        consider(hi)
      } else if hi > 0 && hi.isFinite {
        var a = 0.0, b = hi
        let phi = (5.0.squareRoot() - 1) / 2
        for _ in 0..<80 {
          let c = b - phi * (b - a), d = a + phi * (b - a)
          if dual(c) < dual(d) { a = c } else { b = d }
        }
        consider((a + b) / 2)
      }
    }
    return best
  }

  /// log(1 + eᶻ) without overflow.
  @inline(__always) static func softplus(_ z: Double) -> Double {
    z > 0 ? z + Double.log(onePlus: Double.exp(-z)) : Double.log(onePlus: Double.exp(z))
  }

  /// 1/(1 + e⁻ᶻ) without overflow.
  @inline(__always) static func sigmoid(_ z: Double) -> Double {
    if z >= 0 { return 1 / (1 + Double.exp(-z)) }
    let e = Double.exp(z)
    return e / (1 + e)
  }

  /// Binary entropy in nats, H(0) = H(1) = 0.
  static func entropy(_ q: Double) -> Double {
    var h = 0.0
    if q > 0 { h -= q * Double.log(q) }
    if q < 1 { h -= (1 - q) * Double.log(onePlus: -q) }
    return h
  }
}
