/// What a convex solve did.
public struct ConvexSolverReport: Sendable, Codable, Equatable {
  /// FISTA iterations (total).
  public var iterations: Int
  /// Augmented-Lagrangian rounds (0 for the unconstrained gated program).
  public var outerIterations: Int
  /// Wall-clock seconds.
  public var seconds: Double
  public var stopReason: StopReason
  /// Upper bound at exit: the objective of the recovered network.
  public var objective: Double
  /// Certified lower bound on the program's optimal value at exit.
  public var lowerBound: Double
  /// `objective − lowerBound`.
  public var gap: Double { objective - lowerBound }
  /// `gap / |objective|` (0 when both are 0; signed).
  public var relativeGap: Double { ConvexSolverReport.relative(objective, lowerBound) }
  /// Largest cone-constraint violation `max (−(2D_i − I)X v_i)_+` at exit (0 for the gated program).
  public var constraintViolation: Double
  /// Passes over the n×P data by the first-order iterations: two products per iteration (the lift 𝒳U, n×d by d×P,
  /// and its adjoint), each counted as the fraction of the P blocks it ran on (|W|/P on a working set W), plus the
  /// full adjoints of the working sets' certificates. Line-search retries and the support Newton's Gram matrices are
  /// not counted. Nil for solvers that do not iterate over the blocks this way (column generation, ADMM, the
  /// interior points).
  public var dataPasses: Double? = nil
  /// Newton steps taken besides the iterations: on the support (`SupportNewton`) and on the blocks' scales
  /// (`KernelNewton`), each factoring a matrix rather than passing over the data. Nil for solvers without them.
  public var newtonSteps: Int? = nil

  /// Signed: negative when the returned network beats the lower bound, which happens only if it is not a point
  /// of the program (cone constraints violated beyond tolerance; see `constraintViolation`).
  static func relative(_ ub: Double, _ lb: Double) -> Double {
    guard ub.isFinite, lb.isFinite else { return .infinity }
    let g = ub - lb
    if g == 0 { return 0 }
    return g / Swift.max(abs(ub), 1e-300)
  }
}

extension ConvexSolverReport {
  /// A lower bound above the objective by more than this fraction of |objective| cannot be rounding.
  static let inconsistencyTolerance = 1e-10

  /// Whether the report certifies its objective to `tolerance`: converged, finite, and `relativeGap ≤ tolerance`.
  public func isCertified(tolerance: Double) -> Bool {
    stopReason == .converged && objective.isFinite && lowerBound.isFinite && relativeGap <= tolerance
  }

  /// The invariant of every certified solve, applied where a report is finished (the objective must be that of
  /// the returned point, a point of the program):
  /// - a non-finite objective is `diverged`;
  /// - `lowerBound ≤ objective`: a bound above the objective by no more than rounding
  ///   (`inconsistencyTolerance·|objective|`) is lowered to the objective, which keeps it valid; one further above
  ///   cannot be trusted and is replaced by the trivial bound 0 (every loss and penalty here is ≥ 0), and the solve
  ///   is not converged;
  /// - `converged` only when the certified relative gap is within `tolerance` (else `stalled`).
  mutating func enforceCertificate(tolerance: Double) {
    guard objective.isFinite else {
      stopReason = .diverged
      return
    }
    if lowerBound.isNaN { lowerBound = -.infinity }
    if lowerBound > objective {
      if lowerBound - objective <= Self.inconsistencyTolerance * abs(objective) {
        lowerBound = objective
      } else {
        lowerBound = Swift.min(0, objective)
        if stopReason == .converged { stopReason = .stalled }
      }
    }
    if stopReason == .converged && !(relativeGap <= tolerance) { stopReason = .stalled }
  }
}
