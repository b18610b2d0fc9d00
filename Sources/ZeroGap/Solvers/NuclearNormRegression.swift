import RealModule

/// Nuclear-norm regularised least squares (MATH.md §2, the convex equivalent of the parallel net):
///
///     P(λ) = min_W (1/2)‖X W − Y‖_F² + λ‖W‖_*,      X n×d, Y n×k, W d×k,
///     D(λ) = max_Λ −(1/2)‖Λ − Y‖_F² + (1/2)‖Y‖_F²  s.t.  ‖XᵀΛ‖₂ ≤ λ,   Λ* = Y − XW*.
///
/// Closed form when XᵀX = I: `W* = Ũ diag((a_i − λ)_+) Ṽᵀ` with `XᵀY = Ũ diag(a) Ṽᵀ`. Otherwise
/// accelerated proximal gradient (FISTA, step 1/‖X‖₂², prox = singular-value soft thresholding,
/// restart when the objective increases), stopped when the certified gap P − D at the scaled
/// residual `Λ = s(Y − XW)`, `s = min(1, λ/‖Xᵀ(Y−XW)‖₂)`, is ≤ tolerance·max(1, P).
/// λ = 0 is plain least squares: `W = X⁺Y`, certificate `Λ = Y − XX⁺Y`.
public struct NuclearNormRegression: Sendable {
  /// The minimiser W (d×k).
  public var w: Matrix
  /// Primal value P at `w`.
  public var primal: Double
  /// Dual value D at `certificate` (D ≤ optimum ≤ P).
  public var dual: Double
  /// The feasible dual point Λ (n×k).
  public var certificate: Matrix
  /// Iterations used (0 for a closed form).
  public var iterations: Int
  public var stopReason: StopReason
  /// Whether the closed form for orthonormal columns was used.
  public var closedForm: Bool

  /// Certified gap P − D.
  public var gap: Double { primal - dual }

  /// Solves for one λ ≥ 0.
  /// - Parameters:
  ///   - tolerance: relative certified-gap target.
  ///   - start: warm start W₀ (d×k).
  /// - Throws: `.invalidBeta` for λ < 0 or non-finite; `.rowMismatch`; `.linearAlgebra`.
  public init(
    x: Matrix, y: Matrix, lambda: Double, tolerance: Double = 1e-12, maxIterations: Int = 100_000, start: Matrix? = nil
  ) throws(DeepLinearError) {
    guard lambda >= 0, lambda.isFinite else { throw .invalidBeta(lambda) }
    guard x.rows == y.rows else { throw .rowMismatch(xRows: x.rows, yRows: y.rows) }
    guard x.isFinite else { throw .nonFinite(what: "X") }
    guard y.isFinite else { throw .nonFinite(what: "Y") }
    // Data far from unit scale: solve the exactly rescaled problem (powers of two, no rounding) and map back.
    // With X = s_x X̃, Y = s_y Ỹ and W = (s_y/s_x) W̃ the objective is s_y²·[½‖X̃W̃ − Ỹ‖² + (λ/(s_x s_y))‖W̃‖_*].
    let (sx, sy) = (binaryScale(x.maxAbs), binaryScale(y.maxAbs))
    if sx.exponent.magnitude > 8 || sy.exponent.magnitude > 8 {
      let inner = try NuclearNormRegression(
        x: x * (1 / sx), y: y * (1 / sy), lambda: lambda / (sx * sy), tolerance: tolerance, maxIterations: maxIterations,
        start: start.map { $0 * (sx / sy) })
      self.init(
        w: inner.w * (sy / sx), primal: inner.primal * sy * sy, dual: inner.dual * sy * sy, certificate: inner.certificate * sy,
        iterations: inner.iterations, stopReason: inner.stopReason, closedForm: inner.closedForm)
      return
    }
    do {
      if lambda == 0 {
        let ls = try LeastSquares(x, y)
        let res = y - Matrix.product(x, ls.solution)
        let p = 0.5 * res.frobeniusNorm * res.frobeniusNorm
        self.init(w: ls.solution, primal: p, dual: NuclearNormRegression.dualValue(res, y), certificate: res,
                  iterations: 0, stopReason: .converged, closedForm: true)
        return
      }
      let gram = x.gram(.transpose)
      if (gram - Matrix.identity(x.columns)).maxAbs <= 1e-12 {
        let a = Matrix.product(x, y, transA: .transpose)
        let w = try a.singularValueThreshold(lambda)
        let (p, d, cert) = try NuclearNormRegression.evaluate(x: x, y: y, w: w, lambda: lambda)
        self.init(w: w, primal: p, dual: d, certificate: cert, iterations: 0, stopReason: .converged, closedForm: true)
        return
      }
      let xty = Matrix.product(x, y, transA: .transpose)
      if try xty.spectralNorm() <= lambda {
        // 0 ∈ ∂ at W = 0 (‖XᵀY‖₂ ≤ λ; X = 0 included): W* = 0, Λ = Y is dual feasible, P = D = ½‖Y‖².
        let half = 0.5 * y.dot(y)
        self.init(w: Matrix(rows: x.columns, columns: y.columns), primal: half, dual: half, certificate: y,
                  iterations: 0, stopReason: .converged, closedForm: true)
        return
      }
      let lip = try x.spectralNorm()
      let eta = 1 / (lip * lip)
      guard eta.isFinite, eta > 0, gram.isFinite, xty.isFinite else {
        throw DeepLinearError.invalidParameter("‖X‖₂ = \(lip) is outside what double precision can square; rescale X (and β with it)")
      }
      // The least-squares minimum ½‖R‖² is a floor for every λ (the penalty is ≥ 0): a valid bound where the
      // scaled residual certificate is swamped by rounding (‖X‖‖Y‖ ≫ λ). ‖R‖ is lowered by a bound on its rounding
      // error, (n + d)·ε·(‖Y‖ + ‖X‖‖W_ls‖), so that the floor stays below the exact minimum.
      let ls = try LeastSquares(x, y)
      let lsResidual = y - Matrix.product(x, ls.solution)
      let roundingR = Double(x.rows + x.columns) * Double.ulpOfOne * (y.frobeniusNorm + lip * ls.solution.frobeniusNorm)
      let lsFloor = 0.5 * Double.pow(Swift.max(0, lsResidual.frobeniusNorm - roundingR), 2)
      let roundingFloor = 16 * Double(x.rows + x.columns) * Double.ulpOfOne * 0.5 * y.dot(y)
      // From the least-squares solution unless warm-started: the optimum for λ → 0, and a point FISTA leaves
      // quickly otherwise.
      var w = start ?? ls.solution
      var wPrev = w
      var z = w
      var tk = 1.0
      var fPrev = Double.infinity
      var best = (p: Double.infinity, d: lsFloor, w: w, cert: lsResidual)
      var reason = StopReason.maxIterations
      var it = 0
      var bestGap = (value: Double.infinity, iteration: 0)
      var grad = Matrix(rows: x.columns, columns: y.columns)
      while it < maxIterations {
        it += 1
        // ∇ at z: XᵀX z − XᵀY
        grad.gemm(gram, z)
        grad.add(xty, scaledBy: -1)
        var v = z
        v.add(grad, scaledBy: -eta)
        wPrev = w
        w = try v.singularValueThreshold(eta * lambda)
        let res = Matrix.product(x, w) - y
        let f = 0.5 * res.dot(res) + lambda * (try w.nuclearNorm())
        if f > fPrev {
          // adaptive restart (O'Donoghue–Candès): drop momentum
          tk = 1
          z = w
        } else {
          let tNext = (1 + (1 + 4 * tk * tk).squareRoot()) / 2
          z = w
          var dw = w
          dw.add(wPrev, scaledBy: -1)
          z.add(dw, scaledBy: (tk - 1) / tNext)
          tk = tNext
        }
        fPrev = f
        if it % 10 == 0 || it == 1 {
          let (p, d, cert) = try NuclearNormRegression.evaluate(x: x, y: y, w: w, lambda: lambda)
          if p < best.p { best.p = p; best.w = w }
          if d > best.d { best.d = d; best.cert = cert }
          let gap = best.p - best.d
          // Relative to the objective, down to what the dual value's rounding allows (≈ (n + d)·ε·½‖Y‖²).
          if gap <= Swift.max(tolerance * abs(best.p), roundingFloor) {
            reason = .converged
            break
          }
          // No 0.1 % gain on the certified gap in 2000 iterations: rounding limits it.
          if gap < 0.999 * bestGap.value { bestGap = (gap, it) } else if it - bestGap.iteration >= 2000 {
            reason = .stalled
            break
          }
        }
      }
      // A convex problem: a dual value above the attained primal is rounding.
      self.init(w: best.w, primal: best.p, dual: Swift.min(best.d, best.p), certificate: best.cert, iterations: it, stopReason: reason,
                closedForm: false)
    } catch {
      throw .from(error)
    }
  }

  private init(w: Matrix, primal: Double, dual: Double, certificate: Matrix, iterations: Int, stopReason: StopReason, closedForm: Bool) {
    self.w = w
    self.primal = primal
    self.dual = dual
    self.certificate = certificate
    self.iterations = iterations
    self.stopReason = stopReason
    self.closedForm = closedForm
  }

  /// `−(1/2)‖Λ − Y‖² + (1/2)‖Y‖²`.
  static func dualValue(_ lambdaMatrix: Matrix, _ y: Matrix) -> Double {
    let diff = lambdaMatrix - y
    return -0.5 * diff.dot(diff) + 0.5 * y.dot(y)
  }

  /// Primal value at W, and the dual value at the scaled residual certificate.
  public static func evaluate(x: Matrix, y: Matrix, w: Matrix, lambda: Double) throws(LinearAlgebraError)
    -> (primal: Double, dual: Double, certificate: Matrix)
  {
    let res = y - Matrix.product(x, w)
    let p = 0.5 * res.dot(res) + lambda * (try w.nuclearNorm())
    let c = try Matrix.product(x, res, transA: .transpose).spectralNorm()
    let s = c > lambda ? lambda / c : 1
    let cert = res * s
    return (p, dualValue(cert, y), cert)
  }
}

/// 2^e with e the binary exponent of v (1 for 0 or non-finite v): an exact scale for v.
func binaryScale(_ v: Double) -> Double {
  guard v.isFinite, v > 0 else { return 1 }
  return Double(sign: .plus, exponent: Swift.min(Swift.max(v.exponent, -1000), 1000), significand: 1)
}
