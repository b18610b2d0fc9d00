/// Bounds for a two-layer ReLU network with k > 1 outputs (MATH.md §3.9), over one set of patterns:
///
/// * **upper bound**: one scalar program (§3.3 or §3.6) per column of Y, objectives summed. The recovered
///   networks are stacked into one vector-output network whose neurons each feed a single output (output weights
///   m×k, one nonzero per row), so its objective `(1/2)‖f(X) − Y‖_F² + (β/2)(‖U‖² + ‖A‖²)` equals the sum;
/// * **lower bound**: the nuclear-norm gated program (`NuclearGatedReLUProgram`) over the same patterns, certified
///   by its dual. Any per-column solution is a point of it (block V_i = Σ_c (v_ic − w_ic)e_cᵀ has
///   ‖V_i‖_* ≤ Σ_c ‖v_ic − w_ic‖), so LB ≤ UB; with all patterns it bounds the vector-output ReLU problem.
public struct VectorOutputReLU: Sendable {
  /// Everything the two solves produce.
  public struct Result: Sendable {
    /// One scalar solution per output column.
    public var perOutput: [ConvexReLUSolution]
    /// The stacked vector-output network (k outputs).
    public var network: TwoLayerReLUNetwork
    /// Σ_c of the per-column objectives: an attained upper bound.
    public var upperBound: Double
    /// Certified lower bound of the nuclear-norm gated program over the same patterns.
    public var lowerBound: Double
    /// The nuclear-norm program's own report (its objective is a gated vector-output network's value).
    public var nuclearReport: ConvexSolverReport
    /// `global` when the patterns are complete (the bound covers every vector-output ReLU network), else `sampled`.
    public var scope: BoundScope
    public var gap: Double { upperBound - lowerBound }
    public var relativeGap: Double { ConvexSolverReport.relative(upperBound, lowerBound) }
  }

  /// Solves both programs on X (n×d), Y (n×k), squared loss.
  /// - Throws: `ConvexReLUError` (shapes, β, non-finite values, no patterns).
  public static func solve(
    data x: Matrix, targets y: Matrix, patterns: ActivationPatterns, beta: Double, model: ConvexReLUModel = .relu,
    options: ConvexSolverOptions = ConvexSolverOptions()
  ) throws(ConvexReLUError) -> Result {
    let nuclear = try NuclearGatedReLUProgram(data: x, targets: y, patterns: patterns, beta: beta)
    var per: [ConvexReLUSolution] = []
    var ub = 0.0
    var w1: [[Double]] = []
    var alphas: [(row: Int, value: Double)] = []
    var gates: [[Double]] = []
    for c in 0..<y.columns {
      let prog = try ConvexReLUProgram(data: x, targets: y.column(c), patterns: patterns, beta: beta, model: model)
      let s = try prog.solve(options: options)
      per.append(s)
      ub += s.report.objective
      let net = s.network(gates: patterns.gates)
      for j in 0..<net.width {
        w1.append(net.firstLayer.column(j))
        alphas.append((c, net.outputWeights[j, 0]))
        if let g = net.gates { gates.append(g.column(j)) }
      }
    }
    let d = x.columns, m = w1.count
    var a = Matrix(rows: m, columns: y.columns)
    for (j, e) in alphas.enumerated() { a[j, e.row] = e.value }
    let network = TwoLayerReLUNetwork(
      firstLayer: Matrix(rows: d, columns: m, columnMajor: w1.flatMap { $0 }), outputWeights: a,
      gates: model == .gatedReLU ? Matrix(rows: d, columns: m, columnMajor: gates.flatMap { $0 }) : nil)
    let (_, report) = try nuclear.solve(options: options)
    return Result(
      perOutput: per, network: network, upperBound: ub, lowerBound: report.lowerBound, nuclearReport: report,
      scope: patterns.isComplete ? .global : .sampled)
  }
}
