import RealModule

/// Limited-memory BFGS with a backtracking (Armijo) line search, for polishing a nonconvex
/// objective to high accuracy (Nocedal & Wright, Algorithm 7.4/7.5, two-loop recursion).
///
/// Monotone: every accepted step decreases f, so a run never ends above its start and never
/// "diverges". A trial point where f or ∇f is not finite (e.g. a min-norm layer where a factor is
/// singular) is treated as a failed trial and the step is halved. Robust to the scale of the
/// objective: no learning rate to tune (the first step has length ≤ 1 in θ, later steps use the
/// curvature estimate `sᵀy/yᵀy`).
///
/// Stops with `.converged` when `‖∇f‖₂ ≤ gradientTolerance·max(1, |f|)`, or at the round-off floor of a
/// double-precision objective: f no longer decreases measurably (by more than `stallWindow`·4 ulps of f
/// over `stallWindow` accepted steps, or no step along the quasi-Newton direction nor along −∇f
/// decreases it) while `‖∇f‖₂ ≤ stallGradientTolerance·max(1, |f|)`. Otherwise (budget exhausted, or
/// stalled with a larger gradient) it stops with `.maxIterations`.
public struct LBFGS: Sendable {
  /// Number of stored correction pairs (s, y).
  public var memory: Int
  /// Maximum number of iterations (accepted steps).
  public var iterations: Int
  /// Relative gradient tolerance: stop when `‖∇f‖₂ ≤ gradientTolerance·max(1, |f|)`.
  public var gradientTolerance: Double
  /// Relative gradient level accepted as converged once f has stopped decreasing (round-off floor).
  public var stallGradientTolerance: Double
  /// Number of accepted steps over which "no measurable decrease" is judged.
  public var stallWindow: Int
  /// Maximum number of step halvings per line search.
  public var maxBacktracks: Int

  public init(memory: Int = 10, iterations: Int = 5000, gradientTolerance: Double = 1e-10,
              stallGradientTolerance: Double = 1e-6, stallWindow: Int = 20, maxBacktracks: Int = 60) {
    precondition(memory >= 1 && iterations >= 0 && maxBacktracks >= 1 && stallWindow >= 1,
                 "LBFGS needs memory ≥ 1, iterations ≥ 0, stallWindow ≥ 1, maxBacktracks ≥ 1")
    self.memory = memory
    self.iterations = iterations
    self.gradientTolerance = gradientTolerance
    self.stallGradientTolerance = stallGradientTolerance
    self.stallWindow = stallWindow
    self.maxBacktracks = maxBacktracks
  }

  /// One run from θ₀. The returned run's `parameters`/`objective` are the last (= best) iterate.
  /// If f(θ₀) or ∇f(θ₀) is not finite the run stops at once with `.diverged`.
  public func run(_ objective: some DifferentiableObjective, from theta0: [Double]) -> NonconvexTrainer<GradientDescent>.Run {
    let n = objective.parameterCount
    precondition(theta0.count == n, "start has \(theta0.count) parameters, objective needs \(n)")
    var x = theta0
    var g = [Double](repeating: 0, count: n)
    var f = objective.valueAndGradient(x, gradient: &g)
    guard f.isFinite, g.allSatisfy({ $0.isFinite }) else {
      return .init(parameters: x, objective: f.isFinite ? f : .infinity, iterations: 0, stopReason: .diverged, history: [])
    }
    // Ring buffer of correction pairs, preallocated (no allocation per iteration).
    var sList = [[Double]](repeating: [Double](repeating: 0, count: n), count: memory)
    var yList = sList
    var rho = [Double](repeating: 0, count: memory)
    var alpha = [Double](repeating: 0, count: memory)
    var stored = 0, newest = -1
    var d = [Double](repeating: 0, count: n)
    var xNew = x
    var gNew = g
    var reason = StopReason.maxIterations
    var done = 0
    var steepestOnly = false
    var stalled = false
    var windowStart = f
    iterationLoop: while done < iterations {
      let gNorm = g.norm2
      if gNorm <= gradientTolerance * Swift.max(1, Swift.abs(f)) {
        reason = .converged
        break
      }
      // Direction d = −H g by the two-loop recursion (or −g scaled on a reset).
      for i in 0..<n { d[i] = g[i] }
      var gamma = Swift.min(1, 1 / gNorm)
      if stored > 0 && !steepestOnly {
        var idx = newest
        for _ in 0..<stored {
          alpha[idx] = rho[idx] * sList[idx].dot(d)
          d.axpy(-alpha[idx], yList[idx])
          idx = (idx - 1 + memory) % memory
        }
        gamma = sList[newest].dot(yList[newest]) / yList[newest].dot(yList[newest])
        d.scal(gamma)
        idx = (newest - stored + 1 + memory) % memory
        for _ in 0..<stored {
          let beta = rho[idx] * yList[idx].dot(d)
          d.axpy(alpha[idx] - beta, sList[idx])
          idx = (idx + 1) % memory
        }
      } else {
        d.scal(gamma)
      }
      d.scal(-1)
      var dg = d.dot(g)
      if !(dg < 0) || !dg.isFinite {
        for i in 0..<n { d[i] = -gamma * g[i] }
        dg = d.dot(g)
        stored = 0
      }
      // Backtracking line search (Armijo, c = 1e-4), halving on failure or non-finite trial values.
      var t = 1.0
      var accepted = false
      var fNew = f
      for _ in 0..<maxBacktracks {
        for i in 0..<n { xNew[i] = x[i] + t * d[i] }
        fNew = objective.valueAndGradient(xNew, gradient: &gNew)
        if fNew.isFinite && fNew <= f + 1e-4 * t * dg && gNew.allSatisfy({ $0.isFinite }) {
          accepted = true
          break
        }
        t *= 0.5
      }
      guard accepted else {
        // Retry once along the scaled steepest-descent direction with fresh memory, else stop.
        if steepestOnly || stored == 0 {
          stalled = true
          break iterationLoop
        }
        steepestOnly = true
        stored = 0
        continue iterationLoop
      }
      steepestOnly = false
      // s = xNew − x, y = gNew − g; keep the pair if the curvature condition holds.
      var sy = 0.0, ss = 0.0, yy = 0.0
      for i in 0..<n {
        let si = xNew[i] - x[i], yi = gNew[i] - g[i]
        sy += si * yi
        ss += si * si
        yy += yi * yi
      }
      if sy > 1e-12 * (ss * yy).squareRoot() {
        let slot = (newest + 1) % memory
        for i in 0..<n {
          sList[slot][i] = xNew[i] - x[i]
          yList[slot][i] = gNew[i] - g[i]
        }
        rho[slot] = 1 / sy
        newest = slot
        stored = Swift.min(stored + 1, memory)
      }
      swap(&x, &xNew)
      swap(&g, &gNew)
      f = fNew
      done += 1
      if done % stallWindow == 0 {
        if windowStart - f <= Double(4 * stallWindow) * f.ulp.magnitude { stalled = true; break }
        windowStart = f
      }
    }
    let floor = Swift.max(1, Swift.abs(f))
    if reason != .converged {
      let gNorm = g.norm2
      if gNorm <= gradientTolerance * floor || (stalled && gNorm <= stallGradientTolerance * floor) { reason = .converged }
    }
    return .init(parameters: x, objective: f, iterations: done, stopReason: reason, history: [])
  }
}
