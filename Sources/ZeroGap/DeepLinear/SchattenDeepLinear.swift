import RealModule

/// Zhang et al. (2019): a deep linear network with Schatten-H regularisation (MATH.md §5), rows are samples:
///
///     min (1/2)‖X W_1⋯W_H − Y‖_F² + (γ/H)[ ‖X W_1‖_{S_H}^H + Σ_{i=2}^H ‖W_i‖_{S_H}^H ],   ‖A‖_{S_H}^H = Σσ_i(A)^H,
///
/// with widths d_1…d_{H−1} and r = min(d, d_1, …, d_{H−1}, k). With Ỹ = XX⁺Y (singular values s_i):
///
///     P = (1/2)‖Y − Ỹ‖² + Σ_{i≤r} h(s_i) + Σ_{i>r} s_i²/2,   h(s) = γs − γ²/2 (s > γ), s²/2 otherwise;
///     D = max_Λ −(1/2)‖Ỹ − Λ‖²_{(r)} + (1/2)‖Y‖²  s.t. ‖Λ‖₂ ≤ γ, col(Λ) ⊆ range(X),
///
/// where ‖A‖²_{(r)} is the sum of the r largest σ_i(A)². Strong duality is stated for H ≥ 2 and
/// 0 ≤ γ ≤ σ_min(Ỹ) (`gammaConditionHolds`); the closed forms give P = D beyond it too [D].
/// D is solved by Douglas–Rachford (`douglasRachford`), and the weights are recovered from
/// `svd_r(Ỹ − Λ*)` (`recoverWeights`).
public struct SchattenDeepLinear: Sendable {
  public let x: Matrix
  public let y: Matrix
  /// H ≥ 2.
  public let depth: Int
  /// d_1 … d_{H−1}.
  public let widths: [Int]
  /// γ ≥ 0.
  public let gamma: Double
  /// r = min(d_0, …, d_H).
  public let r: Int
  /// Ỹ = X X⁺ Y (n×k).
  public let projectedTargets: Matrix
  /// s(Ỹ), descending (min(n,k) values).
  public let projectedSingularValues: [Double]
  /// Orthonormal basis of range(X) (n × rank X).
  let rangeBasis: Matrix
  let pseudoInverse: Matrix

  /// - Throws: `.invalidDepth` (H < 2), `.invalidBeta` (γ < 0), `.invalidParameter` (widths), `.rowMismatch`, `.nonFinite`.
  public init(x: Matrix, y: Matrix, depth: Int, widths: [Int], gamma: Double) throws(DeepLinearError) {
    guard depth >= 2 else { throw .invalidDepth(depth, minimum: 2) }
    guard gamma >= 0, gamma.isFinite else { throw .invalidBeta(gamma) }
    guard widths.count == depth - 1, widths.allSatisfy({ $0 >= 1 }) else {
      throw .invalidParameter("depth \(depth) needs \(depth - 1) widths ≥ 1 (got \(widths))")
    }
    let data = try DeepLinearData(x: x, y: y)
    self.x = x
    self.y = y
    self.depth = depth
    self.widths = widths
    self.gamma = gamma
    r = ([x.columns, y.columns] + widths).min() ?? 1
    projectedTargets = data.projectedTargets
    do {
      let sx = try SVD(x)
      let tol = data.pseudoInverseTolerance * (sx.singularValues.first ?? 0)
      rangeBasis = sx.u.columns(0..<sx.singularValues.filter { $0 > tol }.count)
      pseudoInverse = try x.pseudoInverse(relativeTolerance: data.pseudoInverseTolerance)
      projectedSingularValues = try data.projectedTargets.singularValues()
    } catch {
      throw .linearAlgebra(error)
    }
  }

  /// σ_min(Ỹ) (the smallest of its min(n, k) singular values).
  public var smallestProjectedSingularValue: Double { projectedSingularValues.last ?? 0 }
  /// The stated sufficient condition for strong duality, `γ ≤ σ_min(Ỹ)`.
  public var gammaConditionHolds: Bool { gamma <= smallestProjectedSingularValue }

  /// The closed-form optimal value P.
  public var closedFormValue: Double {
    let res = y - projectedTargets
    var p = 0.5 * res.dot(res)
    for (i, s) in projectedSingularValues.enumerated() {
      if i < r { p += s > gamma ? gamma * s - gamma * gamma / 2 : s * s / 2 } else { p += s * s / 2 }
    }
    return p
  }

  /// `‖A‖²_{(r)}`, the sum of the r largest squared singular values.
  func topSquares(_ a: Matrix) throws(LinearAlgebraError) -> Double {
    try a.singularValues().prefix(r).reduce(0) { $0 + $1 * $1 }
  }

  /// The dual objective `−(1/2)‖Ỹ − Λ‖²_{(r)} + (1/2)‖Y‖²` (feasibility is not checked).
  public func dualObjective(_ lambda: Matrix) throws(DeepLinearError) -> Double {
    do { return -0.5 * (try topSquares(projectedTargets - lambda)) + 0.5 * y.dot(y) } catch { throw .linearAlgebra(error) }
  }

  /// Π_C(Z): project the columns onto range(X), then clip the singular values at γ.
  public func projectOntoDualSet(_ z: Matrix) throws(DeepLinearError) -> Matrix {
    let b = Matrix.product(rangeBasis, Matrix.product(rangeBasis, z, transA: .transpose))
    do { return try SVD(b).reconstruct { Swift.min($0, gamma) } } catch { throw .linearAlgebra(error) }
  }

  /// The vector prox of `(ρ/2)Σ_{top r} x_i²` at b ≥ 0 (MATH.md §5): `b/(1+ρ)` when at most r entries
  /// are positive, else `x_i = min(b_i, max(τ, b_i/(1+ρ)))` with τ > 0 solving `Σ clip((b_i−τ)/(ρτ), 0, 1) = r`.
  public static func kyFanProx(_ b: [Double], rho: Double, r: Int) -> [Double] {
    precondition(rho > 0 && r >= 0, "kyFanProx needs ρ > 0 and r ≥ 0")
    if b.filter({ $0 > 0 }).count <= r { return b.map { $0 / (1 + rho) } }
    func count(_ tau: Double) -> Double { b.reduce(0) { $0 + Swift.min(Swift.max(($1 - tau) / (rho * tau), 0), 1) } }
    // count is decreasing in τ: → ∞ as τ → 0⁺, and 0 at τ = max b.
    var lo = 0.0, hi = b.max() ?? 0
    for _ in 0..<200 {
      let mid = (lo + hi) / 2
      if mid <= lo || mid >= hi { break }
      if count(mid) > Double(r) { lo = mid } else { hi = mid }
    }
    let tau = (lo + hi) / 2
    return b.map { Swift.min($0, Swift.max(tau, $0 / (1 + rho))) }
  }

  /// prox_{ρf}(Z) = Ỹ + U diag(x) Vᵀ with Z − Ỹ = U diag(b) Vᵀ and x = `kyFanProx(b)`.
  public func proxF(_ z: Matrix, rho: Double) throws(DeepLinearError) -> Matrix {
    do {
      let svd = try SVD(z - projectedTargets)
      let x = Self.kyFanProx(svd.singularValues, rho: rho, r: r)
      var us = svd.u
      for j in 0..<x.count { for i in 0..<us.rows { us[i, j] *= x[j] } }
      return projectedTargets + Matrix.product(us, svd.vt)
    } catch {
      throw .linearAlgebra(error)
    }
  }

  public struct DualSolution: Sendable {
    /// Λ (n×k), feasible by construction (it is a projection onto C).
    public var lambda: Matrix
    /// D(Λ).
    public var value: Double
    public var iterations: Int
    /// (iteration, D(Λ_k)) every `traceEvery` iterations (empty when not requested).
    public var trace: [(iteration: Int, value: Double)] = []
  }

  /// Douglas–Rachford on min f + ι_C: `Λ_k = Π_C(Z_k)`, `Z_{k+1} = Z_k + prox_{ρf}(2Λ_k − Z_k) − Λ_k`, from Z₀ = 0.
  /// - Parameter traceEvery: record D(Λ_k) every this many iterations (0: no trace).
  public func douglasRachford(rho: Double = 1, iterations: Int = 3000, traceEvery: Int = 0) throws(DeepLinearError) -> DualSolution {
    guard rho > 0, rho.isFinite else { throw .invalidParameter("Douglas–Rachford needs ρ > 0 (got \(rho))") }
    guard iterations >= 1 else { throw .invalidParameter("Douglas–Rachford needs ≥ 1 iteration") }
    var z = Matrix(rows: y.rows, columns: y.columns)
    var lambda = try projectOntoDualSet(z)
    var trace: [(iteration: Int, value: Double)] = []
    for k in 0..<iterations {
      lambda = try projectOntoDualSet(z)
      if traceEvery > 0 && k % traceEvery == 0 { trace.append((k, try dualObjective(lambda))) }
      let p = try proxF(lambda * 2 - z, rho: rho)
      z.add(p)
      z.add(lambda, scaledBy: -1)
    }
    lambda = try projectOntoDualSet(z)
    let value = try dualObjective(lambda)
    if traceEvery > 0 { trace.append((iterations, value)) }
    return DualSolution(lambda: lambda, value: value, iterations: iterations, trace: trace)
  }

  /// Weights from a dual solution: `svd_r(Ỹ − Λ) = U S Vᵀ`, `W_1 = X⁺ U S^{1/H} [I_r 0]`,
  /// `W_i = [[S^{1/H}, 0], [0, 0]]` (1 < i < H), `W_H = [S^{1/H} Vᵀ; 0]`.
  public func recoverWeights(from lambda: Matrix) throws(DeepLinearError) -> [Matrix] {
    let svd: SVD
    do { svd = try SVD(projectedTargets - lambda) } catch { throw .linearAlgebra(error) }
    let k = Swift.min(r, svd.singularValues.count)
    let root = svd.singularValues.prefix(k).map { Double.pow(Swift.max($0, 0), 1 / Double(depth)) }
    var us = svd.u.columns(0..<k)
    for j in 0..<k { for i in 0..<us.rows { us[i, j] *= root[j] } }
    let first = Matrix.product(pseudoInverse, us)  // d×k
    var w1 = Matrix(rows: x.columns, columns: widths[0])
    for j in 0..<k { for i in 0..<x.columns { w1[i, j] = first[i, j] } }
    var out = [w1]
    for l in 1..<(depth - 1) {
      var w = Matrix(rows: widths[l - 1], columns: widths[l])
      for j in 0..<k { w[j, j] = root[j] }
      out.append(w)
    }
    var wh = Matrix(rows: widths[depth - 2], columns: y.columns)
    for i in 0..<k { for q in 0..<y.columns { wh[i, q] = root[i] * svd.vt[i, q] } }
    out.append(wh)
    return out
  }

  /// The primal objective at weights W_1…W_H.
  public func primalObjective(_ weights: [Matrix]) throws(DeepLinearError) -> Double {
    guard weights.count == depth else { throw .invalidParameter("expected \(depth) weight matrices, got \(weights.count)") }
    let net = DeepLinearNetwork(layers: weights)
    let res = net.predict(x) - y
    let h = Double(depth)
    do {
      var pen = try Matrix.product(x, weights[0]).singularValues().reduce(0) { $0 + Double.pow($1, h) }
      for w in weights.dropFirst() { pen += try w.singularValues().reduce(0) { $0 + Double.pow($1, h) } }
      return 0.5 * res.dot(res) + gamma / h * pen
    } catch {
      throw .linearAlgebra(error)
    }
  }
}
