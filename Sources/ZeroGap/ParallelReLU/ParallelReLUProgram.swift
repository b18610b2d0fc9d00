/// The convex program of a parallel deep ReLU network with scalar output: three layers (MATH.md §4.3) over
/// first-layer patterns D₁ (`ActivationPatterns` of X) and second-layer patterns D₂ (`HiddenPatterns`),
///
///     min  ℓ( Σ_{l,s} s D_{2l} h_{l,s} , y ) + β Σ_{i,l,s} (‖v_{ils}‖ + ‖w_{ils}‖),   h_{l,s} = Σ_i D_{1i} X (v_{ils} − w_{ils})
///     s.t. (2D_{1i} − I) X v_{ils} ≥ 0,  (2D_{1i} − I) X w_{ils} ≥ 0,  (2D_{2l} − I) h_{l,s} ≥ 0,
///
/// and deeper (§4.4) with one more pattern level per hidden layer (`hiddenLayers`: D₂, D₃, …; the tree of
/// `ParallelReLUBlocks`, 2P₁·Π_k 2P_k blocks).
///
/// At depth 3 its optimum is that of the parallel network of §4.1 with the branch penalty `β‖W₁‖_F‖w₂‖|z|`; deeper,
/// that of parallel networks under the path-norm regulariser of §4.4 (at most the Frobenius product). When every
/// level's patterns are complete the certified bound covers every such network of any width and any number of
/// branches (`BoundScope.global`); with sampled patterns it is an upper-bound program (`sampled`).
/// Solved, at depth 3 with the squared loss, by a structured interior-point method (`ParallelReLUInteriorPoint`);
/// otherwise by the augmented Lagrangian with FISTA inner solves (`ProximalGradientSolver` over `ParallelReLUBlocks`)
/// (`ConvexSolverOptions.parallelAlgorithm` chooses). Both stop on a certified relative gap; the certificate is the
/// Lagrangian dual bound of §3.5 with the multipliers of every level's cones.
public struct ParallelReLUProgram: Sendable {
  public let data: Matrix
  public let targets: [Double]
  public let firstLayer: ActivationPatterns
  /// The hidden levels' patterns: D₂ (depth 3), then D₃ … (depth ≥ 4, MATH.md §4.4).
  public let hiddenLayers: [HiddenPatterns]
  public let beta: Double
  public let loss: ConvexLoss

  /// - Throws: `.shapeMismatch`, `.nonFinite`, `.invalidParameter` (β), `.invalidLabels` (logistic needs ±1), and
  ///   for the hinge loss `.invalidParameter` (not implemented for this program).
  /// The three-layer program (§4.3).
  public init(
    data: Matrix, targets: [Double], firstLayer: ActivationPatterns, secondLayer: HiddenPatterns, beta: Double,
    loss: ConvexLoss = .squared
  ) throws(ConvexReLUError) {
    try self.init(data: data, targets: targets, firstLayer: firstLayer, hiddenLayers: [secondLayer], beta: beta, loss: loss)
  }

  /// The program of depth `hiddenLayers.count + 2` (§4.3 for one hidden level, the recursion of §4.4 beyond).
  public init(
    data: Matrix, targets: [Double], firstLayer: ActivationPatterns, hiddenLayers: [HiddenPatterns], beta: Double,
    loss: ConvexLoss = .squared
  ) throws(ConvexReLUError) {
    guard data.rows == targets.count, data.rows >= 1, data.columns >= 1 else {
      throw .shapeMismatch("X is \(data.rows)×\(data.columns) but y has \(targets.count) entries; need one target per sample and at least one feature")
    }
    guard !hiddenLayers.isEmpty else { throw .invalidParameter("a parallel ReLU program needs at least one hidden pattern level (depth ≥ 3)") }
    guard firstLayer.sampleCount == data.rows, firstLayer.gates.rows == data.columns, hiddenLayers.allSatisfy({ $0.sampleCount == data.rows }) else {
      throw .shapeMismatch("the patterns were built for other data (first layer: \(firstLayer.sampleCount) samples, hidden layers: \(hiddenLayers.map(\.sampleCount)); X has \(data.rows))")
    }
    guard firstLayer.count >= 1, hiddenLayers.allSatisfy({ $0.count >= 1 }) else { throw .invalidParameter("every layer needs at least one activation pattern") }
    guard data.isFinite, targets.allSatisfy(\.isFinite) else { throw .nonFinite("the data or the targets contain NaN or infinite values") }
    guard beta > 0, beta.isFinite else { throw .invalidParameter("the regularisation β must be a finite number > 0 (got \(beta))") }
    guard loss != .hinge else {
      throw .invalidParameter("the parallel three-layer program is implemented for the squared and logistic losses (got hinge)")
    }
    try loss.validate(targets: targets)
    self.data = data
    self.targets = targets
    self.firstLayer = firstLayer
    self.hiddenLayers = hiddenLayers
    self.beta = beta
    self.loss = loss
  }

  /// The second layer's patterns D₂.
  public var secondLayer: HiddenPatterns { hiddenLayers[0] }
  /// The network depth: 2 + the number of hidden pattern levels.
  public var depth: Int { hiddenLayers.count + 2 }

  /// Blocks of a program over P₁ × P₂ × … patterns: 2P₁ · Π_k 2P_k (saturating).
  public static func blockCount(firstLayer p1: Int, hiddenLayers counts: [Int]) -> Int {
    counts.reduce(MemoryBudget.product(2, p1)) { MemoryBudget.product($0, MemoryBudget.product(2, $1)) }
  }

  /// Refuses, before any work, a program over P₁ × P₂ patterns whose buffers (about twenty n×B and d×B matrices,
  /// B = 4·P₁·P₂) would not fit the budget.
  public static func requireMemory(n: Int, d: Int, firstLayer p1: Int, secondLayer p2: Int, budget: MemoryBudget) throws(ConvexReLUError) {
    try requireMemory(n: n, d: d, firstLayer: p1, hiddenLayers: [p2], budget: budget)
  }

  /// The same for any depth: B = 2P₁ · Π_k 2P_k blocks.
  public static func requireMemory(n: Int, d: Int, firstLayer p1: Int, hiddenLayers counts: [Int], budget: MemoryBudget) throws(ConvexReLUError) {
    let blocks = blockCount(firstLayer: p1, hiddenLayers: counts)
    let perBlock = MemoryBudget.doubles(MemoryBudget.product(20, n + d))
    let sizes = ([p1] + counts).map(String.init).joined(separator: " × ")
    try budget.require(
      MemoryBudget.product(perBlock, blocks),
      for: "the depth-\(counts.count + 2) program over \(sizes) patterns (\(blocks) blocks, n = \(n), d = \(d))",
      hint: "use fewer patterns in some layer")
  }

  /// Blocks 2P₁ · Π_k 2P_k (vectors in R^d): 4·P₁·P₂ at depth 3.
  public var blockCount: Int { Self.blockCount(firstLayer: firstLayer.count, hiddenLayers: hiddenLayers.map(\.count)) }

  /// What the certified lower bound covers: `global` when every layer's patterns are complete.
  public var boundScope: BoundScope { firstLayer.isComplete && hiddenLayers.allSatisfy(\.isComplete) ? .global : .sampled }

  var blocks: ParallelReLUBlocks {
    ParallelReLUBlocks(
      x: data, targets: targets, beta: beta, loss: SolverLoss(loss), masks1: firstLayer.masks, gates1: firstLayer.gates,
      hidden: hiddenLayers.map(\.masks))
  }

  /// Solves until the certified relative gap is at most `options.tolerance` or the budget runs out.
  /// - Throws: `.invalidParameter` for a non-positive tolerance, `.memoryLimit` when the program's buffers would not
  ///   fit the budget (with how many blocks it has).
  public func solve(options: ConvexSolverOptions = ConvexSolverOptions()) throws(ConvexReLUError) -> ParallelReLUSolution {
    guard options.tolerance > 0, options.tolerance.isFinite else { throw .invalidParameter("the gap tolerance must be > 0 (got \(options.tolerance))") }
    let n = data.rows, d = data.columns
    try Self.requireMemory(n: n, d: d, firstLayer: firstLayer.count, hiddenLayers: hiddenLayers.map(\.count), budget: options.memoryBudget)
    let program = blocks
    if options.parallelAlgorithm != .augmentedLagrangian, let ipm = ParallelReLUInteriorPoint(program: program),
      options.parallelAlgorithm == .interiorPoint || options.memoryBudget.allows(ipm.memoryBytes)
    {
      try options.memoryBudget.require(
        ipm.memoryBytes, for: "the interior-point method over \(blockCount) blocks (n = \(n))", hint: "use fewer patterns in some layer")
      let result = ipm.solve(options: options)
      return ParallelReLUSolution(blocks: result.blocks, report: result.report, boundScope: boundScope, program: program)
    }
    if options.parallelAlgorithm == .interiorPoint {
      throw .invalidParameter("the interior-point method applies to the depth-3 program with the squared loss and no zero row of X (and no sample inactive in every first-layer pattern); use the augmented Lagrangian")
    }
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

  /// The network of any depth (§4.4): per branch (top node), W₁ holds its nonzero blocks u_b, each next layer
  /// connects a level's nonzero nodes to their parents with the children's signs σ, and z is the branch sign, so the
  /// branch's path norm is Σ_b ‖u_b‖ (its share of the penalty) and its output the tree's ReLU value (the convex
  /// prediction on a feasible point).
  public var deepNetwork: DeepParallelReLUNetwork {
    let d = blocks.rows, p = program, top = p.levels - 2
    var branches: [DeepParallelReLUNetwork.Branch] = []
    for g in 0..<p.branchCount {
      // Units per level below the top: first the blocks, then the nodes of each hidden level index 0..<top.
      let size = p.subtreeSizes[top]
      var alive = (g * size..<((g + 1) * size)).filter { blocks.column($0).norm2 > 0 }
      guard !alive.isEmpty else { continue }
      var layers = [Matrix(rows: d, columns: alive.count, columnMajor: alive.flatMap { blocks.column($0) })]
      var unitSigns = alive.map { p.sigma[$0] }
      var parentOf: (Int) -> Int = { $0 / (2 * p.p1) }
      for k in 0...top {
        let parents = Array(Set(alive.map(parentOf))).sorted()
        var w = Matrix(rows: alive.count, columns: parents.count)
        for (r, unit) in alive.enumerated() { w[r, parents.firstIndex(of: parentOf(unit))!] = unitSigns[r] }
        layers.append(w)
        let pk = p.hidden[k].columns
        unitSigns = parents.map { p.nodeSigma[k][$0] }
        alive = parents
        parentOf = { $0 / (2 * pk) }
      }
      branches.append(.init(layers: layers, output: p.branchSign(g)))
    }
    return DeepParallelReLUNetwork(inputDimension: d, branches: branches)
  }

  /// The convex prediction Σ s D₂ h (length n).
  public var prediction: [Double] { program.prediction(blocks) }
}
