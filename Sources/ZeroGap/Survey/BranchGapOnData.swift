/// MATH.md §8 on real data: a parallel network of I branches, each a single ReLU neuron `α_i (X u_i)_+` (the smallest
/// ReLU sub-network; together a two-layer network of width I), with weight decay (β/2) Σ_i (‖u_i‖² + α_i²), on
/// preprocessed data. Its convexified value (I → ∞) is the two-layer convex program over **all** activation patterns
/// (§3.3), computed with a certified lower bound LB; P(I) is upper-bounded by the best of training restarts of the
/// width-I network. `gap(I) = P(I) − LB` is then at least the true gap P(I) − p* and shrinks to zero once I reaches
/// the number of neurons of the convex solution (a two-layer net of that width attains p*). Zhang et al.'s bound 2Δ/I
/// needs each branch's nonconvexity Δ, which is not computable for real networks: it is not reported here.
public struct BranchGapOnData: Sendable {
  public struct Row: Sendable {
    public var branches: Int
    /// The best objective of the training restarts (an attained value: an upper bound on P(I)).
    public var primal: Double
    /// primal − LB.
    public var gap: Double
  }

  /// The convex program's objective (p*, attained by its recovered network) and certified lower bound.
  public var convexObjective: Double
  public var lowerBound: Double
  /// Neurons of the convex solution.
  public var convexNeurons: Int
  public var patterns: Int
  public var rows: [Row]

  /// - Parameters:
  ///   - x: preprocessed features (a bias is a ones column); y the targets.
  /// - Throws: `ConvexReLUError` from the program (e.g. too many patterns to enumerate).
  public static func compute(
    x: Matrix, y: [Double], beta: Double, branches: [Int], restarts: Int = 8, seed: UInt64 = 0,
    options: ConvexSolverOptions = ConvexSolverOptions(tolerance: 1e-8), progress: ((Int) -> Void)? = nil
  ) throws(ConvexReLUError) -> BranchGapOnData {
    let patterns = try ActivationPatterns.enumerate(data: x)
    let sol = try ConvexReLUProgram(data: x, targets: y, patterns: patterns, beta: beta).solve(options: options)
    let network = sol.network(gates: patterns.gates)
    let convex = network.objective(data: x, targets: y, beta: beta)
    var rows: [Row] = []
    for i in branches {
      progress?(i)
      let objective = try TwoLayerReLUObjective(data: x, targets: y, width: i, beta: beta)
      var trainer = TwoPhaseTrainer(adamLearningRate: 1e-2, adamIterations: 3000, restarts: Swift.max(1, restarts))
      trainer.lbfgsPolish = LBFGS(iterations: 5000)
      var gen = SeededGenerator(seed: seed &+ UInt64(i))
      let best = trainer.train(objective, using: &gen).best?.objective ?? .infinity
      rows.append(Row(branches: i, primal: best, gap: best - sol.report.lowerBound))
    }
    return BranchGapOnData(
      convexObjective: convex, lowerBound: sol.report.lowerBound, convexNeurons: network.width, patterns: patterns.count, rows: rows)
  }
}
