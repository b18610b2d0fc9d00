/// Which convex program is solved: exact ReLU (C-ReLU, §3.3) or the gated-ReLU relaxation (C-GReLU, §3.6).
public enum ConvexReLUModel: String, Sendable, Codable, CaseIterable {
  /// Cone-constrained group lasso, exact for ReLU networks (§3.3).
  case relu
  /// Unconstrained group lasso, exact for gated-ReLU networks with the patterns' gates (§3.6).
  case gatedReLU = "gated-relu"
}

/// The convex program of a two-layer scalar-output ReLU network over a set of activation patterns
/// (MATH.md §3.3, §3.6, §3.8):
///
///     C-ReLU:  min ℓ(Σ_i D_i X (v_i − w_i), y) + β Σ_i (‖v_i‖ + ‖w_i‖)   s.t. (2D_i − I)X v_i ≥ 0, (2D_i − I)X w_i ≥ 0
///     C-GReLU: min ℓ(Σ_i D_i X w_i, y) + β Σ_i ‖w_i‖
///
/// X is n×d, y has length n, the patterns' masks are n×P. Solved by `solve` (restarted FISTA; augmented
/// Lagrangian for C-ReLU), stopping on a certified relative gap.
public struct ConvexReLUProgram: Sendable {
  public let data: Matrix
  public let targets: [Double]
  public let patterns: ActivationPatterns
  public let beta: Double
  public let loss: ConvexLoss
  public let model: ConvexReLUModel
  /// An unpenalised output bias b added to ŷ (squared loss only), minimised exactly: b = mean(y − ŷ); the dual
  /// gains the constraint 1ᵀv = 0. Off by default (MATH.md §0 regularises the bias through a ones column).
  public let unregularizedBias: Bool
  /// Where the rows of X are: `.local`, or this process's block of a data-parallel run (`RowReduction.over`), whose
  /// every sum over samples is reduced across the processes — the same iterates and the same certified bound as one
  /// process on all the rows. Data-parallel solves cover the gated program (C-GReLU) and the exact program (C-ReLU,
  /// by column generation), with the squared and logistic losses.
  public var rows: RowReduction = .local

  /// - Throws: `.shapeMismatch` (X, y, patterns disagree), `.nonFinite`, `.invalidParameter` (β ≤ 0 or
  ///   non-finite), `.invalidLabels` (logistic/hinge need ±1).
  public init(
    data: Matrix, targets: [Double], patterns: ActivationPatterns, beta: Double, loss: ConvexLoss = .squared,
    model: ConvexReLUModel = .relu, unregularizedBias: Bool = false
  ) throws(ConvexReLUError) {
    guard data.rows == targets.count else {
      throw .shapeMismatch("X has \(data.rows) rows (samples) but y has \(targets.count) entries")
    }
    guard data.rows >= 1, data.columns >= 1 else { throw .shapeMismatch("X is \(data.rows)×\(data.columns); need at least one sample and one feature") }
    guard patterns.sampleCount == data.rows, patterns.gates.rows == data.columns else {
      throw .shapeMismatch("the patterns were built for \(patterns.sampleCount) samples and \(patterns.gates.rows) features, but X is \(data.rows)×\(data.columns)")
    }
    guard patterns.count >= 1 else {
      throw .invalidParameter("there are no activation patterns (an empty gate matrix?); sample some with --patterns N or give a d×P gate matrix with P ≥ 1")
    }
    guard data.isFinite else { throw .nonFinite("the data matrix X contains NaN or infinite values") }
    try loss.validate(targets: targets)
    guard beta > 0, beta.isFinite else {
      throw .invalidParameter("the regularisation β must be a finite number > 0 (got \(beta)); with β = 0 the problem is an unregularised fit with no group sparsity")
    }
    self.data = data
    self.targets = targets
    self.patterns = patterns
    self.beta = beta
    guard !unregularizedBias || loss == .squared else {
      throw .invalidParameter("an unregularised output bias is implemented for the squared loss only (got \(loss.rawValue)); use the default regularised bias column instead")
    }
    self.loss = loss
    self.model = model
    self.unregularizedBias = unregularizedBias
  }

  /// Number of blocks of the program: P (gated) or 2P (ReLU).
  public var blockCount: Int { layout.blockCount }

  /// The program's objective at blocks (v_i) and (w_i) (d×P each; `negative` ignored/nil for C-GReLU).
  /// Does not check the cone constraints (see `coneViolation`).
  public func objective(positive v: Matrix, negative w: Matrix?) -> Double {
    let yhat = prediction(positive: v, negative: w)
    var pen = 0.0
    for i in 0..<v.columns { pen += v.column(i).norm2 }
    if let w { for i in 0..<w.columns { pen += w.column(i).norm2 } }
    return solverLoss.value(yhat, targets) + beta * pen
  }

  /// The loss the solver minimises for smooth losses (centred when the output bias is unregularised).
  var solverLoss: SolverLoss { SolverLoss(loss, centered: unregularizedBias, rows: rows) }

  /// The optimal unpenalised output bias `mean(y − ŷ)` for a convex prediction ŷ (0 without the bias).
  public func outputBias(prediction yhat: [Double]) -> Double {
    yhat.withUnsafeBufferPointer { p in targets.withUnsafeBufferPointer { q in solverLoss.bias(p, q) } }
  }

  /// Σ_i D_i X (v_i − w_i), via one GEMM per block matrix.
  public func prediction(positive v: Matrix, negative w: Matrix?) -> [Double] {
    var diff = v
    if let w { diff.add(w, scaledBy: -1) }
    let xu = Matrix.product(data, diff)
    let m = patterns.masks
    var yhat = [Double](repeating: 0, count: data.rows)
    for i in 0..<m.columns { for j in 0..<data.rows { yhat[j] += m[j, i] * xu[j, i] } }
    return yhat
  }

  /// Largest violation `max_{i,j} (−(2D_i − I) X u_i)_j` over the columns of `blocks` (d×P), 0 if feasible.
  public func coneViolation(_ blocks: Matrix) -> Double {
    let xu = Matrix.product(data, blocks)
    let m = patterns.masks
    var v = 0.0
    for i in 0..<blocks.columns { for j in 0..<data.rows { v = max(v, -(2 * m[j, i] - 1) * xu[j, i]) } }
    return v
  }

  /// Solves the program (warm-started from `warmStart` if given) until the certified relative gap is at most
  /// `options.tolerance` or the budget runs out (see the report's `stopReason`).
  /// The hinge loss is solved through its Huber smoothing under continuation (see `solveHinge`); the report
  /// then holds the true hinge objective and a true hinge dual bound.
  /// - Throws: `.invalidParameter` for a non-positive tolerance.
  public func solve(options: ConvexSolverOptions = ConvexSolverOptions(), warmStart: ConvexReLUSolution? = nil) throws(ConvexReLUError) -> ConvexReLUSolution {
    guard options.tolerance > 0, options.tolerance.isFinite else { throw .invalidParameter("the gap tolerance must be > 0 (got \(options.tolerance))") }
    guard !rows.isDistributed || (loss != .hinge && (model == .gatedReLU || !unregularizedBias)) else {
      throw .invalidParameter("data-parallel solves take the squared and logistic losses (and, for the exact ReLU program, no unregularised output bias); solve \(loss == .hinge ? "the hinge loss" : "the exact program with an unregularised bias") on one process")
    }
    try options.memoryBudget.require(
      workspaceBytes(options: options), for: "solving the program over \(patterns.count) patterns (n = \(data.rows), d = \(data.columns))",
      hint: "use fewer patterns (--patterns)")
    let solution = loss == .hinge
      ? solveHinge(options: options, warmStart: warmStart) : solveStage(loss: solverLoss, options: options, warmStart: warmStart)
    return verified(solution, tolerance: options.tolerance)
  }

  /// The solution as it may be reported: for C-ReLU, blocks that left their cones beyond rounding are repaired
  /// (`ConeRepair`) and the objective re-evaluated at the repaired point, so that it is a point of the program and
  /// its objective is bounded below by the certified bound; then the report's invariant is enforced
  /// (`ConvexSolverReport.enforceCertificate`: `lowerBound ≤ objective`, `converged` only within `tolerance`).
  func verified(_ solution: ConvexReLUSolution, tolerance: Double) -> ConvexReLUSolution {
    var s = solution
    if model == .relu {
      var u = layout.join(positive: s.positive, negative: s.negative)
      // A zero block lies in every cone: only the nonzero blocks are checked and repaired, with their own masks,
      // gates and products (n × |nonzero|, not n × B: at n = 10⁵ with 1 000 blocks and 62 neurons that was three
      // 800 MB matrices).
      let nonzero = ReLUBlockProgram.nonzeroBlocks(u)
      let ofPattern = nonzero.map { layout.pattern(ofBlock: $0) }
      let masks = patterns.masks.columns(ofPattern)
      let checked = ConeRepair.repairing(
        &u, blocks: nonzero, x: data, masks: masks, gates: patterns.gates.columns(ofPattern), rows: rows)
      if checked?.repaired == true {
        (s.positive, s.negative) = layout.split(u)
        if unregularizedBias { s.bias = outputBias(prediction: prediction(positive: s.positive, negative: s.negative)) }
        s.report.objective = objective(positive: s.positive, negative: s.negative)
      }
      s.report.constraintViolation = ConeRepair.violation(xu: Matrix.product(data, u.columns(nonzero)), masks: masks, rows: rows)
    }
    s.report.enforceCertificate(tolerance: tolerance)
    return s
  }

  /// The cone repair of C-ReLU's blocks with masks `masks` (n×2P), over this program's rows.
  func coneRepair(masks: Matrix) -> ConeRepair {
    var repair = ConeRepair(x: data, masks: masks, gates: layout.perBlock(patterns.gates))
    repair.rows = rows
    return repair
  }

  /// The program's blocks over its patterns (one per pattern, or 2P signed blocks for C-ReLU).
  var layout: BlockLayout { BlockLayout(patternCount: patterns.count, model: model) }

  /// Whether the exact program is solved by column generation (`solveStage`): when `options` choose it or the rows
  /// are distributed, and its master applies to the loss.
  func takesColumnGeneration(options: ConvexSolverOptions) -> Bool {
    model == .relu && loss != .hinge && (options.exactAlgorithm == .columnGeneration || rows.isDistributed)
      && ColumnGeneration<ReLUBlockProgram>.applies(to: solverLoss)
  }

  /// The memory of the solver's fixed workspaces, checked before solving: column generation is allowed five n×B
  /// and d×B buffers (B blocks: the patterns' and the per-block masks, the polish's multipliers and right-hand
  /// side, spares; measured 3.5 n×B in all at n = 10⁵, B = 10³, atoms included), its atoms being budgeted as they
  /// arrive (`AtomSet.capacity`, from what this leaves); FISTA, ADMM and the augmented Lagrangian keep about a dozen.
  func workspaceBytes(options: ConvexSolverOptions) -> Int {
    let buffers = takesColumnGeneration(options: options) ? 5 : 12
    return MemoryBudget.product(MemoryBudget.doubles(MemoryBudget.product(buffers, data.rows + data.columns)), blockCount)
  }

  /// One solve of the program with the given smooth loss: FISTA (gated) or the exact algorithm chosen in `options`
  /// (column generation, ADMM or the augmented Lagrangian).
  func solveStage(loss solverLoss: SolverLoss, options: ConvexSolverOptions, warmStart: ConvexReLUSolution?) -> ConvexReLUSolution {
    let layout = self.layout
    let masks = layout.perBlock(patterns.masks)
    let constrained = model == .relu
    var start: Matrix? = nil
    if let w = warmStart, w.positive.rows == data.columns, w.positive.columns == patterns.count, (w.negative != nil) == layout.signed {
      start = layout.join(positive: w.positive, negative: w.negative)
    }
    guard constrained else {
      // C-GReLU: FISTA over working sets of the program whose products are the predictions (no n×P products;
      // `GatedReLUProgram`, `WorkingSetSolver`).
      let program = GatedReLUProgram(x: data, targets: targets, masks: masks, beta: beta, loss: solverLoss)
      let result = WorkingSetSolver(program: program).solve(start: start, options: options)
      var solution = ConvexReLUSolution(model: model, positive: result.u, negative: nil, multipliers: nil, penalty: nil, report: result.report)
      if unregularizedBias { solution.bias = outputBias(prediction: prediction(positive: solution.positive, negative: nil)) }
      return solution
    }
    let program = ReLUBlockProgram(
      x: data, targets: targets, masks: masks, signs: layout.signs, beta: beta, loss: solverLoss,
      cones: coneRepair(masks: masks))
    var multipliers: Matrix? = nil
    if let m = warmStart?.multipliers, m.rows == data.rows, m.columns == program.blocks { multipliers = m }
    let result: ProximalGradientSolver<ReLUBlockProgram>.Result
    // ADMM handles the plain squared and logistic losses; the centred (bias) and Huber (hinge) solver losses use the AL.
    // A data-parallel solve of C-ReLU always takes column generation (its pricing is the one distributed exactly).
    if takesColumnGeneration(options: options) {
      // The atoms get what the fixed workspaces leave of the budget.
      var atomOptions = options
      atomOptions.memoryBudget.bytes = Swift.max(0, options.memoryBudget.bytes - workspaceBytes(options: options))
      result = ColumnGeneration(program: program).solve(start: start, options: atomOptions)
    } else if options.exactAlgorithm != .augmentedLagrangian && !solverLoss.centered && !solverLoss.isHuber {
      var splittable = program
      splittable.patternIndex = (PatternTable(columnsOf: patterns.masks), layout)
      result = ConeADMMSolver(program: splittable).solve(start: start, multipliers: multipliers, penalty: warmStart?.penalty, options: options)
    } else {
      result = ProximalGradientSolver(program: program).solve(start: start, multipliers: multipliers, penalty: warmStart?.penalty, options: options)
    }
    let (positive, negative) = layout.split(result.u)
    var solution = ConvexReLUSolution(
      model: model, positive: positive, negative: negative, multipliers: result.multipliers, penalty: result.penalty,
      report: result.report)
    if unregularizedBias { solution.bias = outputBias(prediction: prediction(positive: solution.positive, negative: solution.negative)) }
    return solution
  }

  /// Solves along a decreasing regularisation path, warm-starting each β from the previous solution.
  /// - Returns: one solution per β, in the order given.
  public func path(betas: [Double], options: ConvexSolverOptions = ConvexSolverOptions()) throws(ConvexReLUError) -> [ConvexReLUSolution] {
    var out: [ConvexReLUSolution] = []
    var previous: ConvexReLUSolution? = nil
    for b in betas {
      let prog = try ConvexReLUProgram(
        data: data, targets: targets, patterns: patterns, beta: b, loss: loss, model: model, unregularizedBias: unregularizedBias)
      // Warm start from the previous blocks only: the multipliers and penalty of another β are a poor start.
      let start = previous.map {
        ConvexReLUSolution(model: $0.model, positive: $0.positive, negative: $0.negative, multipliers: nil, penalty: nil, report: $0.report)
      }
      let s = try prog.solve(options: options, warmStart: start)
      out.append(s)
      previous = s
    }
    return out
  }
}

/// A solution of a `ConvexReLUProgram`: the blocks, the multipliers and the solver report.
public struct ConvexReLUSolution: Sendable {
  public let model: ConvexReLUModel
  /// d×P: v_i (C-ReLU) or w_i (C-GReLU).
  public internal(set) var positive: Matrix
  /// d×P: w_i (C-ReLU), nil for C-GReLU.
  public internal(set) var negative: Matrix?
  /// n×2P cone multipliers γ of the augmented Lagrangian (C-ReLU), for warm starts.
  public let multipliers: Matrix?
  /// Augmented-Lagrangian penalty to warm-start with (nil: the default).
  public let penalty: Double?
  /// The solver's report: objective (upper bound), certified lower bound, iterations, time.
  public internal(set) var report: ConvexSolverReport
  /// The unpenalised output bias b (0 unless the program has `unregularizedBias`).
  public internal(set) var bias: Double = 0

  /// Blocks with ‖·‖ above `threshold` (relative to the largest block norm) count as nonzero.
  public func activeBlocks(threshold: Double = 1e-10) -> Int {
    let all = (0..<positive.columns).map { positive.column($0).norm2 } + (negative.map { n in (0..<n.columns).map { n.column($0).norm2 } } ?? [])
    let mx = all.max() ?? 0
    return all.filter { $0 > threshold * mx && $0 > 0 }.count
  }

  /// The network whose predictions and penalty equal the convex solution's (§3.3, §3.6):
  /// each nonzero block b gives a neuron `u = b/√‖b‖`, `α = ±√‖b‖` (gate g_i for C-GReLU).
  /// - Parameter gates: the patterns' gates (d×P), used by the gated network.
  public func network(gates: Matrix) -> TwoLayerReLUNetwork {
    var cols: [[Double]] = []
    var alphas: [Double] = []
    var gateCols: [[Double]] = []
    func add(_ block: [Double], sign: Double, gate: [Double]) {
      let nrm = block.norm2
      guard nrm > 0 else { return }
      let s = nrm.squareRoot()
      cols.append(block.map { $0 / s })
      alphas.append(sign * s)
      gateCols.append(gate)
    }
    for i in 0..<positive.columns { add(positive.column(i), sign: 1, gate: gates.column(i)) }
    if let neg = negative { for i in 0..<neg.columns { add(neg.column(i), sign: -1, gate: gates.column(i)) } }
    let d = positive.rows
    let u = Matrix(rows: d, columns: cols.count, columnMajor: cols.flatMap { $0 })
    let a = Matrix(rows: alphas.count, columns: 1, columnMajor: alphas)
    let b: [Double]? = bias != 0 ? [bias] : nil
    if model == .gatedReLU {
      return TwoLayerReLUNetwork(
        firstLayer: u, outputWeights: a, gates: Matrix(rows: d, columns: gateCols.count, columnMajor: gateCols.flatMap { $0 }),
        outputBias: b)
    }
    return TwoLayerReLUNetwork(firstLayer: u, outputWeights: a, outputBias: b)
  }
}
