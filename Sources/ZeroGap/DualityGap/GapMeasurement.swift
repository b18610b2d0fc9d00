import RealModule

/// Measures one cell of the duality-gap table (MATH.md §9) on given data: the primal value, a certified dual value
/// and the gap, for linear or ReLU, standard or parallel networks of a given depth, in minimum-norm interpolation
/// (β = nil) or for the regularised squared loss ½‖f(X) − y‖² + β·penalty. Values are unnormalised (MATH.md §0).
///
/// | cell | primal (attained) | dual (certified) |
/// |---|---|---|
/// | linear, standard | P_lin (§1.2) / P_reg (§1.5: closed form, else best value of proximal gradient) | D_lin (§1.3) / D_reg (§1.5) |
/// | linear, parallel | the convex nuclear-norm program (§2, R1/R2) | its dual certificate (§2) |
/// | ReLU, depth 2 (both) | network recovered from the convex program over all patterns (§3.3) | its certified bound (§3.5) |
/// | ReLU, parallel, L ≥ 3 | network recovered from the depth-L program over all patterns (§4.3; §4.4, path norm) | its certified bound |
/// | ReLU, standard, L ≥ 3 | best of training restarts (weight decay) | the t-device bound through the parallel program (§1.3, §4.5) |
///
/// In minimum-norm mode the ReLU cells use the gauge of `ReLUGauge` (the convex programs as β → 0): the value is
/// γ (depth 2: weight decay; parallel depth 3: the branch penalty R1; deeper: the path norm), and the standard
/// depth-L dual is `(L/2) γ_L^{2/L}` (the t-device, as D_lin = (L/2)‖M‖_*^{2/L} in §1.3). ReLU cells need every
/// activation pattern of every layer (small n; the program has 2P₁·(2^{n+1})^{L−2} blocks) and one target column.
/// At depth ≥ 4 the parallel regulariser is the path norm of §4.4 (at most the Frobenius product R1).
public enum GapMeasurement {
  public struct Options: Sendable {
    /// Training restarts for trained primals (standard ReLU depth 3).
    public var restarts: Int
    public var seed: UInt64
    /// Hidden width of trained networks (nil: max(4, n + 1)).
    public var width: Int?
    /// The convex solves (tolerance default 1e-9).
    public var solver: ConvexSolverOptions
    /// Verdict tolerance (relative) for closed-form and convex primals.
    public var tolerance: Double
    /// Verdict tolerance (relative) for trained primals and the t-device bound.
    public var trainedTolerance: Double
    /// A line of progress on long measurements (nil: silent).
    public var progress: (@Sendable (String) -> Void)?

    public init(restarts: Int = 10, seed: UInt64 = 0, width: Int? = nil, tolerance: Double = 1e-6, trainedTolerance: Double = 1e-4) {
      self.restarts = restarts
      self.seed = seed
      self.width = width
      self.solver = ConvexSolverOptions(tolerance: 1e-9)
      self.tolerance = tolerance
      self.trainedTolerance = trainedTolerance
      self.progress = nil
    }
  }

  /// - Parameters:
  ///   - x: n×d features; a bias is a ones column (regularised, MATH.md §0).
  ///   - y: n×k targets (k = 1 for ReLU cells).
  ///   - beta: nil for minimum-norm interpolation, else β > 0 (β ≥ 0 for linear cells).
  /// - Throws: `DualityGapError` with one line naming the problem.
  public static func measure(
    activation: Activation, architecture: NetworkArchitecture, depth: Int, x: Matrix, y: Matrix, beta: Double?,
    instance: String = "", options: Options = Options()
  ) throws(DualityGapError) -> GapCell {
    guard depth >= 2 else { throw DualityGapError("depth \(depth) is not allowed: a duality gap is measured for depth ≥ 2") }
    guard x.rows == y.rows, x.rows >= 1, x.columns >= 1, y.columns >= 1 else {
      throw DualityGapError("X is \(x.rows)×\(x.columns) and Y is \(y.rows)×\(y.columns): they need the same number of rows, at least one each")
    }
    guard x.isFinite, y.isFinite else { throw DualityGapError("X or Y contains NaN or infinite values") }
    if let beta { guard beta >= 0, beta.isFinite else { throw DualityGapError("β must be a finite number ≥ 0 (got \(beta))") } }
    switch activation {
    case .linear: return try linear(architecture: architecture, depth: depth, x: x, y: y, beta: beta, instance: instance, options: options)
    case .relu: return try relu(architecture: architecture, depth: depth, x: x, y: y, beta: beta, instance: instance, options: options)
    }
  }

  static func linear(
    architecture: NetworkArchitecture, depth: Int, x: Matrix, y: Matrix, beta: Double?, instance: String, options: Options
  ) throws(DualityGapError) -> GapCell {
    let row: LinearDualityTable.Row
    do {
      let data = try DeepLinearData(x: x, y: y)
      let table = try LinearDualityTable.compute(data: data, depths: [depth], beta: beta)
      guard let r = table.rows.first(where: { $0.architecture == architecture }) else { throw DualityGapError("no \(architecture.rawValue) row at depth \(depth)") }
      row = r
    } catch let e as DualityGapError {
      throw e
    } catch {
      throw DualityGapError("\(error)")
    }
    let primalMethod: String, dualMethod: String
    switch (architecture, beta) {
    case (.standard, nil):
      primalMethod = "closed form P_lin = (L/2) Σσ_i^{2/L} (MATH.md §1.2)"
      dualMethod = "closed form D_lin = (L/2)(Σσ_i)^{2/L} (§1.3)"
    case (.standard, _):
      primalMethod = row.primalCertified
        ? (depth == 2 ? "convex nuclear-norm program (§1.5, L = 2)" : "closed form P_reg (§1.5, orthonormal X)")
        : "best value found by proximal gradient on the Schatten form (§1.5)"
      dualMethod = "D_reg = min_W ½‖XW − Y‖² + (βL/2)‖W‖_*^{2/L} (§1.5)"
    case (.parallel, nil):
      primalMethod = "convex equivalent ‖X⁺Y‖_* under R1/R2 (§2)"
      dualMethod = "dual certificate max tr(ΛᵀY) s.t. ‖XᵀΛ‖₂ ≤ 1 (§2)"
    case (.parallel, _):
      primalMethod = "convex equivalent ½‖XW − Y‖² + β‖W‖_* under R1/R2 (§2)"
      dualMethod = "dual certificate at Λ = Y − XW (§2)"
    }
    return GapCell(
      activation: .linear, architecture: architecture, depth: depth, beta: beta, primal: row.primal, dual: row.dual,
      primalMethod: primalMethod, dualMethod: dualMethod, tolerance: options.tolerance, instance: instance)
  }

  static func relu(
    architecture: NetworkArchitecture, depth: Int, x: Matrix, y ym: Matrix, beta: Double?, instance: String, options: Options
  ) throws(DualityGapError) -> GapCell {
    guard ym.columns == 1 else { throw DualityGapError("ReLU cells take one target column (Y is \(ym.rows)×\(ym.columns))") }
    if let beta, beta == 0 { throw DualityGapError("ReLU cells need β > 0 (omit --beta for minimum-norm interpolation)") }
    guard x.rows <= HiddenPatterns.enumerationLimit || depth == 2 else {
      throw DualityGapError("ReLU cells of depth ≥ 3 enumerate all 2^n hidden-layer patterns: n = \(x.rows) is above \(HiddenPatterns.enumerationLimit) (use fewer samples)")
    }
    let y = ym.storage
    func cell(_ primal: Double, _ dual: Double, _ pm: String, _ dm: String, trained: Bool) -> GapCell {
      GapCell(
        activation: .relu, architecture: architecture, depth: depth, beta: beta, primal: primal, dual: Swift.min(dual, primal),
        primalMethod: pm, dualMethod: dm, tolerance: trained ? options.trainedTolerance : options.tolerance, instance: instance)
    }
    do {
      switch (depth, architecture, beta) {
      case (2, _, let beta?):
        let patterns = try ActivationPatterns.enumerate(data: x)
        let sol = try ConvexReLUProgram(data: x, targets: y, patterns: patterns, beta: beta).solve(options: options.solver)
        let primal = sol.network(gates: patterns.gates).objective(data: x, targets: y, beta: beta)
        return cell(
          primal, sol.report.lowerBound,
          "two-layer network recovered from the convex program over all \(patterns.count) activation patterns (§3.3)",
          "certified dual bound over all patterns (§3.5): every two-layer ReLU network", trained: false)
      case (_, _, nil) where depth == 2 || architecture == .parallel:
        let g = try ReLUGauge.compute(x: x, y: y, depth: depth, options: options.solver)
        let what = depth == 2 ? "two-layer" : "parallel depth-\(depth)"
        return cell(
          g.upper, g.lower,
          "interpolating \(what) network from the convex program at β = \(shortNumber(g.beta)) with a least-squares output correction (§\(depth == 2 ? "3.3" : depth == 3 ? "4.3" : "4.4"))",
          "certified bound LB(β)/β of the convex program over all patterns (β → 0)", trained: false)
      case (_, .parallel, let beta?):
        let p1 = try ActivationPatterns.enumerate(data: x)
        let hidden = [HiddenPatterns](repeating: try HiddenPatterns.all(sampleCount: x.rows), count: depth - 2)
        let sol = try ParallelReLUProgram(data: x, targets: y, firstLayer: p1, hiddenLayers: hidden, beta: beta).solve(options: options.solver)
        let sizes = ([p1.count] + hidden.map(\.count)).map(String.init).joined(separator: " × ")
        return cell(
          sol.deepNetwork.objective(data: x, targets: y, beta: beta), sol.report.lowerBound,
          "parallel network recovered from the depth-\(depth) program over all \(sizes) patterns (§\(depth == 3 ? "4.3" : "4.4"))",
          "certified dual bound over all patterns: every parallel depth-\(depth) ReLU network\(depth > 3 ? " under the path norm" : "")", trained: false)
      case (_, .standard, nil):
        let g = try ReLUGauge.compute(x: x, y: y, depth: depth, options: options.solver)
        let primal = try trainInterpolating(x: x, y: y, depth: depth, options: options)
        let L = Double(depth)
        return cell(
          primal, L / 2 * Double.pow(g.lower, 2 / L),
          "best of \(options.restarts) training restarts of the min-norm interpolating network (width \(width(x, options)))",
          "t-device: (L/2)·γ^{2/L} with γ the parallel depth-\(depth) gauge (§1.3, §4.5)", trained: true)
      case (_, .standard, let beta?):
        let primal = try trainRegularized(x: x, y: y, depth: depth, beta: beta, options: options)
        let progress = options.progress
        let d = try StandardReLUDual.compute(
          x: x, y: y, depth: depth, beta: beta, tolerance: options.trainedTolerance / 2, options: options.solver,
          progress: progress.map { p in { solves, lower, upper in p("t-device: \(solves) programs solved, bound \(lower), estimate \(upper)") } })
        return cell(
          primal, d.bound,
          "best of \(options.restarts) training restarts with weight decay (width \(width(x, options)))",
          "t-device: min_t β(L−2)t²/2 + p_L(β/t^{L−2}) through the parallel depth-\(depth) program (§1.3, §4.2), \(d.solves) solves", trained: true)
      default:
        throw DualityGapError("no method for \(architecture.rawValue) ReLU depth \(depth)")
      }
    } catch let e as DualityGapError {
      throw e
    } catch {
      throw DualityGapError("\(error)")
    }
  }

  static func width(_ x: Matrix, _ options: Options) -> Int { options.width ?? Swift.max(4, x.rows + 1) }

  static func trainer(_ options: Options) -> TwoPhaseTrainer {
    var t = TwoPhaseTrainer(adamLearningRate: 1e-2, adamIterations: 3000, restarts: Swift.max(1, options.restarts))
    t.lbfgsPolish = LBFGS(iterations: 5000)
    return t
  }

  /// Best attained value of the standard network with weight decay over the restarts.
  static func trainRegularized(x: Matrix, y: [Double], depth: Int, beta: Double, options: Options) throws(DualityGapError) -> Double {
    let f = DeepReLUObjective(data: x, targets: y, beta: beta, architecture: .standard, depth: depth, width: width(x, options))
    var gen = SeededGenerator(seed: options.seed)
    guard let best = trainer(options).train(f, using: &gen).best else { throw DualityGapError("every training restart diverged") }
    return best.objective
  }

  /// Best attained min-norm value of an interpolating standard network over the restarts.
  static func trainInterpolating(x: Matrix, y: [Double], depth: Int, options: Options) throws(DualityGapError) -> Double {
    let f = InterpolatingReLUObjective(data: x, targets: y, depth: depth, width: width(x, options))
    var gen = SeededGenerator(seed: options.seed)
    let runs = trainer(options).train(f, using: &gen).runs
    guard let best = runs.compactMap({ f.interpolatingValue($0.parameters)?.value }).min() else {
      throw DualityGapError("no training restart found a network that interpolates y: y may not be realisable by a standard ReLU network of this depth (MATH.md §4.5); pass --beta for the regularised problem")
    }
    return best
  }
}
