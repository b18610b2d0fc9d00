import RealModule

/// The regularised squared loss of a standard deep linear network (MATH.md §1.5):
///
///     P_reg = min_{W_l} (1/2)‖X W_1⋯W_L − Y‖_F² + (β/2) Σ_l ‖W_l‖_F²
///           = min_W (1/2)‖XW − Y‖_F² + (βL/2) Σ_i σ_i(W)^{2/L}          (by §1.1)
///     D_reg = min_W (1/2)‖XW − Y‖_F² + (βL/2) ‖W‖_*^{2/L}  ≤ P_reg        (t-device dual bound)
///
/// * P_reg in closed form when XᵀX = I (`W* = Ũ diag(s*(a_i)) Ṽᵀ`, A = XᵀY) or XXᵀ = I
///   (`W* = XᵀZ*`, Z* the X = I solution with A = Y); otherwise proximal gradient on W with the
///   exact (nonconvex) prox `σ ↦ s*(σ)` of `DeepLinearShrinkage`, best of two starts (0 and X⁺Y) —
///   the best value found, certified from below by D_reg.
/// * D_reg: for L ≤ 2 the problem is convex and D_reg = P_reg. For L ≥ 3, every minimiser of D_reg is
///   a nuclear-norm regression solution `W_λ` for some λ (MATH.md §2), so D_reg = min_λ H(λ) with
///   `H(λ) = (1/2)‖XW_λ − Y‖² + (βL/2)‖W_λ‖_*^{2/L}`; λ is found by a geometric grid on (0, ‖XᵀY‖₂]
///   and golden-section refinement in log λ. With XᵀX = I this is MATH.md's 1-D search over μ,
///   `s_i = (a_i − μ)_+`.
public struct StandardDeepLinearRegularized: Sendable {
  public let data: DeepLinearData
  public let depth: Int
  public let beta: Double

  /// - Throws: `.invalidDepth` (L < 1), `.invalidBeta` (β < 0 or not finite).
  public init(data: DeepLinearData, depth: Int, beta: Double) throws(DeepLinearError) {
    guard depth >= 1 else { throw .invalidDepth(depth, minimum: 1) }
    guard beta >= 0, beta.isFinite else { throw .invalidBeta(beta) }
    self.data = data
    self.depth = depth
    self.beta = beta
  }

  /// The end-to-end optimum W* and its value.
  public struct Solution: Sendable {
    /// W (d×k).
    public var w: Matrix
    /// σ(W), descending.
    public var singularValues: [Double]
    /// Objective value.
    public var value: Double
    /// Whether a closed form was used (else: best value found by proximal gradient / 1-D search).
    public var closedForm: Bool
    /// Iterations (proximal-gradient steps, or H(λ) evaluations for the dual).
    public var iterations: Int
    /// Number of singular values of W above `max(d,k)·ε·σ₁`.
    public var rank: Int {
      let tol = Double(Swift.max(w.rows, w.columns)) * Double.ulpOfOne * (singularValues.first ?? 0)
      return singularValues.filter { $0 > tol }.count
    }
  }

  /// `(βL/2) Σσ_i^{2/L}` for the given singular values (zeroing those at or below the rank tolerance).
  public static func penalty(singularValues s: [Double], beta: Double, depth L: Int, rows: Int, columns: Int) -> Double {
    let tol = Double(Swift.max(rows, columns)) * Double.ulpOfOne * (s.first ?? 0)
    let p = 2 / Double(L)
    return beta * Double(L) / 2 * s.reduce(0) { $0 + ($1 > tol ? Double.pow($1, p) : 0) }
  }

  /// The end-to-end objective `(1/2)‖XW − Y‖² + (βL/2)Σσ_i(W)^{2/L}` at W (d×k).
  public func objective(_ w: Matrix) throws(DeepLinearError) -> Double {
    let res = Matrix.product(data.x, w) - data.y
    let s: [Double]
    do { s = try w.singularValues() } catch { throw .linearAlgebra(error) }
    return 0.5 * res.dot(res) + Self.penalty(singularValues: s, beta: beta, depth: depth, rows: w.rows, columns: w.columns)
  }

  /// P_reg: closed form when X has orthonormal columns or rows, else proximal gradient.
  public func primal(maxIterations: Int = 200_000) throws(DeepLinearError) -> Solution {
    if let (scaled, wScale, valueScale) = try normalized() {
      return Self.mapBack(try scaled.primal(maxIterations: maxIterations), wScale: wScale, valueScale: valueScale)
    }
    let L = depth, b = beta
    do {
      if b == 0 {
        // No penalty: any W with XW = XX⁺Y is optimal; report the min-norm one, M = X⁺Y.
        let res = Matrix.product(data.x, data.m) - data.y
        return Solution(w: data.m, singularValues: data.svd.singularValues, value: 0.5 * res.dot(res), closedForm: true, iterations: 0)
      }
      if data.hasOrthonormalColumns() {
        let a = Matrix.product(data.x, data.y, transA: .transpose)
        let svd = try SVD(a)
        let s = svd.singularValues.map { DeepLinearShrinkage.shrink($0, beta: b, depth: L) }
        let w = svd.reconstruct { DeepLinearShrinkage.shrink($0, beta: b, depth: L) }
        let phis = zip(svd.singularValues, s).reduce(0) { $0 + DeepLinearShrinkage.phi($1.1, a: $1.0, beta: b, depth: L) }
        let value = 0.5 * (data.y.dot(data.y) - a.dot(a)) + phis
        return Solution(w: w, singularValues: s, value: value, closedForm: true, iterations: 0)
      }
      if data.hasOrthonormalRows() {
        let svd = try SVD(data.y)
        let s = svd.singularValues.map { DeepLinearShrinkage.shrink($0, beta: b, depth: L) }
        let z = svd.reconstruct { DeepLinearShrinkage.shrink($0, beta: b, depth: L) }
        let w = Matrix.product(data.x, z, transA: .transpose)
        let value = zip(svd.singularValues, s).reduce(0) { $0 + DeepLinearShrinkage.phi($1.1, a: $1.0, beta: b, depth: L) }
        return Solution(w: w, singularValues: s, value: value, closedForm: true, iterations: 0)
      }
      var best: Solution?
      for start in [Matrix(rows: data.x.columns, columns: data.y.columns), data.m] {
        let sol = try proximalGradient(from: start, maxIterations: maxIterations)
        if best == nil || sol.value < (best?.value ?? .infinity) { best = sol }
      }
      guard let best else { throw DeepLinearError.invalidParameter("proximal gradient produced no iterate") }
      return best
    } catch {
      throw .from(error)
    }
  }

  /// Proximal gradient on W from `start`: `W ← prox_{η·pen}(W − η Xᵀ(XW − Y))`, η = 1/‖X‖₂², with the
  /// exact prox σ ↦ s*(σ; ηβ, L). The objective never increases (descent lemma with an exact prox).
  public func proximalGradient(from start: Matrix, maxIterations: Int = 200_000) throws(DeepLinearError) -> Solution {
    let L = depth
    do {
      let lip = try data.x.spectralNorm()
      guard lip > 0 else {
        let w = Matrix(rows: data.x.columns, columns: data.y.columns)
        return Solution(w: w, singularValues: [], value: 0.5 * data.y.dot(data.y), closedForm: true, iterations: 0)
      }
      let eta = 1 / (lip * lip)
      let gram = data.x.gram(.transpose)
      let xty = Matrix.product(data.x, data.y, transA: .transpose)
      var w = start
      var f = try objective(w)
      var s = try w.singularValues()
      var grad = Matrix(rows: w.rows, columns: w.columns)
      var it = 0
      while it < maxIterations {
        it += 1
        grad.gemm(gram, w)
        grad.add(xty, scaledBy: -1)
        var v = w
        v.add(grad, scaledBy: -eta)
        let svd = try SVD(v)
        let shr = { (x: Double) in DeepLinearShrinkage.shrink(x, beta: eta * self.beta, depth: L) }
        let next = svd.reconstruct(shr)
        let fNext = try objective(next)
        if !(fNext <= f) { break }  // no further decrease (or NaN): keep the current iterate
        let change = (next - w).frobeniusNorm
        w = next
        f = fNext
        s = svd.singularValues.map(shr)
        if change <= 1e-14 * Swift.max(1, w.frobeniusNorm) { break }
      }
      return Solution(w: w, singularValues: s.sorted(by: >), value: f, closedForm: false, iterations: it)
    } catch {
      throw .from(error)
    }
  }

  /// `H(λ)` and the nuclear-norm regression solution W_λ (warm-started from `start`).
  private func h(_ lambda: Double, start: Matrix?) throws(DeepLinearError) -> (value: Double, w: Matrix) {
    let sol = try NuclearNormRegression(x: data.x, y: data.y, lambda: lambda, tolerance: 1e-12, maxIterations: 20_000, start: start)
    let res = Matrix.product(data.x, sol.w) - data.y
    let nuc: Double
    do { nuc = try sol.w.nuclearNorm() } catch { throw .linearAlgebra(error) }
    let pen = nuc > 0 ? beta * Double(depth) / 2 * Double.pow(nuc, 2 / Double(depth)) : 0
    return (0.5 * res.dot(res) + pen, sol.w)
  }

  /// D_reg, the t-device dual bound (≤ P_reg).
  public func dual() throws(DeepLinearError) -> Solution {
    if let (scaled, wScale, valueScale) = try normalized() {
      return Self.mapBack(try scaled.dual(), wScale: wScale, valueScale: valueScale)
    }
    if depth <= 2 || beta == 0 {
      // Convex (or β = 0): D_reg = P_reg.
      if depth == 2 || beta == 0 {
        let sol = try NuclearNormRegression(x: data.x, y: data.y, lambda: beta, tolerance: 1e-12)
        let s: [Double]
        do { s = try sol.w.singularValues() } catch { throw .linearAlgebra(error) }
        return Solution(w: sol.w, singularValues: s, value: sol.dual, closedForm: sol.closedForm, iterations: sol.iterations)
      }
      return try primal()
    }
    let lambdaMax: Double
    do { lambdaMax = try Matrix.product(data.x, data.y, transA: .transpose).spectralNorm() } catch { throw .linearAlgebra(error) }
    let zeroValue = 0.5 * data.y.dot(data.y)
    guard lambdaMax > 0 else {
      return Solution(w: Matrix(rows: data.x.columns, columns: data.y.columns), singularValues: [], value: zeroValue,
                      closedForm: true, iterations: 0)
    }
    // The minimiser's λ* = β‖W*‖_*^{2/L−1} (stationarity of H), and ‖W_λ‖_* ≤ ‖X⁺Y‖_* for every λ, so
    // λ* ≥ β‖X⁺Y‖_*^{2/L−1}: the grid reaches that far down (half of it, for safety), whatever the data's scale.
    let nuclear = data.singularValues.reduce(0, +)
    let floor = nuclear > 0 ? 0.5 * beta * Double.pow(nuclear, 2 / Double(depth) - 1) : lambdaMax * 1e-6
    let lambdaMin = Swift.min(lambdaMax * 1e-6, floor)
    guard lambdaMin.isFinite, lambdaMin > 0 else {
      throw .invalidParameter("the data's scale (‖XᵀY‖₂ = \(lambdaMax)) is outside what the dual search can handle; rescale X and Y")
    }
    let logMax = Double.log(lambdaMax), logMin = Double.log(lambdaMin)
    let grid = Swift.max(48, Int((8 * (logMax - logMin) / Double.log(10.0)).rounded(.up)))
    var values: [Double] = []
    var ws: [Matrix] = []
    var warm: Matrix? = nil
    var evaluations = 0
    for i in 0...grid {
      let lam = Double.exp(logMax - (logMax - logMin) * Double(i) / Double(grid))
      let (v, w) = try h(lam, start: warm)
      evaluations += 1
      warm = w
      values.append(v)
      ws.append(w)
    }
    var bestIndex = 0
    for i in values.indices where values[i] < values[bestIndex] { bestIndex = i }
    var bestValue = Swift.min(values[bestIndex], zeroValue)
    var bestW = values[bestIndex] <= zeroValue ? ws[bestIndex] : Matrix(rows: data.x.columns, columns: data.y.columns)
    // Golden section on log λ over the neighbouring grid cells.
    func logLambda(_ i: Int) -> Double { logMax - (logMax - logMin) * Double(i) / Double(grid) }
    var lo = logLambda(Swift.min(bestIndex + 1, grid)), hi = logLambda(Swift.max(bestIndex - 1, 0))
    let ratio = (5.0.squareRoot() - 1) / 2
    var c = hi - ratio * (hi - lo), d = lo + ratio * (hi - lo)
    var fc = try h(Double.exp(c), start: ws[bestIndex])
    var fd = try h(Double.exp(d), start: ws[bestIndex])
    evaluations += 2
    for _ in 0..<60 where hi - lo > 1e-7 {
      if fc.value < fd.value {
        hi = d; d = c; fd = fc
        c = hi - ratio * (hi - lo)
        fc = try h(Double.exp(c), start: fd.w)
      } else {
        lo = c; c = d; fc = fd
        d = lo + ratio * (hi - lo)
        fd = try h(Double.exp(d), start: fc.w)
      }
      evaluations += 1
    }
    for cand in [fc, fd] where cand.value < bestValue {
      bestValue = cand.value
      bestW = cand.w
    }
    let s: [Double]
    do { s = try bestW.singularValues() } catch { throw .linearAlgebra(error) }
    return Solution(w: bestW, singularValues: s, value: bestValue, closedForm: false, iterations: evaluations)
  }

  /// For data far from unit scale (binary exponents beyond ±8), the exactly rescaled problem: X = s_x X̃,
  /// Y = s_y Ỹ (powers of two), W = (s_y/s_x) W̃, and the objective is s_y²·[½‖X̃W̃ − Ỹ‖² + β̃(L/2)Σσ(W̃)^{2/L}]
  /// with β̃ = β·s_x^{−2/L}·s_y^{2/L−2}. Returns it with the scales of W and of the value; nil at unit scale.
  private func normalized() throws(DeepLinearError) -> (StandardDeepLinearRegularized, Double, Double)? {
    let sx = binaryScale(data.x.maxAbs), sy = binaryScale(data.y.maxAbs)
    guard sx.exponent.magnitude > 8 || sy.exponent.magnitude > 8 else { return nil }
    let L = Double(depth)
    let betaScaled = beta * Double.pow(2, (-2 * Double(sx.exponent) + (2 - 2 * L) * Double(sy.exponent)) / L)
    guard betaScaled.isFinite else { throw .invalidParameter("β = \(beta) rescaled to the data's scale leaves double precision; rescale X and Y") }
    let scaledData = try DeepLinearData(x: data.x * (1 / sx), y: data.y * (1 / sy), relativeTolerance: data.pseudoInverseTolerance)
    return (try StandardDeepLinearRegularized(data: scaledData, depth: depth, beta: betaScaled), sy / sx, sy * sy)
  }

  private static func mapBack(_ s: Solution, wScale: Double, valueScale: Double) -> Solution {
    var out = s
    out.w = s.w * wScale
    out.singularValues = s.singularValues.map { $0 * wScale }
    out.value = s.value * valueScale
    return out
  }

  /// Optimal layer weights: the balanced factorisation (§1.1) of the primal W*.
  public func optimalWeights(of solution: Solution, widths: [Int]? = nil) throws(DeepLinearError) -> [Matrix] {
    let svd: SVD
    do { svd = try SVD(solution.w) } catch { throw .linearAlgebra(error) }
    return try BalancedFactorization.factors(of: svd, rank: solution.rank, depth: depth, widths: widths)
  }
}
