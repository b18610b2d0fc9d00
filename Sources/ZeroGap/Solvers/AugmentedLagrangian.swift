/// A network objective whose predictions F(θ) (n×k) can be constrained to interpolate Y, for
/// min-norm training `min R(θ) s.t. F(θ) = Y` by the augmented Lagrangian method.
///
/// Conforming types are ordinary `DifferentiableObjective`s (their `valueAndGradient` is the
/// current augmented Lagrangian `R(θ) + ⟨Λ, F(θ)−Y⟩ + (ρ/2)‖F(θ)−Y‖²`, or the regularised loss when
/// Λ = 0, ρ = 1), so the same type serves regularised and min-norm training, for linear and ReLU nets.
public protocol InterpolationObjective: DifferentiableObjective {
  /// The regulariser R(θ) alone (e.g. (1/2)Σ‖W_l‖²).
  func regularizer(_ parameters: [Double]) -> Double
  /// `F(θ) − Y` (n×k).
  func residual(_ parameters: [Double]) -> Matrix
  /// A copy whose value is `R + ⟨Λ, F−Y⟩ + (ρ/2)‖F−Y‖²`.
  func augmentedLagrangian(multiplier: Matrix, rho: Double) -> Self
  /// θ with its last linear layer corrected by least squares so that F(θ) = Y where possible
  /// (the feasible point whose R is reported: an honest upper bound on the min-norm value).
  func restoringFeasibility(_ parameters: [Double]) -> [Double]
}

/// Augmented-Lagrangian training for `min R(θ) s.t. F(θ) = Y` (Hestenes–Powell):
///
///     θ_k = argmin_θ R(θ) + ⟨Λ_k, F(θ)−Y⟩ + (ρ_k/2)‖F(θ)−Y‖²   (inner: `NonconvexTrainer.run`)
///     Λ_{k+1} = Λ_k + ρ_k (F(θ_k) − Y);  ρ grows ×`rhoGrowth` when ‖F−Y‖ does not fall by 4×.
///
/// The final iterate is made exactly feasible by `restoringFeasibility`, and its regulariser value
/// is reported together with the remaining residual.
public struct AugmentedLagrangianTrainer<O: Optimizer>: Sendable {
  /// Inner solver (its `restarts` are ignored; one run per outer iteration, warm-started).
  public var inner: NonconvexTrainer<O>
  public var outerIterations: Int
  public var initialRho: Double
  public var rhoGrowth: Double
  /// Stop when ‖F − Y‖_F ≤ this·max(1, ‖Y‖_F) (before restoration).
  public var feasibilityTolerance: Double

  public init(inner: NonconvexTrainer<O>, outerIterations: Int = 30, initialRho: Double = 10, rhoGrowth: Double = 4,
              feasibilityTolerance: Double = 1e-10) {
    self.inner = inner
    self.outerIterations = outerIterations
    self.initialRho = initialRho
    self.rhoGrowth = rhoGrowth
    self.feasibilityTolerance = feasibilityTolerance
  }

  public struct Run: Sendable {
    /// Feasibility-restored parameters.
    public var parameters: [Double]
    /// R(θ) at `parameters`.
    public var regularizer: Double
    /// ‖F(θ) − Y‖_F at `parameters`.
    public var residualNorm: Double
    public var outerIterations: Int
    /// False if an inner run diverged.
    public var finite: Bool
  }

  /// One ALM run from θ₀.
  public func run<F: InterpolationObjective>(_ objective: F, from theta0: [Double]) -> Run {
    var theta = theta0
    var res = objective.residual(theta)
    var multiplier = Matrix(rows: res.rows, columns: res.columns)
    var rho = initialRho
    let yScale = Swift.max(1, (res - objective.residual([Double](repeating: 0, count: theta.count))).frobeniusNorm)
    var prevNorm = Double.infinity
    var finite = true
    var outer = 0
    for k in 0..<outerIterations {
      outer = k + 1
      let al = objective.augmentedLagrangian(multiplier: multiplier, rho: rho)
      let r = inner.run(al, from: theta)
      if r.stopReason == .diverged && !r.objective.isFinite {
        finite = false
        break
      }
      theta = r.parameters
      res = objective.residual(theta)
      multiplier.add(res, scaledBy: rho)
      let norm = res.frobeniusNorm
      if norm <= feasibilityTolerance * yScale { break }
      if norm > prevNorm / 4 { rho *= rhoGrowth }
      prevNorm = norm
    }
    let restored = objective.restoringFeasibility(theta)
    let finalRes = objective.residual(restored).frobeniusNorm
    return Run(parameters: restored, regularizer: objective.regularizer(restored), residualNorm: finalRes,
               outerIterations: outer, finite: finite && restored.allSatisfy { $0.isFinite })
  }

  /// `restarts` runs from seeded starts; the best is the lowest R among runs with
  /// ‖F−Y‖ ≤ `acceptResidual`·max(1,‖Y‖).
  public func train<F: InterpolationObjective>(
    _ objective: F, restarts: Int, acceptResidual: Double = 1e-8, using generator: inout SeededGenerator
  ) -> (runs: [Run], best: Run?) {
    precondition(restarts >= 1, "restarts must be ≥ 1")
    var runs: [Run] = []
    for _ in 0..<restarts { runs.append(run(objective, from: objective.initialParameters(using: &generator))) }
    let zero = [Double](repeating: 0, count: objective.parameterCount)
    let yScale = Swift.max(1, objective.residual(zero).frobeniusNorm)
    let ok = runs.filter { $0.finite && $0.residualNorm <= acceptResidual * yScale }
    return (runs, ok.min { $0.regularizer < $1.regularizer })
  }
}
