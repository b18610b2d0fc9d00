/// Why an iterative method stopped.
public enum StopReason: String, Sendable, Codable {
  /// The stopping tolerance was met (gradient norm, certified gap, …).
  case converged
  /// The iteration budget ran out first.
  case maxIterations
  /// The objective became NaN/∞ or grew without bound (step too large).
  case diverged
  /// No step could make further progress although the tolerance was not met (e.g. rounding in a convex solver).
  case stalled
  /// The memory budget stopped the solve before the tolerance was met (e.g. column generation's atom set).
  case memoryLimit
}

/// Multi-start training of a nonconvex objective with any `Optimizer`.
///
/// The independent check of every convex/closed-form optimum: train the actual network from
/// several seeded starts and keep the best value (it must never fall below a certified bound).
public struct NonconvexTrainer<O: Optimizer>: Sendable {
  /// The update rule (GD, Adam, …).
  public var optimizer: O
  /// Iterations per restart.
  public var iterations: Int
  /// Number of random restarts (≥ 1).
  public var restarts: Int
  /// Stop a restart early when ‖∇f‖₂ ≤ this.
  public var gradientTolerance: Double
  /// Record the objective every this many iterations (0 = never).
  public var historyStride: Int

  public init(optimizer: O, iterations: Int = 5000, restarts: Int = 5, gradientTolerance: Double = 1e-12, historyStride: Int = 0) {
    precondition(iterations >= 0 && restarts >= 1, "NonconvexTrainer needs iterations ≥ 0 and restarts ≥ 1")
    self.optimizer = optimizer
    self.iterations = iterations
    self.restarts = restarts
    self.gradientTolerance = gradientTolerance
    self.historyStride = historyStride
  }

  /// The outcome of one restart.
  public struct Run: Sendable {
    /// Final parameters θ.
    public var parameters: [Double]
    /// Best objective value reached on this run (its parameters are `parameters`).
    public var objective: Double
    public var iterations: Int
    public var stopReason: StopReason
    /// (iteration, objective) samples every `historyStride` iterations.
    public var history: [(iteration: Int, objective: Double)]
  }

  /// The outcome of all restarts.
  public struct Result: Sendable {
    /// All runs, in start order.
    public var runs: [Run]
    /// The run with the lowest objective among those that did not diverge (nil if all diverged).
    public var best: Run? {
      runs.filter { $0.stopReason != .diverged }.min { $0.objective < $1.objective }
    }
  }

  /// Trains from `restarts` starts drawn from `generator`, or from `start` for the first run if given.
  public func train(
    _ objective: some DifferentiableObjective, start: [Double]? = nil, using generator: inout SeededGenerator
  ) -> Result {
    var runs: [Run] = []
    for r in 0..<restarts {
      let theta0 = (r == 0 ? start : nil) ?? objective.initialParameters(using: &generator)
      runs.append(run(objective, from: theta0))
    }
    return Result(runs: runs)
  }

  /// One run from θ₀. Keeps the best iterate seen (the objective need not decrease monotonically).
  public func run(_ objective: some DifferentiableObjective, from theta0: [Double]) -> Run {
    precondition(theta0.count == objective.parameterCount, "start has \(theta0.count) parameters, objective needs \(objective.parameterCount)")
    var theta = theta0
    var gradient = [Double](repeating: 0, count: theta.count)
    var state = optimizer.initialState(count: theta.count)
    var best = theta
    var bestValue = Double.infinity
    var history: [(iteration: Int, objective: Double)] = []
    var reason = StopReason.maxIterations
    var done = 0
    for k in 0...iterations {
      let f = objective.valueAndGradient(theta, gradient: &gradient)
      if !f.isFinite || !gradient.allSatisfy({ $0.isFinite }) {
        reason = .diverged
        break
      }
      if f < bestValue {
        bestValue = f
        best = theta
      }
      if historyStride > 0 && k % historyStride == 0 { history.append((k, f)) }
      done = k
      if gradient.norm2 <= gradientTolerance {
        reason = .converged
        break
      }
      if k == iterations { break }
      optimizer.step(&theta, gradient: gradient, state: &state)
    }
    return Run(parameters: best, objective: bestValue, iterations: done, stopReason: reason, history: history)
  }
}
