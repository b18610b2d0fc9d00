import Foundation

/// A two-layer ReLU (or gated-ReLU) network trained to certified global optimality through its convex program
/// (MATH.md §3), in the style of an estimator: configure, `fit`, `predict`, `score`, `certificate`, `save`/`load`.
///
/// Preprocessing: features are standardised (optional) and a column of ones is appended (optional), so the bias
/// is regularised like every other weight (MATH.md §0). The fitted network acts on preprocessed features.
public struct ConvexReLUEstimator: Sendable {
  /// Where the activation patterns come from (§3.2).
  public enum PatternSource: Sendable, Equatable {
    /// `count` Gaussian gates from `seed`, de-duplicated.
    case sampled(count: Int, seed: UInt64)
    /// Gates given by the user: d×P (or (d+1)×P including the bias coordinate; d×P gets a zero bias row).
    case gates(Matrix)
    /// Every pattern (exact; refused with a suggestion to sample when too large).
    case enumerate
  }

  /// Hyper-parameters.
  public struct Configuration: Sendable {
    public var model: ConvexReLUModel
    public var loss: ConvexLoss
    /// Regularisation β > 0 (unnormalised convention, §0).
    public var beta: Double
    public var patterns: PatternSource
    public var standardize: Bool
    public var bias: Bool
    public var solver: ConvexSolverOptions

    public init(
      model: ConvexReLUModel = .relu, loss: ConvexLoss = .squared, beta: Double = 1,
      patterns: PatternSource = .sampled(count: 100, seed: 0), standardize: Bool = true, bias: Bool = true,
      solver: ConvexSolverOptions = ConvexSolverOptions()
    ) {
      self.model = model
      self.loss = loss
      self.beta = beta
      self.patterns = patterns
      self.standardize = standardize
      self.bias = bias
      self.solver = solver
    }
  }

  /// Everything `fit` produces.
  public struct Fitted: Sendable {
    /// Feature means and scales (identity when not standardising).
    public var means: [Double]
    public var scales: [Double]
    /// The patterns' gates in preprocessed coordinates (d'×P), and where they came from.
    public var gates: Matrix
    public var patternOrigin: ActivationPatterns.Origin
    /// The recovered network (on preprocessed features).
    public var network: TwoLayerReLUNetwork
    /// Solver report: objective (upper bound), certified lower bound, iterations, time.
    public var report: ConvexSolverReport
    /// What the report's lower bound covers: `global` when all patterns were enumerated, else `sampled`.
    public var boundScope: BoundScope
    /// A bound on the full nonconvex problem for the fitted network (exact for d' = 2, else crude) — nil when
    /// `boundScope` is already global.
    public var globalCertificate: ReLUCertificate?
  }

  public var configuration: Configuration
  public private(set) var fitted: Fitted?

  public init(configuration: Configuration = Configuration()) {
    self.configuration = configuration
  }

  /// Fits on X (n×d) and y (length n).
  /// - Throws: `ConvexReLUError` / `DataError` naming the problem (shapes, labels, β, patterns, …).
  public mutating func fit(data x: Matrix, targets y: [Double]) throws {
    let c = configuration
    guard x.rows == y.count else { throw ConvexReLUError.shapeMismatch("X has \(x.rows) rows but y has \(y.count) entries") }
    guard x.rows >= 1, x.columns >= 1 else { throw ConvexReLUError.shapeMismatch("X is \(x.rows)×\(x.columns); need samples and features") }
    try c.loss.validate(targets: y)
    var means = [Double](repeating: 0, count: x.columns)
    var scales = [Double](repeating: 1, count: x.columns)
    if c.standardize {
      let s = try Standardizer(fitting: x)
      means = s.means
      scales = s.scales
    }
    let z = try Self.preprocess(x, means: means, scales: scales, bias: c.bias)
    let patterns: ActivationPatterns
    switch c.patterns {
    case .sampled(let count, let seed):
      var gen = SeededGenerator(seed: seed)
      patterns = try ActivationPatterns.sample(data: z, count: count, using: &gen)
    case .gates(let g):
      var gates = g
      if c.bias && g.rows == x.columns { gates = g.appendingRows(Matrix(rows: 1, columns: g.columns)) }
      guard gates.rows == z.columns else {
        throw ConvexReLUError.shapeMismatch("the gate matrix is \(g.rows)×\(g.columns) but the data has d = \(x.columns) features\(c.bias ? " (d + 1 = \(z.columns) with the bias)" : ""); give a d×P matrix, one gate per column")
      }
      patterns = try ActivationPatterns.fromGates(gates, data: z)
    case .enumerate:
      patterns = try ActivationPatterns.enumerate(data: z)
    }
    let program = try ConvexReLUProgram(data: z, targets: y, patterns: patterns, beta: c.beta, loss: c.loss, model: c.model)
    let solution = try program.solve(options: c.solver)
    let network = solution.network(gates: patterns.gates)
    var global: ReLUCertificate? = nil
    if !patterns.isComplete && c.model == .relu {
      global = try ReLUCertificate.certify(network: network, data: z, targets: y, beta: c.beta, loss: c.loss)
    }
    fitted = Fitted(
      means: means, scales: scales, gates: patterns.gates, patternOrigin: patterns.origin, network: network,
      report: solution.report, boundScope: patterns.isComplete ? .global : .sampled, globalCertificate: global)
  }

  /// `(x − μ)/s`, then a column of ones if `bias`.
  static func preprocess(_ x: Matrix, means: [Double], scales: [Double], bias: Bool) throws(ConvexReLUError) -> Matrix {
    guard x.columns == means.count else {
      throw .shapeMismatch("the model was fitted on \(means.count) features but the data has \(x.columns) columns")
    }
    guard x.isFinite else { throw .nonFinite("the data matrix contains NaN or infinite values") }
    var z = x
    for j in 0..<x.columns { for i in 0..<x.rows { z[i, j] = (x[i, j] - means[j]) / scales[j] } }
    return bias ? z.appendingColumns(Matrix(rows: x.rows, columns: 1, repeating: 1)) : z
  }

  func requireFitted() throws(ConvexReLUError) -> Fitted {
    guard let f = fitted else { throw .invalidParameter("the estimator is not fitted; call fit (or load a model file) first") }
    return f
  }

  /// The data as the network sees it.
  public func preprocessed(_ x: Matrix) throws -> Matrix {
    let f = try requireFitted()
    return try Self.preprocess(x, means: f.means, scales: f.scales, bias: configuration.bias)
  }

  /// Network outputs ŷ (raw scores for classification losses).
  public func predict(_ x: Matrix) throws -> [Double] {
    let f = try requireFitted()
    return f.network.predict(try preprocessed(x)).column(0)
  }

  /// R² for the squared loss; accuracy of sign(ŷ) against ±1 labels for logistic/hinge.
  public func score(_ x: Matrix, _ y: [Double]) throws -> Double {
    let yhat = try predict(x)
    guard yhat.count == y.count else { throw ConvexReLUError.shapeMismatch("X has \(yhat.count) rows but y has \(y.count) entries") }
    if configuration.loss == .squared {
      let mean = y.reduce(0, +) / Double(max(1, y.count))
      var ssRes = 0.0, ssTot = 0.0
      for j in 0..<y.count {
        ssRes += (y[j] - yhat[j]) * (y[j] - yhat[j])
        ssTot += (y[j] - mean) * (y[j] - mean)
      }
      return ssTot > 0 ? 1 - ssRes / ssTot : (ssRes == 0 ? 1 : 0)
    }
    var correct = 0
    for j in 0..<y.count where (yhat[j] >= 0 ? 1.0 : -1.0) == y[j] { correct += 1 }
    return Double(correct) / Double(max(1, y.count))
  }

  /// A certificate of the fitted network on (x, y) for the full nonconvex problem (§3.5): exact for d' = 2,
  /// through all patterns when `enumerate` is true (small data only), crude otherwise.
  public func certificate(_ x: Matrix, _ y: [Double], enumerate: Bool = false) throws -> ReLUCertificate {
    let f = try requireFitted()
    let z = try preprocessed(x)
    let patterns = enumerate ? try ActivationPatterns.enumerate(data: z) : nil
    return try ReLUCertificate.certify(network: f.network, data: z, targets: y, beta: configuration.beta, loss: configuration.loss, patterns: patterns)
  }

  // MARK: - Save / load

  /// The fit summary of the issue's `--json` contract (objective, lower_bound, gap, neurons, patterns, …).
  public func summaryJSON() throws -> JSON {
    let f = try requireFitted()
    var pairs: [(String, JSON)] = [
      ("objective", .number(f.report.objective)), ("lower_bound", .number(f.report.lowerBound)),
      ("gap", .number(f.report.gap)), ("relative_gap", .number(f.report.relativeGap)),
      ("neurons", .number(Double(f.network.width))), ("patterns", .number(Double(f.gates.columns))),
      ("iterations", .number(Double(f.report.iterations))), ("seconds", .number(f.report.seconds)),
      ("bound_scope", .string(f.boundScope.rawValue)), ("stop_reason", .string(f.report.stopReason.rawValue)),
      ("model", .string(configuration.model.rawValue)), ("loss", .string(configuration.loss.rawValue)),
      ("beta", .number(configuration.beta)),
    ]
    if let g = f.globalCertificate {
      pairs.append(("global_lower_bound", .number(g.lowerBound)))
      pairs.append(("global_bound_scope", .string(g.scope.rawValue)))
    }
    return .object(pairs)
  }

  /// The model file: configuration, preprocessing, patterns' gates, weights and solver report (JSON).
  public func modelJSON() throws -> JSON {
    let f = try requireFitted()
    func mat(_ m: Matrix) -> JSON { .array(m.rowArrays.map { JSON.numbers($0) }) }
    return .object([
      ("format", .string("zerogap-two-layer-relu")), ("version", .number(1)),
      ("model", .string(configuration.model.rawValue)), ("loss", .string(configuration.loss.rawValue)),
      ("beta", .number(configuration.beta)),
      ("preprocessing", .object([
        ("standardize", .bool(configuration.standardize)), ("bias", .bool(configuration.bias)),
        ("means", .numbers(f.means)), ("scales", .numbers(f.scales)),
      ])),
      ("patterns", .object([
        ("origin", .string(f.patternOrigin.rawValue)), ("count", .number(Double(f.gates.columns))),
        ("gates", mat(f.gates)),
      ])),
      ("network", .object([
        ("first_layer", mat(f.network.firstLayer)), ("output_weights", mat(f.network.outputWeights)),
        ("network_gates", f.network.gates.map(mat) ?? .null),
      ])),
      ("solver", .object([
        ("objective", .number(f.report.objective)), ("lower_bound", .number(f.report.lowerBound)),
        ("gap", .number(f.report.gap)), ("bound_scope", .string(f.boundScope.rawValue)),
        ("iterations", .number(Double(f.report.iterations))), ("outer_iterations", .number(Double(f.report.outerIterations))),
        ("seconds", .number(f.report.seconds)), ("stop_reason", .string(f.report.stopReason.rawValue)),
        ("constraint_violation", .number(f.report.constraintViolation)), ("tolerance", .number(configuration.solver.tolerance)),
      ])),
    ])
  }

  /// Writes the model file.
  public func save(to path: String) throws {
    let text = try modelJSON().serialized() + "\n"
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
      throw ConvexReLUError.invalidParameter("cannot write the model file \(path): \(error.localizedDescription)")
    }
  }

  /// Reads a model file written by `save`.
  /// - Throws: `.invalidParameter` naming the file and the missing/invalid field.
  public static func load(from path: String) throws -> ConvexReLUEstimator {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConvexReLUError.invalidParameter("cannot read the model file \(path) (missing or unreadable)")
    }
    let any: Any
    do { any = try JSONSerialization.jsonObject(with: data) } catch {
      throw ConvexReLUError.invalidParameter("\(path) is not valid JSON: \(error.localizedDescription)")
    }
    func bad(_ what: String) -> ConvexReLUError { .invalidParameter("\(path): \(what); is this a model file written by `zerogap fit`?") }
    guard let root = any as? [String: Any], root["format"] as? String == "zerogap-two-layer-relu" else { throw bad("missing \"format\": \"zerogap-two-layer-relu\"") }
    func num(_ v: Any?) -> Double? { (v as? NSNumber)?.doubleValue }
    func nums(_ v: Any?) -> [Double]? { (v as? [Any])?.compactMap { num($0) } }
    func mat(_ v: Any?, _ name: String) throws -> Matrix {
      guard let rows = v as? [Any] else { throw bad("missing matrix \"\(name)\"") }
      let r = try rows.map { row -> [Double] in
        guard let x = nums(row), x.count == (row as? [Any])?.count else { throw bad("non-numeric entry in \"\(name)\"") }
        return x
      }
      guard let n = r.first?.count, r.allSatisfy({ $0.count == n }) else {
        if r.isEmpty { return Matrix(rows: 0, columns: 0) }
        throw bad("ragged matrix \"\(name)\"")
      }
      return Matrix(r)
    }
    guard let modelName = root["model"] as? String, let model = ConvexReLUModel(rawValue: modelName) else { throw bad("unknown \"model\"") }
    guard let lossName = root["loss"] as? String, let loss = ConvexLoss(rawValue: lossName) else { throw bad("unknown \"loss\"") }
    guard let beta = num(root["beta"]) else { throw bad("missing \"beta\"") }
    guard let pre = root["preprocessing"] as? [String: Any], let means = nums(pre["means"]), let scales = nums(pre["scales"]),
      let standardize = pre["standardize"] as? Bool, let bias = pre["bias"] as? Bool, means.count == scales.count
    else { throw bad("missing or invalid \"preprocessing\"") }
    guard let pat = root["patterns"] as? [String: Any], let originName = pat["origin"] as? String,
      let origin = ActivationPatterns.Origin(rawValue: originName)
    else { throw bad("missing or invalid \"patterns\"") }
    let gates = try mat(pat["gates"], "gates")
    guard let net = root["network"] as? [String: Any] else { throw bad("missing \"network\"") }
    let w1 = try mat(net["first_layer"], "first_layer")
    let w2 = try mat(net["output_weights"], "output_weights")
    let ng: Matrix? = (net["network_gates"] is NSNull || net["network_gates"] == nil) ? nil : try mat(net["network_gates"], "network_gates")
    let d = means.count + (bias ? 1 : 0)
    guard w1.columns == w2.rows, w1.rows == d || w1.columns == 0 else { throw bad("weight shapes \(w1.rows)×\(w1.columns) and \(w2.rows)×\(w2.columns) do not fit \(d) inputs") }
    guard let solver = root["solver"] as? [String: Any], let obj = num(solver["objective"]), let lb = num(solver["lower_bound"]),
      let scopeName = solver["bound_scope"] as? String, let scope = BoundScope(rawValue: scopeName)
    else { throw bad("missing or invalid \"solver\"") }
    let stop = (solver["stop_reason"] as? String).flatMap(StopReason.init(rawValue:)) ?? .converged
    let report = ConvexSolverReport(
      iterations: Int(num(solver["iterations"]) ?? 0), outerIterations: Int(num(solver["outer_iterations"]) ?? 0),
      seconds: num(solver["seconds"]) ?? 0, stopReason: stop, objective: obj, lowerBound: lb,
      constraintViolation: num(solver["constraint_violation"]) ?? 0)
    let first = w1.columns == 0 ? Matrix(rows: d, columns: 0) : w1
    let second = w2.columns == 0 ? Matrix(rows: 0, columns: 1) : w2
    var est = ConvexReLUEstimator(configuration: Configuration(
      model: model, loss: loss, beta: beta, patterns: .gates(gates), standardize: standardize, bias: bias,
      solver: ConvexSolverOptions(tolerance: num(solver["tolerance"]) ?? 1e-6)))
    est.fitted = Fitted(
      means: means, scales: scales, gates: gates, patternOrigin: origin,
      network: TwoLayerReLUNetwork(firstLayer: first, outputWeights: second, gates: ng),
      report: report, boundScope: scope, globalCertificate: nil)
    return est
  }
}
