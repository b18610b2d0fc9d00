/// The convex program of a three-layer parallel ReLU network with scalar output (MATH.md §4.3), over first-layer
/// patterns D₁ (`ActivationPatterns` of X) and second-layer patterns D₂ (`HiddenPatterns`):
///
///     min  ℓ( Σ_{l,s} s D_{2l} h_{l,s} , y ) + β Σ_{i,l,s} (‖v_{ils}‖ + ‖w_{ils}‖),   h_{l,s} = Σ_i D_{1i} X (v_{ils} − w_{ils})
///     s.t. (2D_{1i} − I) X v_{ils} ≥ 0,  (2D_{1i} − I) X w_{ils} ≥ 0,  (2D_{2l} − I) h_{l,s} ≥ 0.
///
/// Its optimum is that of the parallel network of §4.1 with the branch penalty `β‖W₁‖_F‖w₂‖|z|` when both pattern
/// sets are complete (then the certified bound covers every parallel three-layer ReLU network of any width and any
/// number of branches: `BoundScope.global`); with sampled patterns it is an upper-bound program (`sampled`).
/// Solved by the augmented Lagrangian with FISTA inner solves (`ProximalGradientSolver` over `ParallelReLUBlocks`),
/// stopping on a certified relative gap; the certificate is the Lagrangian dual bound of `GroupSparseProgram` with
/// the multipliers of both layers' cones.
public struct ParallelReLUProgram: Sendable {
  public let data: Matrix
  public let targets: [Double]
  public let firstLayer: ActivationPatterns
  public let secondLayer: HiddenPatterns
  public let beta: Double
  public let loss: ConvexLoss

  /// - Throws: `.shapeMismatch`, `.nonFinite`, `.invalidParameter` (β), `.invalidLabels` (logistic needs ±1), and
  ///   for the hinge loss `.invalidParameter` (not implemented for this program).
  public init(
    data: Matrix, targets: [Double], firstLayer: ActivationPatterns, secondLayer: HiddenPatterns, beta: Double,
    loss: ConvexLoss = .squared
  ) throws(ConvexReLUError) {
    guard data.rows == targets.count, data.rows >= 1, data.columns >= 1 else {
      throw .shapeMismatch("X is \(data.rows)×\(data.columns) but y has \(targets.count) entries; need one target per sample and at least one feature")
    }
    guard firstLayer.sampleCount == data.rows, firstLayer.gates.rows == data.columns, secondLayer.sampleCount == data.rows else {
      throw .shapeMismatch("the patterns were built for other data (first layer: \(firstLayer.sampleCount) samples, second layer: \(secondLayer.sampleCount); X has \(data.rows))")
    }
    guard firstLayer.count >= 1, secondLayer.count >= 1 else { throw .invalidParameter("both layers need at least one activation pattern") }
    guard data.isFinite, targets.allSatisfy(\.isFinite) else { throw .nonFinite("the data or the targets contain NaN or infinite values") }
    guard beta > 0, beta.isFinite else { throw .invalidParameter("the regularisation β must be a finite number > 0 (got \(beta))") }
    guard loss != .hinge else {
      throw .invalidParameter("the parallel three-layer program is implemented for the squared and logistic losses (got hinge)")
    }
    try loss.validate(targets: targets)
    self.data = data
    self.targets = targets
    self.firstLayer = firstLayer
    self.secondLayer = secondLayer
    self.beta = beta
    self.loss = loss
  }

  /// Refuses, before any work, a program over P₁ × P₂ patterns whose buffers (about twenty n×B and d×B matrices,
  /// B = 4·P₁·P₂) would not fit the budget.
  public static func requireMemory(n: Int, d: Int, firstLayer p1: Int, secondLayer p2: Int, budget: MemoryBudget) throws(ConvexReLUError) {
    let blocks = MemoryBudget.product(4, MemoryBudget.product(p1, p2))
    let perBlock = MemoryBudget.doubles(MemoryBudget.product(20, n + d))
    try budget.require(
      MemoryBudget.product(perBlock, blocks),
      for: "the three-layer program over \(p1) × \(p2) patterns (\(blocks) blocks, n = \(n), d = \(d))",
      hint: "use fewer patterns in either layer")
  }

  /// Blocks 4·P₁·P₂ (vectors in R^d).
  public var blockCount: Int { 4 * firstLayer.count * secondLayer.count }

  /// What the certified lower bound covers: `global` when both layers' patterns are complete.
  public var boundScope: BoundScope { firstLayer.isComplete && secondLayer.isComplete ? .global : .sampled }

  var blocks: ParallelReLUBlocks {
    ParallelReLUBlocks(
      x: data, targets: targets, beta: beta, loss: SolverLoss(loss), masks1: firstLayer.masks, gates1: firstLayer.gates,
      masks2: secondLayer.masks)
  }

  /// Solves until the certified relative gap is at most `options.tolerance` or the budget runs out.
  /// - Throws: `.invalidParameter` for a non-positive tolerance, `.memoryLimit` when the program's buffers would not
  ///   fit the budget (with how many blocks it has).
  public func solve(options: ConvexSolverOptions = ConvexSolverOptions()) throws(ConvexReLUError) -> ParallelReLUSolution {
    guard options.tolerance > 0, options.tolerance.isFinite else { throw .invalidParameter("the gap tolerance must be > 0 (got \(options.tolerance))") }
    let n = data.rows, d = data.columns
    try Self.requireMemory(n: n, d: d, firstLayer: firstLayer.count, secondLayer: secondLayer.count, budget: options.memoryBudget)
    let program = blocks
    let result = ProximalGradientSolver(program: program).solve(start: nil, multipliers: nil, penalty: nil, options: options)
    var u = result.u
    var report = result.report
    var p = program.products(u)
    if !program.isFeasible(p) {
      // The returned point must be a point of the program: repair it and re-evaluate (or fall back to U = 0).
      if !program.repair(&u, products: &p) { u = Matrix(rows: d, columns: program.blockCount) }
      report.objective = program.networkObjective(u)
    }
    report.constraintViolation = program.constraintViolation(u)
    report.enforceCertificate(tolerance: options.tolerance)
    return ParallelReLUSolution(blocks: u, report: report, boundScope: boundScope, program: program)
  }
}

/// A solution of a `ParallelReLUProgram`: its blocks, the solver report and the recovered network.
public struct ParallelReLUSolution: Sendable {
  /// d×4P₁P₂ blocks (see `ParallelReLUBlocks` for their order).
  public let blocks: Matrix
  public let report: ConvexSolverReport
  /// What `report.lowerBound` covers.
  public let boundScope: BoundScope
  let program: ParallelReLUBlocks

  /// The parallel network of §4.3: each nonzero branch (l, s) has one first-layer neuron `√a·u/‖u‖` per nonzero
  /// block u (norm a) with second-layer weight `σ√a`; W₁ and w₂ are normalised to unit norm and z = s·T with
  /// T = Σ a, so the branch penalty is T and its output is `s(Σ σ (X u)_+)_+` (the convex prediction on a feasible
  /// point).
  public var network: ParallelReLUNetwork {
    let d = blocks.rows, per = 2 * program.p1
    var branches: [ParallelReLUNetwork.Branch] = []
    for g in 0..<program.branchCount {
      var cols: [[Double]] = []
      var w2: [Double] = []
      var total = 0.0
      for b in (g * per)..<((g + 1) * per) {
        let u = blocks.column(b)
        let a = u.norm2
        guard a > 0 else { continue }
        total += a
        cols.append(u.map { $0 / a.squareRoot() })
        w2.append(program.sigma[b] * a.squareRoot())
      }
      guard total > 0 else { continue }
      let r = total.squareRoot()
      let w1 = Matrix(rows: d, columns: cols.count, columnMajor: cols.flatMap { $0.map { $0 / r } })
      branches.append(.init(firstLayer: w1, secondLayer: w2.map { $0 / r }, output: program.branchSign(g) * total))
    }
    return ParallelReLUNetwork(inputDimension: d, branches: branches)
  }

  /// The convex prediction Σ s D₂ h (length n).
  public var prediction: [Double] { program.prediction(blocks) }
}
