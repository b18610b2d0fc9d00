import RealModule

/// Which problem a lower bound covers (MATH.md §3.5).
public enum BoundScope: String, Sendable, Codable {
  /// The convex program over the sampled patterns (or the given gates): LB ≤ that program's optimum, which a
  /// network attains.
  case sampled
  /// The full nonconvex two-layer problem p* (all patterns enumerated, or the exact d = 2 arc sweep).
  case global
  /// The full nonconvex problem through the crude bound `c̄ = ‖X‖₂‖v‖₂` (§3.5.3): valid but loose.
  case crude
}

/// A duality certificate for a two-layer ReLU network (MATH.md §3.5; vector outputs §3.9; gated networks §3.6):
/// the network's objective (an upper bound), a dual lower bound, the gap and what the bound covers.
///
/// Lower bound: V = −∇ℓ(Ŷ) (V = Y − Ŷ for the squared loss; centred per column when the network has an
/// unpenalised output bias), c̄ ≥ c(V) = max_{‖u‖≤1} ‖Vᵀ(Xu)_+‖, and `LB = −ℓ*(−s V)` with the best
/// `s ∈ [0, β/c̄]` (at least as good as §3.5's s = min(1, β/c̄)). For k outputs, ‖·‖ is the Euclidean norm of a
/// k-vector and the spectral norm of the matrices XᵀD V (§3.9's dual constraint).
public struct ReLUCertificate: Sendable, Equatable {
  /// Upper bound: the balanced objective `ℓ(Ŷ, Y) + β Σ_j ‖u_j‖‖α_j‖`, which rescaling each neuron reaches from the
  /// weights as given without changing Ŷ (§3.1).
  public let objective: Double
  /// The weight-decay objective of the weights as given, `ℓ(Ŷ, Y) + (β/2)(‖U‖² + ‖A‖²)` (≥ `objective`).
  public let objectiveAsGiven: Double
  /// A valid lower bound on the optimum of the problem named by `scope`.
  public let lowerBound: Double
  public let scope: BoundScope
  /// The bound c̄ ≥ c(v) that was used.
  public let dualNormBound: Double
  /// The dual scaling s.
  public let dualScale: Double
  /// How c̄ was obtained (`arc-sweep`, `cells`, `branch-and-bound`, `patterns`, `gates`, `crude`).
  public var dualNormMethod: String = "crude"
  /// Whether c̄ is c(V) itself (up to rounding), not only an upper bound on it.
  public var dualNormExact: Bool = false

  /// `objective − lowerBound`.
  public var gap: Double { objective - lowerBound }
  /// `gap / |objective|`.
  public var relativeGap: Double { ConvexSolverReport.relative(objective, lowerBound) }

  public init(objective: Double, objectiveAsGiven: Double? = nil, lowerBound: Double, scope: BoundScope, dualNormBound: Double, dualScale: Double) {
    self.objective = objective
    self.objectiveAsGiven = objectiveAsGiven ?? objective
    self.lowerBound = lowerBound
    self.scope = scope
    self.dualNormBound = dualNormBound
    self.dualScale = dualScale
  }

  /// Certifies a scalar-output network (ours or loaded from files); see the matrix-target overload.
  public static func certify(
    network: TwoLayerReLUNetwork, data x: Matrix, targets y: [Double], beta: Double, loss: ConvexLoss = .squared,
    patterns: ActivationPatterns? = nil, dualNormBudget: Double = 0
  ) throws(ConvexReLUError) -> ReLUCertificate {
    try certify(network: network, data: x, targets: Matrix(rows: y.count, columns: 1, columnMajor: y), beta: beta, loss: loss,
      patterns: patterns, dualNormBudget: dualNormBudget)
  }

  /// Certifies any two-layer network: ReLU or gated, one output or k (squared loss), with or without an
  /// unpenalised output bias.
  ///
  /// Scope of the bound:
  /// * ReLU network: `global` (every two-layer ReLU network of any width) for d = 2 (the exact arc sweep of
  ///   §3.5.1 for one output; the complete swept patterns for k > 1), when `patterns` is complete (one output: the
  ///   exact cell maxima of `ReLUDualNorm.overPatterns`; k > 1: §3.5.2's max_i ‖XᵀD_iV‖₂), or, for one output,
  ///   with `dualNormBudget > 0` seconds of `ReLUDualNorm.branchAndBound` (c(v) exactly, or its best upper bound
  ///   when the budget runs out — still a valid bound, `dualNormExact` false); otherwise `crude` (§3.5.3, ‖X‖₂‖V‖₂).
  /// * Gated network: `sampled` — every network with the given network's gates, i.e. the C-GReLU program over the
  ///   patterns of its gates (§3.6), whose dual constraint is finite.
  /// - Throws: `.shapeMismatch`, `.nonFinite`, `.invalidParameter` (β; k > 1 or an output bias with a
  ///   classification loss), `.invalidLabels`.
  public static func certify(
    network: TwoLayerReLUNetwork, data x: Matrix, targets y: Matrix, beta: Double, loss: ConvexLoss = .squared,
    patterns: ActivationPatterns? = nil, dualNormBudget: Double = 0
  ) throws(ConvexReLUError) -> ReLUCertificate {
    let k = network.outputDimension
    guard y.columns == k else {
      throw .shapeMismatch("the network has k = \(k) output\(k == 1 ? "" : "s") but the targets have \(y.columns) column\(y.columns == 1 ? "" : "s")")
    }
    guard network.inputDimension == x.columns else {
      throw .shapeMismatch("the network's first layer expects d = \(network.inputDimension) features but X has \(x.columns) columns")
    }
    guard x.rows == y.rows else { throw .shapeMismatch("X has \(x.rows) rows but the targets have \(y.rows)") }
    guard x.isFinite else { throw .nonFinite("the data matrix X contains NaN or infinite values") }
    guard y.isFinite else { throw .nonFinite("the targets contain NaN or infinite values") }
    guard beta > 0, beta.isFinite else { throw .invalidParameter("β must be a finite number > 0 (got \(beta))") }
    guard k == 1 || loss == .squared else {
      throw .invalidParameter("networks with k = \(k) outputs are certified for the squared loss only (MATH.md §3.9), not \(loss.rawValue)")
    }
    let targets = y.storage  // column-major: output c is targets[c*n ..< (c+1)*n]
    if k == 1 { try loss.validate(targets: targets) }
    let yhat = network.predict(x).storage
    guard yhat.allSatisfy(\.isFinite) else {
      throw .nonFinite("the network's output overflows double precision (finite weights, but their products are too large); rescale the weights or the data")
    }
    let fit = k == 1 ? loss.value(yhat, targets) : 0.5 * zip(yhat, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    let objective = fit + beta * network.pathNorm
    let objectiveAsGiven = fit + beta * network.weightDecay
    var v = k == 1 ? loss.dualPoint(yhat, targets) : zip(targets, yhat).map { $0 - $1 }
    let n = x.rows
    if network.outputBias != nil {
      // Unpenalised output bias: the dual gains 1ᵀV = 0. Squared loss: centre each residual column (SolverLoss).
      // Logistic: v = −∇ℓ(ŷ + δ1) at the bias shift δ that makes 1ᵀv = 0 (ℓ(ŷ + δ1) is convex in δ, its
      // derivative −1ᵀv increasing; bisection to rounding), which keeps every 0 ≤ y_i v_i ≤ 1.
      switch loss {
      case .squared:
        for c in 0..<k {
          let mean = v[(c * n)..<((c + 1) * n)].reduce(0, +) / Double(max(1, n))
          for i in 0..<n { v[c * n + i] -= mean }
        }
      case .logistic:
        func slope(_ delta: Double) -> Double { -loss.dualPoint(yhat.map { $0 + delta }, targets).reduce(0, +) }
        var lo = -1.0, hi = 1.0
        while slope(lo) > 0 && lo > -1e300 { lo *= 2 }
        while slope(hi) < 0 && hi < 1e300 { hi *= 2 }
        for _ in 0..<200 where hi - lo > 0 {
          let mid = 0.5 * (lo + hi)
          guard mid > lo && mid < hi else { break }
          if slope(mid) < 0 { lo = mid } else { hi = mid }
        }
        let shifted = yhat.map { $0 + 0.5 * (lo + hi) }
        v = loss.dualPoint(shifted, targets)
      case .hinge:
        throw .invalidParameter("networks with an unpenalised output bias are certified for the squared and logistic losses (got hinge): save the network without an output bias or certify it with --loss logistic")
      }
    }
    var cbar: Double
    var scope = BoundScope.global
    var method = "crude", exact = false
    func crude() throws(ConvexReLUError) -> Double {
      do { return try x.spectralNorm() * Matrix(rows: n, columns: k, columnMajor: v).spectralNorm() } catch { throw .wrap(error) }
    }
    if let g = network.gates {
      cbar = try dualNormBound(v, outputs: k, data: x, patterns: try ActivationPatterns.fromGates(g, data: x))
      (scope, method, exact) = (.sampled, "gates", true)
    } else if x.columns == 2 && k == 1 {
      (cbar, method, exact) = (dualNorm2D(v, data: x), "arc-sweep", true)
    } else if let p = patterns, p.isComplete, k == 1 {
      (cbar, method, exact) = (ReLUDualNorm.overPatterns(v, data: x, patterns: p).upperBound, "cells", true)
    } else if let p = patterns, p.isComplete {
      (cbar, method) = (try dualNormBound(v, outputs: k, data: x, patterns: p), "patterns")
    } else if x.columns == 2 {
      (cbar, method) = (try dualNormBound(v, outputs: k, data: x, patterns: try ActivationPatterns.enumerate(data: x)), "patterns")
    } else if dualNormBudget > 0 && k == 1 {
      let search = ReLUDualNorm.branchAndBound(v, data: x, timeBudget: dualNormBudget)
      (cbar, method, exact) = (min(search.upperBound, try crude()), "branch-and-bound", search.isExact)
    } else {
      (cbar, scope) = (try crude(), .crude)
    }
    let (s, lb) = CertifiedLoop.scaledDualBound(v: v, y: targets, loss: loss, dualNormBound: cbar, beta: beta)
    var cert = ReLUCertificate(objective: objective, objectiveAsGiven: objectiveAsGiven, lowerBound: lb, scope: scope, dualNormBound: cbar, dualScale: s)
    cert.dualNormMethod = method
    cert.dualNormExact = exact
    return cert
  }

  /// `max_i ‖Xᵀ D_i V‖₂` over the given patterns for a residual of k columns (column-major n·k; the spectral norm
  /// of each d×k matrix, the Euclidean norm for k = 1). An upper bound on c(V) when the patterns are complete.
  static func dualNormBound(_ v: [Double], outputs k: Int, data x: Matrix, patterns: ActivationPatterns) throws(ConvexReLUError) -> Double {
    if k == 1 { return dualNormBound(v, data: x, patterns: patterns) }
    let n = x.rows
    let vm = Matrix(rows: n, columns: k, columnMajor: v)
    var best = 0.0
    for i in 0..<patterns.count {
      var dv = vm
      for c in 0..<k { for j in 0..<n where patterns.masks[j, i] == 0 { dv[j, c] = 0 } }
      do { best = max(best, try Matrix.product(x, dv, transA: .transpose).spectralNorm()) } catch { throw .wrap(error) }
    }
    return best
  }

  /// A dual value computed in floating point, lowered by a bound on its rounding error so that it stays a valid
  /// lower bound: `ε·(n + 8)·max(|LB|, Σ_i |y_i s v_i| + ½(s v_i)²)` (the error of an n-term sum).
  static func roundedDown(_ lb: Double, v: [Double], y: [Double], scale s: Double, rows: RowReduction = .local) -> Double {
    guard lb.isFinite else { return lb }
    var mag = 0.0
    for i in 0..<v.count { mag += abs(y[i] * s * v[i]) + 0.5 * (s * v[i]) * (s * v[i]) }
    mag = rows.sum(mag)
    let count = rows.sum(Double(v.count))
    return lb - Double.ulpOfOne * (count + 8) * Swift.max(abs(lb), mag)
  }

  /// `max_i ‖Xᵀ D_i v‖₂` over the given patterns (§3.5.2; §3.6's finite dual constraint). One GEMM `Xᵀ(M ⊙ v1ᵀ)`.
  /// It bounds c(v) from above only when the patterns are complete; for the sampled C-GReLU program it is its
  /// exact dual norm.
  public static func dualNormBound(_ v: [Double], data x: Matrix, patterns: ActivationPatterns) -> Double {
    var t = patterns.masks
    let n = x.rows
    t.withUnsafeMutableBufferPointer { p in
      for i in 0..<patterns.count { for j in 0..<n { p[j + i * n] *= v[j] } }
    }
    let g = Matrix.product(x, t, transA: .transpose)
    var c = 0.0
    for i in 0..<g.columns { c = max(c, g.column(i).norm2) }
    return c
  }

  /// The crude bound `‖X‖₂ ‖v‖₂ ≥ c(v)` (§3.5.3), valid without any pattern.
  public static func crudeDualNorm(_ v: [Double], data x: Matrix) throws(ConvexReLUError) -> Double {
    do { return try x.spectralNorm() * v.norm2 } catch { throw .wrap(error) }
  }

  /// The exact `c(v) = max_{‖u‖≤1} |vᵀ(Xu)_+|` for d = 2 by the arc sweep (§3.5.1): on each arc of the pattern
  /// sweep, g = XᵀD v; the arc maximum of gᵀu is ‖g‖ if the angle of g lies inside the arc, else the larger
  /// endpoint value (and 0); the same for −v.
  public static func dualNorm2D(_ v: [Double], data x: Matrix) -> Double {
    precondition(x.columns == 2, "the arc sweep needs d = 2")
    let n = x.rows
    let rows = (0..<n).map { x.row($0) }
    let twoPi = 2 * Double.pi
    var best = 0.0
    for arc in ActivationPatterns.arcs(rows) {
      let gm = [Double.cos(arc.mid), Double.sin(arc.mid)]
      var g = [0.0, 0.0]
      for j in 0..<n where rows[j][0] * gm[0] + rows[j][1] * gm[1] >= 0 {
        g[0] += rows[j][0] * v[j]
        g[1] += rows[j][1] * v[j]
      }
      for sgn in [1.0, -1.0] {
        let h = [sgn * g[0], sgn * g[1]]
        var phi = Double.atan2(y: h[1], x: h[0])
        while phi < arc.start { phi += twoPi }
        if phi <= arc.end {
          best = max(best, h.norm2)
        } else {
          let e1 = h[0] * Double.cos(arc.start) + h[1] * Double.sin(arc.start)
          let e2 = h[0] * Double.cos(arc.end) + h[1] * Double.sin(arc.end)
          best = max(best, e1, e2)
        }
      }
    }
    return best
  }
}
