import RealModule

/// The loss the FISTA solvers actually minimise: a `ConvexLoss`, optionally
///
/// * **Huber-smoothed** (hinge only, parameter μ > 0): with the margin gap m = 1 − y ŷ,
///   `ℓ_μ = Σ h_μ(m_j)`, `h_μ(m) = 0 (m ≤ 0), m²/(2μ) (0 < m < μ), m − μ/2 (m ≥ μ)`. ∇ℓ_μ is (1/μ)-Lipschitz,
///   `ℓ_μ ≤ ℓ ≤ ℓ_μ + nμ/2`, and its dual piece is `−ℓ_μ*(−v) = Σ (q_j − μ q_j²/2)` on `0 ≤ q_j = y_j v_j ≤ 1`
///   (MATH.md §3.8 hinge dual minus the smoothing term). Used under continuation μ → 0 (see
///   `ConvexReLUProgram.solve`), which reports the true hinge objective and the true hinge dual bound.
/// * **centred** (squared only): an unpenalised output bias b minimised exactly,
///   `min_b (1/2)‖ŷ + b1 − y‖² = (1/2)‖C(ŷ − y)‖²` with `C = I − 11ᵀ/n`. Its gradient is the centred residual
///   and its dual piece is `yᵀv − (1/2)‖v‖²` on `1ᵀv = 0` (−∞ off it); the dual point `C(y − ŷ)` satisfies it.
struct SolverLoss: Sendable {
  let kind: ConvexLoss
  /// Huber parameter μ (hinge); 0 = the plain loss.
  let smoothing: Double
  /// Unpenalised output bias (squared loss only).
  let centered: Bool
  /// Where the rows are: every sum over samples (values, dual values, the bias mean) is reduced with it.
  var rows: RowReduction = .local

  init(_ kind: ConvexLoss, smoothing: Double = 0, centered: Bool = false, rows: RowReduction = .local) {
    self.rows = rows
    precondition(smoothing == 0 || kind == .hinge, "smoothing applies to the hinge loss")
    precondition(!centered || kind == .squared, "the exactly-minimised bias is implemented for the squared loss")
    self.kind = kind
    self.smoothing = smoothing
    self.centered = centered
  }

  var isHuber: Bool { kind == .hinge && smoothing > 0 }

  /// Lipschitz constant of ∇ℓ in ŷ.
  var smoothness: Double { isHuber ? 1 / smoothing : kind.smoothness }

  /// The optimal unpenalised bias `mean(y − ŷ)` (0 when not centred).
  func bias(_ yhat: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double {
    guard centered else { return 0 }
    var s = 0.0
    for j in 0..<y.count { s += y[j] - yhat[j] }
    let count = rows.sum(Double(y.count))
    return count > 0 ? rows.sum(s) / count : 0
  }

  /// The plain loss's curvature; nil when centred (∇²ℓ = I − 11ᵀ/n is not diagonal) or smoothed.
  func curvature(_ yhat: [Double], _ y: [Double]) -> [Double]? {
    centered || isHuber ? nil : kind.curvature(yhat, y)
  }

  func value(_ yhat: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double {
    rows.sum(localValue(yhat, y))
  }

  /// This process's share of `value`.
  private func localValue(_ yhat: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double {
    if centered {
      let b = bias(yhat, y)
      var s = 0.0
      for j in 0..<y.count {
        let r = yhat[j] + b - y[j]
        s += r * r
      }
      return 0.5 * s
    }
    guard isHuber else { return kind.value(yhat, y) }
    var s = 0.0
    for j in 0..<y.count { s += huber(1 - y[j] * yhat[j]) }
    return s
  }

  func valueAndGradient(
    _ yhat: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double {
    rows.sum(localValueAndGradient(yhat, y, gradient: gradient))
  }

  private func localValueAndGradient(
    _ yhat: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double {
    if centered {
      let b = bias(yhat, y)
      var s = 0.0
      for j in 0..<y.count {
        let r = yhat[j] + b - y[j]
        gradient[j] = r
        s += r * r
      }
      return 0.5 * s
    }
    guard isHuber else { return kind.valueAndGradient(yhat, y, gradient: gradient) }
    var s = 0.0
    let mu = smoothing
    for j in 0..<y.count {
      let m = 1 - y[j] * yhat[j]
      s += huber(m)
      gradient[j] = -y[j] * Swift.min(1, Swift.max(0, m / mu))
    }
    return s
  }

  /// `ℓ(a) − ℓ(b) − ⟨∇ℓ(b), a − b⟩ ≥ 0`, entrywise.
  func bregman(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double {
    rows.sum(localBregman(a, b, y))
  }

  private func localBregman(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double {
    if centered {
      // (1/2)‖C(a − b)‖².
      var mean = 0.0
      for j in 0..<y.count { mean += a[j] - b[j] }
      mean = rows.sum(mean) / Swift.max(1, rows.sum(Double(y.count)))
      var s = 0.0
      for j in 0..<y.count {
        let r = a[j] - b[j] - mean
        s += r * r
      }
      return 0.5 * s
    }
    guard isHuber else { return kind.bregman(a, b, y) }
    var s = 0.0
    let mu = smoothing
    for j in 0..<y.count {
      let ma = 1 - y[j] * a[j], mb = 1 - y[j] * b[j]
      let g = Swift.min(1, Swift.max(0, mb / mu))  // dh/dm at mb
      s += Swift.max(0, huber(ma) - huber(mb) - g * (ma - mb))
    }
    return s
  }

  /// `v = −∇ℓ(ŷ)`.
  func dualPoint(_ yhat: [Double], _ y: [Double]) -> [Double] {
    var g = [Double](repeating: 0, count: y.count)
    yhat.withUnsafeBufferPointer { p in
      y.withUnsafeBufferPointer { q in g.withUnsafeMutableBufferPointer { gp in _ = valueAndGradient(p, q, gradient: gp) } }
    }
    return g.map { -$0 }
  }

  /// `−ℓ*(−v)` of the solved loss (−∞ outside its domain).
  func dualValue(_ v: [Double], _ y: [Double]) -> Double { dualValue(v, scaledBy: 1, y) }

  /// `dualValue(c·v, y)` without forming c·v.
  func dualValue(_ v: [Double], scaledBy c: Double, _ y: [Double]) -> Double {
    if centered {
      var sum = 0.0, top = 0.0
      for j in 0..<v.count {
        let w = v[j] * c
        sum += w
        top = Swift.max(top, abs(w))
      }
      let s = rows.sum(sum)
      let scale = rows.max(top)
      if abs(s) > 1e-9 * Swift.max(1, scale) * rows.sum(Double(v.count)) { return -.infinity }
      return rows.sum(kind.dualValue(v, scaledBy: c, y))
    }
    return rows.sum(localDualValue(v, scaledBy: c, y))
  }

  private func localDualValue(_ v: [Double], scaledBy c: Double, _ y: [Double]) -> Double {
    guard isHuber else { return kind.dualValue(v, scaledBy: c, y) }
    var s = 0.0
    for j in 0..<y.count {
      let q = y[j] * (v[j] * c)
      if q < 0 || q > 1 { return -.infinity }
      s += q - 0.5 * smoothing * q * q
    }
    return s
  }

  /// Best `s ∈ [0, maxScale]` for the dual point `s·v` and its dual value.
  func bestDualScaling(_ v: [Double], _ y: [Double], maxScale: Double) -> (scale: Double, value: Double) {
    // Centred squared loss: v = C(y − ŷ) has 1ᵀv = 0, and so has every s·v; the squared dual applies.
    guard isHuber else {
      return kind.bestDualScaling(v, y, maxScale: maxScale, rows: rows) { dualValue(v, scaledBy: $0, y) }
    }
    var qmax = 0.0, sq = 0.0, sqq = 0.0
    for j in 0..<y.count {
      let q = y[j] * v[j]
      qmax = Swift.max(qmax, q)
      sq += q
      sqq += q * q
    }
    qmax = rows.max(qmax)
    sq = rows.sum(sq)
    sqq = rows.sum(sqq)
    let hi = Swift.min(maxScale, qmax > 0 ? 1 / qmax : maxScale)
    guard hi.isFinite, hi > 0, sqq > 0 else { return (0, 0) }
    let s = Swift.min(hi, Swift.max(0, sq / (smoothing * sqq)))
    return (s, dualValue(v, scaledBy: s, y))
  }

  @inline(__always) private func huber(_ m: Double) -> Double {
    if m <= 0 { return 0 }
    if m < smoothing { return m * m / (2 * smoothing) }
    return m - 0.5 * smoothing
  }
}
