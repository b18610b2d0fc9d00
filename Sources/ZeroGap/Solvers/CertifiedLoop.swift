/// The certified loop every convex solver of the two-layer programs runs (MATH.md §3.5): its clock, the best upper
/// bound (the objective of a point of the program, whose point the solver keeps), the best lower bound (a dual
/// value, always lowered by its rounding guard), the throttled progress calls, the stop test on the certified
/// relative gap and the finished report (`ConvexSolverReport.enforceCertificate`).
///
/// A solver owns its iterates and its copy of the best point (their buffers differ); the loop owns the bounds:
///
///     var loop = CertifiedLoop(options: options)
///     while iterations < options.maxIterations {
///       …
///       if loop.offerUpper(value) { keep the point }
///       loop.offerDual(v: v, y: y, loss: loss, dualNormBound: cbar, beta: β)
///       if loop.checkpoint(iteration: iterations) { break }   // progress, then converged?
///     }
///     return loop.report(iterations: iterations, outerIterations: 0, constraintViolation: 0)
struct CertifiedLoop {
  let options: ConvexSolverOptions
  private let clock = ContinuousClock()
  private let start: ContinuousClock.Instant
  private var lastProgress = -Double.infinity
  /// Best upper bound so far (+∞ until a point of the program was offered).
  private(set) var upper = Double.infinity
  /// Best lower bound so far (−∞ until a certificate was offered).
  private(set) var lower = -Double.infinity
  /// Why the loop ended (`.converged` is set by `checkpoint`; solvers set the others).
  var stopReason = StopReason.maxIterations

  init(options: ConvexSolverOptions) {
    self.options = options
    start = clock.now
  }

  /// Seconds since the loop started.
  var seconds: Double {
    let d = clock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }

  /// `(upper − lower)/|upper|` (signed; +∞ while either bound is missing).
  var relativeGap: Double { ConvexSolverReport.relative(upper, lower) }

  /// Whether the bounds are within the tolerance.
  var isCertified: Bool { relativeGap <= options.tolerance }

  /// Offers the objective of a point of the program; true when it is the best so far (the solver keeps the point).
  mutating func offerUpper(_ value: Double) -> Bool {
    guard value < upper else { return false }
    upper = value
    return true
  }

  /// Offers a lower bound that is already valid in floating point (guarded where it was computed).
  mutating func offerLower(_ bound: Double) {
    if bound > lower { lower = bound }
  }

  /// Offers the dual bound of §3.5 at the dual point v with c̄ ≥ c(v): `−ℓ*(−s v)` with the best
  /// `s ∈ [0, β/c̄]`, lowered by its rounding guard (`ReLUCertificate.roundedDown`). The one place a solver turns
  /// a dual point into a lower bound.
  /// - Returns: the guarded bound (whether or not it raised the best).
  @discardableResult
  mutating func offerDual(v: [Double], y: [Double], loss: some LossFunction, dualNormBound cbar: Double, beta: Double) -> Double {
    let bound = Self.dualBound(v: v, y: y, loss: loss, dualNormBound: cbar, beta: beta)
    offerLower(bound)
    return bound
  }

  /// `−ℓ*(−s v)` with the best `s ∈ [0, β/c̄]`, lowered by its rounding guard.
  static func dualBound(v: [Double], y: [Double], loss: some LossFunction, dualNormBound cbar: Double, beta: Double) -> Double {
    scaledDualBound(v: v, y: y, loss: loss, dualNormBound: cbar, beta: beta).bound
  }

  /// The bound of `dualBound` and the scaling s that attains it.
  static func scaledDualBound(
    v: [Double], y: [Double], loss: some LossFunction, dualNormBound cbar: Double, beta: Double
  ) -> (scale: Double, bound: Double) {
    let scaled = loss.bestDualScaling(v, y, maxScale: cbar > 0 ? beta / cbar : .infinity)
    return (scaled.scale, ReLUCertificate.roundedDown(scaled.value, v: v, y: y, scale: scaled.scale, rows: loss.rows))
  }

  /// A progress call (at most every `options.progressInterval` seconds), then the stop test: true, with
  /// `stopReason = .converged`, when the certified relative gap is within the tolerance.
  mutating func checkpoint(iteration: Int) -> Bool {
    let now = seconds
    let g = relativeGap
    if let progress = options.progress, now - lastProgress >= options.progressInterval {
      lastProgress = now
      progress(ConvexSolverProgress(iteration: iteration, objective: upper, lowerBound: lower, relativeGap: g, seconds: now))
    }
    guard g <= options.tolerance else { return false }
    stopReason = .converged
    return true
  }

  /// The finished report at the best bounds (or at `objective`/`lowerBound` when the solver evaluated its returned
  /// point again), with the invariant of `enforceCertificate`.
  func report(
    iterations: Int, outerIterations: Int, constraintViolation: Double, objective: Double? = nil, lowerBound: Double? = nil
  ) -> ConvexSolverReport {
    var r = ConvexSolverReport(
      iterations: iterations, outerIterations: outerIterations, seconds: seconds, stopReason: stopReason,
      objective: objective ?? upper, lowerBound: lowerBound ?? lower, constraintViolation: constraintViolation)
    r.enforceCertificate(tolerance: options.tolerance)
    return r
  }
}
