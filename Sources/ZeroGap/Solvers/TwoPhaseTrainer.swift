/// Multi-start training in two phases per restart: Adam from a seeded start (robust far from a
/// minimum: its steps are bounded by the learning rate), then plain gradient descent from Adam's best
/// iterate (linear convergence near a minimum, to the gradient tolerance). If the GD polish diverges,
/// it is retried with the step divided by 4 (up to `polishRetries` times), and Adam's iterate is kept
/// if every polish fails. Works for any `DifferentiableObjective` (deep linear, parallel, ReLU).
public struct TwoPhaseTrainer: Sendable {
  public var adam: NonconvexTrainer<Adam>
  public var polish: NonconvexTrainer<GradientDescent>
  public var restarts: Int
  public var polishRetries: Int

  public init(adamLearningRate: Double = 1e-2, adamIterations: Int = 3000, gdLearningRate: Double = 1e-2,
              gdIterations: Int = 20000, restarts: Int = 4, gradientTolerance: Double = 1e-11, polishRetries: Int = 3) {
    precondition(restarts >= 1, "restarts must be ≥ 1")
    adam = NonconvexTrainer(optimizer: Adam(learningRate: adamLearningRate), iterations: adamIterations, restarts: 1,
                            gradientTolerance: gradientTolerance)
    polish = NonconvexTrainer(optimizer: GradientDescent(learningRate: gdLearningRate), iterations: gdIterations,
                              restarts: 1, gradientTolerance: gradientTolerance)
    self.restarts = restarts
    self.polishRetries = polishRetries
  }

  /// One restart from θ₀: Adam, then the GD polish.
  public func run(_ objective: some DifferentiableObjective, from theta0: [Double]) -> NonconvexTrainer<GradientDescent>.Run {
    let a = adam.run(objective, from: theta0)
    var fallback = NonconvexTrainer<GradientDescent>.Run(
      parameters: a.parameters, objective: a.objective, iterations: a.iterations, stopReason: a.stopReason, history: [])
    guard a.objective.isFinite else { return fallback }
    var gd = polish
    for _ in 0...polishRetries {
      var p = gd.run(objective, from: a.parameters)
      p.iterations += a.iterations
      if p.stopReason != .diverged { return p }
      if p.objective < fallback.objective { fallback = p; fallback.stopReason = .maxIterations }
      gd.optimizer.learningRate /= 4
    }
    return fallback
  }

  /// `restarts` runs from starts drawn from `generator`; `best` is the lowest finite objective.
  public func train(_ objective: some DifferentiableObjective, using generator: inout SeededGenerator)
    -> (runs: [NonconvexTrainer<GradientDescent>.Run], best: NonconvexTrainer<GradientDescent>.Run?)
  {
    var runs: [NonconvexTrainer<GradientDescent>.Run] = []
    for _ in 0..<restarts { runs.append(run(objective, from: objective.initialParameters(using: &generator))) }
    let best = runs.filter { $0.objective.isFinite && $0.stopReason != .diverged }.min { $0.objective < $1.objective }
    return (runs, best)
  }
}
