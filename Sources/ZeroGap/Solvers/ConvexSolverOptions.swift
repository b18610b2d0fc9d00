/// Algorithm for the exact (cone-constrained) program C-ReLU.
public enum ExactReLUAlgorithm: String, Sendable, Codable, CaseIterable {
  /// ADMM with a d×d system factored once (`ConeADMMSolver`).
  case admm
  /// Augmented Lagrangian with restarted-FISTA inner solves (MATH.md §3.7).
  case augmentedLagrangian = "augmented-lagrangian"
  /// Column generation over exact cone maxima (`ColumnGeneration`; squared and logistic losses; default).
  case columnGeneration = "column-generation"
}

/// Algorithm for the parallel ReLU program (`ParallelReLUProgram`).
public enum ParallelReLUAlgorithm: String, Sendable, Codable, CaseIterable {
  /// The interior-point method where it applies (depth 3, squared loss, no zero row of X, its memory within the
  /// budget), else the augmented Lagrangian.
  case automatic
  /// The structured interior-point method (`ParallelReLUInteriorPoint`); depth 3 and the squared loss only.
  case interiorPoint = "interior-point"
  /// Augmented Lagrangian with restarted-FISTA inner solves (every depth and loss).
  case augmentedLagrangian = "augmented-lagrangian"
}

/// Settings of the convex ReLU solvers (restarted FISTA for C-GReLU, augmented Lagrangian + FISTA for C-ReLU).
public struct ConvexSolverOptions: Sendable {
  /// Stop when the certified relative gap `(UB − LB)/|UB|` is at most this (default 1e-6).
  public var tolerance: Double
  /// Budget of FISTA iterations (over all augmented-Lagrangian rounds), ADMM iterations, or column-generation rounds.
  public var maxIterations: Int
  /// Evaluate the certificate every this many iterations (one extra GEMM each time).
  public var checkEvery: Int
  /// Budget of augmented-Lagrangian rounds (C-ReLU only).
  public var maxOuterIterations: Int
  /// Initial augmented-Lagrangian penalty δ (C-ReLU only).
  public var initialPenalty: Double
  /// Called about every `progressInterval` seconds with the current state (nil: silent).
  public var progress: (@Sendable (ConvexSolverProgress) -> Void)?
  /// Seconds between progress calls.
  public var progressInterval: Double
  /// Algorithm for C-ReLU (ignored for C-GReLU). For ADMM, `maxIterations` counts ADMM iterations and the
  /// report's `outerIterations` counts penalty (ρ) updates.
  /// Column generation (the default) applies to the squared and logistic losses; the unregularised bias and the
  /// hinge loss use the augmented Lagrangian whatever is chosen here.
  public var exactAlgorithm: ExactReLUAlgorithm = .columnGeneration
  /// Algorithm for the parallel ReLU program. For the interior-point method `maxIterations` is also a cap on its
  /// iterations (which never exceed 100).
  public var parallelAlgorithm: ParallelReLUAlgorithm = .automatic
  /// Memory the solve may use (workspaces, column generation's atoms); checked before allocating.
  public var memoryBudget: MemoryBudget = .default

  public init(
    tolerance: Double = 1e-6, maxIterations: Int = 100_000, checkEvery: Int = 10, maxOuterIterations: Int = 200,
    initialPenalty: Double = 1, progress: (@Sendable (ConvexSolverProgress) -> Void)? = nil, progressInterval: Double = 1
  ) {
    self.tolerance = tolerance
    self.maxIterations = maxIterations
    self.checkEvery = checkEvery
    self.maxOuterIterations = maxOuterIterations
    self.initialPenalty = initialPenalty
    self.progress = progress
    self.progressInterval = progressInterval
  }
}

/// A progress snapshot of a running convex solve.
public struct ConvexSolverProgress: Sendable {
  public var iteration: Int
  /// Upper bound (objective of the current, feasible network).
  public var objective: Double
  /// Certified lower bound.
  public var lowerBound: Double
  /// `(objective − lowerBound)/|objective|`.
  public var relativeGap: Double
  public var seconds: Double
}
