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
    /// An unpenalised output bias b (squared loss only), in addition to the regularised ones column (MATH.md §0).
    public var unregularizedBias: Bool
    public var solver: ConvexSolverOptions

    public init(
      model: ConvexReLUModel = .relu, loss: ConvexLoss = .squared, beta: Double = 1,
      patterns: PatternSource = .sampled(count: 100, seed: 0), standardize: Bool = true, bias: Bool = true,
      solver: ConvexSolverOptions = ConvexSolverOptions(), unregularizedBias: Bool = false
    ) {
      self.unregularizedBias = unregularizedBias
      self.model = model
      self.loss = loss
      self.beta = beta
      self.patterns = patterns
      self.standardize = standardize
      self.bias = bias
      self.solver = solver
    }
  }

  /// The two classes of a classification fit (logistic or hinge loss, MATH.md §3.8): the convex program sees
  /// `negative` as −1 and `positive` as +1. Labels ±1 are kept as they are; any other two values are mapped in
  /// increasing order (e.g. {0, 1} → {−1, +1}, as scikit-learn's `classes_`).
  public struct ClassLabels: Sendable, Equatable {
    public var negative: Double
    public var positive: Double

    public init(negative: Double, positive: Double) {
      self.negative = negative
      self.positive = positive
    }

    /// ±1 (no mapping).
    public static let signs = ClassLabels(negative: -1, positive: 1)

    /// The classes of labels y and y mapped to ±1.
    /// - Throws: `.nonFinite`, `.invalidLabels` when y does not hold exactly two distinct values (or only ±1).
    public static func encoding(_ y: [Double], loss: ConvexLoss) throws(ConvexReLUError) -> (classes: ClassLabels, labels: [Double]) {
      for (j, t) in y.enumerated() where !t.isFinite { throw .nonFinite("target \(j) is \(t)") }
      if y.allSatisfy({ $0 == 1 || $0 == -1 }) && Set(y).count == 2 { return (.signs, y) }
      let distinct = Set(y).sorted()
      guard distinct.count == 2 else {
        let shown = distinct.prefix(4).map { String(describing: $0) }.joined(separator: ", ")
        throw .invalidLabels("the \(loss.rawValue) loss needs two classes — labels in {−1, +1}, or any two values (the smaller becomes −1) — but the targets hold \(distinct.count) distinct value\(distinct.count == 1 ? "" : "s") (\(shown)\(distinct.count > 4 ? ", …" : "")); for regression use the squared loss")
      }
      let c = ClassLabels(negative: distinct[0], positive: distinct[1])
      return (c, y.map { $0 == c.positive ? 1 : -1 })
    }

    /// `encoding` over the rows of a data-parallel run: the classes are the smallest and largest label of all the
    /// processes (one max-reduction each), and every process throws the same error when the run holds other values.
    public static func encoding(_ y: [Double], loss: ConvexLoss, rows: RowReduction) throws(ConvexReLUError) -> (classes: ClassLabels, labels: [Double]) {
      guard rows.isDistributed else { return try encoding(y, loss: loss) }
      let finite = rows.all(y.allSatisfy(\.isFinite))
      guard finite else { throw .nonFinite("a target of the data-parallel run is NaN or infinite") }
      let lo = -rows.max(-(y.min() ?? .infinity)), hi = rows.max(y.max() ?? -.infinity)
      let two = lo < hi && rows.all(y.allSatisfy { $0 == lo || $0 == hi })
      guard two else {
        throw .invalidLabels("the \(loss.rawValue) loss needs two classes — labels in {−1, +1}, or any two values (the smaller becomes −1) — but the targets of the run hold \(lo == hi ? "one value" : "more than two values"); for regression use the squared loss")
      }
      let c = lo == -1 && hi == 1 ? ClassLabels.signs : ClassLabels(negative: lo, positive: hi)
      return (c, y.map { $0 == c.positive ? 1 : -1 })
    }

    /// Labels in these classes mapped to ±1.
    /// - Throws: `.invalidLabels` naming the first label that is neither class.
    public func encode(_ y: [Double]) throws(ConvexReLUError) -> [Double] {
      var out = [Double](repeating: 0, count: y.count)
      for (j, t) in y.enumerated() {
        if t == positive { out[j] = 1 } else if t == negative { out[j] = -1 } else {
          throw .invalidLabels("label \(t) (row \(j)) is not one of the model's classes \(negative.shortString) and \(positive.shortString)")
        }
      }
      return out
    }

    /// The class of a score: `positive` if score ≥ 0, else `negative` (the sign rule of `score`).
    public func label(ofScore s: Double) -> Double { s >= 0 ? positive : negative }
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
    /// The classes of a classification fit (nil for the squared loss).
    public var classes: ClassLabels? = nil
    /// The names of the data columns the model was fitted on (features, then targets; nil when unknown), so that
    /// predictions on a CSV file pick the same columns by name.
    public var columns: DataColumns? = nil
  }

  /// Names of the feature and target columns of the training data (e.g. a CSV header).
  public struct DataColumns: Sendable, Equatable {
    public var features: [String]
    public var targets: [String]
    public init(features: [String], targets: [String]) {
      self.features = features
      self.targets = targets
    }
  }

  /// Records the data columns the model was fitted on (saved in the model file).
  /// - Throws: `.shapeMismatch` when the feature names do not match the fitted feature count.
  public mutating func recordColumns(_ columns: DataColumns) throws(ConvexReLUError) {
    guard var f = fitted else { throw .invalidParameter("the estimator is not fitted; call fit first") }
    guard columns.features.count == f.means.count else {
      throw .shapeMismatch("\(columns.features.count) feature names for a model of \(f.means.count) features")
    }
    f.columns = columns
    fitted = f
  }



  public var configuration: Configuration
  public internal(set) var fitted: Fitted?
  /// Where the training rows are: `.local`, or this process's block of a data-parallel run
  /// (`RowReduction.over(communicator)`): `fit` then takes the process's rows and reduces every sum over samples —
  /// the standardisation, the de-duplication of sampled patterns, the solve and its certificate — across the
  /// processes, so every process ends with the same fitted model as one process on all the rows. Implemented for the
  /// gated and exact programs with the squared and logistic losses and sampled or given gates (the exact program by
  /// column generation, without the crude global bound, which needs ‖X‖₂ on one process).
  public var rows: RowReduction = .local

  public init(configuration: Configuration = Configuration()) {
    self.configuration = configuration
  }

  /// Fits on X (n×d) and y (length n). For the logistic and hinge losses y holds two classes: ±1, or any two
  /// values, mapped to ±1 and recorded in `Fitted.classes` (see `ClassLabels.encoding`).
  /// - Throws: `ConvexReLUError` / `DataError` naming the problem (shapes, labels, β, patterns, …).
  public mutating func fit(data x: Matrix, targets labels: [Double]) throws {
    _ = try fit(data: x, targets: labels, warmStart: nil)
  }

  /// `fit`, warm-started from the solution of another fit on the same data and patterns (a neighbouring β on a
  /// regularisation path); returns this fit's solution, the next warm start.
  @discardableResult
  public mutating func fit(data x: Matrix, targets labels: [Double], warmStart: ConvexReLUSolution?) throws -> ConvexReLUSolution {
    let c = configuration
    guard x.rows == labels.count else { throw ConvexReLUError.shapeMismatch("X has \(x.rows) rows but y has \(labels.count) entries") }
    guard x.rows >= 1, x.columns >= 1 else { throw ConvexReLUError.shapeMismatch("X is \(x.rows)×\(x.columns); need samples and features") }
    if rows.isDistributed {
      guard c.loss != .hinge else {
        throw ConvexReLUError.invalidParameter("a data-parallel fit takes the squared and logistic losses (got \(c.loss.rawValue)); run hinge fits on one process")
      }
      guard c.model == .gatedReLU || !c.unregularizedBias else {
        throw ConvexReLUError.invalidParameter("a data-parallel fit of the exact ReLU program has no unregularised output bias yet; use the bias column (the default) or one process")
      }
      if case .enumerate = c.patterns {
        throw ConvexReLUError.invalidParameter("enumerating every pattern needs all the rows on one process; sample them (--patterns N) or give gates (--gates) for a data-parallel fit")
      }
    }
    var y = labels
    var classes: ClassLabels? = nil
    if c.loss != .squared { (classes, y) = try ClassLabels.encoding(labels, loss: c.loss, rows: rows) }
    try c.loss.validate(targets: y)
    let (means, scales, z, patterns) = try prepare(x)
    var program = try ConvexReLUProgram(data: z, targets: y, patterns: patterns, beta: c.beta, loss: c.loss, model: c.model,
      unregularizedBias: c.unregularizedBias)
    program.rows = rows
    let solution = try program.solve(options: c.solver, warmStart: warmStart)
    let network = solution.network(gates: patterns.gates)
    var global: ReLUCertificate? = nil
    // The crude global bound needs ‖X‖₂ and the network on all the rows: one process only.
    if !patterns.isComplete && c.model == .relu && !rows.isDistributed {
      global = try ReLUCertificate.certify(network: network, data: z, targets: y, beta: c.beta, loss: c.loss)
    }
    fitted = Fitted(
      means: means, scales: scales, gates: patterns.gates, patternOrigin: patterns.origin, network: network,
      report: solution.report, boundScope: patterns.isComplete ? .global : .sampled, globalCertificate: global,
      classes: classes)
    return solution
  }

  /// The preprocessing fitted on the training features x (standardisation when configured), the preprocessed data
  /// z (n×d') and its activation patterns.
  func prepare(_ x: Matrix) throws -> (means: [Double], scales: [Double], z: Matrix, patterns: ActivationPatterns) {
    var means = [Double](repeating: 0, count: x.columns)
    var scales = [Double](repeating: 1, count: x.columns)
    if configuration.standardize {
      let s = try Standardizer(fitting: x, rows: rows)
      means = s.means
      scales = s.scales
    }
    let z = try Self.preprocess(x, means: means, scales: scales, bias: configuration.bias)
    return (means, scales, z, try makePatterns(preprocessed: z, featureCount: x.columns))
  }

  /// The activation patterns of the configuration on preprocessed data z (n×d').
  func makePatterns(preprocessed z: Matrix, featureCount: Int) throws -> ActivationPatterns {
    try Self.patterns(configuration.patterns, preprocessed: z, featureCount: featureCount, bias: configuration.bias, budget: configuration.solver.memoryBudget, rows: rows)
  }

  /// First-layer activation patterns from a `PatternSource` on preprocessed data z (n×d'; d' = d + 1 with the bias),
  /// checked against the memory budget.
  static func patterns(
    _ source: PatternSource, preprocessed z: Matrix, featureCount: Int, bias: Bool, budget: MemoryBudget, rows: RowReduction = .local
  ) throws -> ActivationPatterns {
    switch source {
    case .sampled(let count, let seed):
      // The gates (d×count), X·G and the masks (n×count each) exist before de-duplication.
      let bytes = MemoryBudget.doubles(MemoryBudget.product(count, z.columns + 2 * z.rows))
      try budget.require(bytes, for: "sampling \(count) gates", hint: "sample fewer patterns (--patterns)")
      var gen = SeededGenerator(seed: seed)
      return try ActivationPatterns.sample(data: z, count: count, using: &gen, rows: rows)
    case .gates(let g):
      var gates = g
      if bias && g.rows == featureCount { gates = g.appendingRows(Matrix(rows: 1, columns: g.columns)) }
      guard gates.rows == z.columns else {
        throw ConvexReLUError.shapeMismatch("the gate matrix is \(g.rows)×\(g.columns) but the data has d = \(featureCount) features\(bias ? " (d + 1 = \(z.columns) with the bias)" : ""); give a d×P matrix, one gate per column")
      }
      return try ActivationPatterns.fromGates(gates, data: z, rows: rows)
    case .enumerate:
      // Per pattern: its mask and gate, and the solver's dozen n- and d-length buffers for each of its (up to two) blocks.
      let perPattern = MemoryBudget.doubles(MemoryBudget.product(25, z.rows + z.columns))
      return try ActivationPatterns.enumerate(data: z, maxPatterns: budget.bytes / Swift.max(1, perPattern))
    }
  }

  /// `(x − μ)/s`, then a column of ones if `bias`.
  static func preprocess(_ x: Matrix, means: [Double], scales: [Double], bias: Bool) throws(ConvexReLUError) -> Matrix {
    guard x.columns == means.count else {
      throw .shapeMismatch("the model was fitted on \(means.count) feature\(means.count == 1 ? "" : "s") but the data has \(x.columns) feature column\(x.columns == 1 ? "" : "s"); give the feature columns the model was fitted on, in the same order (a CSV may add the target as its last column or name it with --target)")
    }
    guard x.isFinite else { throw .nonFinite("the data matrix contains NaN or infinite values") }
    var z = x
    for j in 0..<x.columns { for i in 0..<x.rows { z[i, j] = (x[i, j] - means[j]) / scales[j] } }
    guard z.isFinite else {
      throw .nonFinite("the data, centred and scaled by the model's preprocessing, overflows double precision (finite values too far from the fitted means and scales); rescale the features")
    }
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
    try predictOutputs(x).column(0)
  }

  /// Predicted classes of a classification fit: `classes.positive` where the score ŷ ≥ 0, else `classes.negative`
  /// (the original label values, e.g. 0/1). For the squared loss, the predictions ŷ.
  public func predictLabels(_ x: Matrix) throws -> [Double] {
    let yhat = try predict(x)
    guard configuration.loss != .squared else { return yhat }
    let classes = try requireFitted().classes ?? .signs
    return yhat.map { classes.label(ofScore: $0) }
  }

  /// Labels y in the fitted classes mapped to ±1 (unchanged for the squared loss).
  func encodedLabels(_ y: [Double]) throws -> [Double] {
    guard configuration.loss != .squared else { return y }
    return try (try requireFitted().classes ?? .signs).encode(y)
  }

  /// Network outputs for every output column (n×k; k = 1 unless fitted on a target matrix).
  public func predictOutputs(_ x: Matrix) throws -> Matrix {
    let f = try requireFitted()
    return f.network.predict(try preprocessed(x))
  }

  /// R² for the squared loss; accuracy of sign(ŷ) against the labels for logistic/hinge (labels in the fitted
  /// classes, e.g. 0/1 if the model was fitted on 0/1).
  public func score(_ x: Matrix, _ labels: [Double]) throws -> Double {
    let yhat = try predict(x)
    guard yhat.count == labels.count else { throw ConvexReLUError.shapeMismatch("X has \(yhat.count) rows but y has \(labels.count) entries") }
    let y = try encodedLabels(labels)
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
  /// through all patterns when `enumerate` is true (small data only), by `dualNormBudget` seconds of branch and
  /// bound on c(v) when positive, crude otherwise. Classification labels are
  /// in the fitted classes.
  public func certificate(_ x: Matrix, _ y: [Double], enumerate: Bool = false, dualNormBudget: Double = 0) throws -> ReLUCertificate {
    let f = try requireFitted()
    let z = try preprocessed(x)
    let patterns = enumerate ? try ActivationPatterns.enumerate(data: z) : nil
    return try ReLUCertificate.certify(
      network: f.network, data: z, targets: try encodedLabels(y), beta: configuration.beta, loss: configuration.loss, patterns: patterns,
      dualNormBudget: dualNormBudget)
  }

  // MARK: - Save / load

  /// The fit summary of the issue's `--json` contract (objective, lower_bound, gap, neurons, patterns, …).
  public func summaryJSON() throws -> JSON {
    let f = try requireFitted()
    var pairs: [(String, JSON)] = [
      ("objective", .number(f.report.objective)), ("lower_bound", .number(f.report.lowerBound)),
      ("gap", .number(f.report.gap)), ("relative_gap", .number(f.report.relativeGap)),
      ("neurons", .number(Double(f.network.width))), ("patterns", .number(Double(f.gates.columns))),
      ("outputs", .number(Double(f.network.outputDimension))),
      ("iterations", .number(Double(f.report.iterations))), ("seconds", .number(f.report.seconds)),
      ("bound_scope", .string(f.boundScope.rawValue)), ("stop_reason", .string(f.report.stopReason.rawValue)),
      ("model", .string(configuration.model.rawValue)), ("loss", .string(configuration.loss.rawValue)),
      ("beta", .number(configuration.beta)),
    ]
    if let c = f.classes { pairs.append(("classes", .numbers([c.negative, c.positive]))) }
    if let passes = f.report.dataPasses { pairs.append(("data_passes", .number(passes))) }
    if let steps = f.report.newtonSteps { pairs.append(("newton_steps", .number(Double(steps)))) }
    if let g = f.globalCertificate {
      pairs.append(("global_lower_bound", .number(g.lowerBound)))
      pairs.append(("global_bound_scope", .string(g.scope.rawValue)))
    }
    return .object(pairs)
  }

  /// The model file (`ModelFile`): configuration, preprocessing, patterns' gates, weights and solver report.
  public func modelFile() throws -> ModelFile {
    let f = try requireFitted()
    return ModelFile(
      format: ModelFile.formatName, version: ModelFile.currentVersion, model: configuration.model, loss: configuration.loss,
      beta: configuration.beta, classes: f.classes.map { [$0.negative, $0.positive] },
      columns: f.columns.map { ModelFile.Columns(features: $0.features, targets: $0.targets) },
      preprocessing: .init(standardize: configuration.standardize, bias: configuration.bias, means: f.means, scales: f.scales),
      patterns: .init(origin: f.patternOrigin, count: f.gates.columns, gates: f.gates.rowArrays),
      network: .init(
        firstLayer: f.network.firstLayer.rowArrays, outputWeights: f.network.outputWeights.rowArrays,
        networkGates: f.network.gates?.rowArrays, outputBias: f.network.outputBias),
      solver: .init(
        objective: f.report.objective, lowerBound: f.report.lowerBound, gap: f.report.gap, boundScope: f.boundScope,
        iterations: f.report.iterations, outerIterations: f.report.outerIterations, seconds: f.report.seconds,
        stopReason: f.report.stopReason, constraintViolation: f.report.constraintViolation, tolerance: configuration.solver.tolerance))
  }

  /// Writes the model file atomically (`OutputFile`: never through a symbolic link, over a non-regular file or
  /// over one of `inputs`). An existing file is never replaced unless `overwrite` is true.
  /// - Throws: `.invalidParameter` for a fit whose objective or bound is not finite (nothing to save);
  ///   `OutputFileError` when the file may not or cannot be written.
  public func save(to path: String, overwrite: Bool = false, inputs: [(option: String, path: String)] = []) throws {
    let f = try requireFitted()
    guard f.report.objective.isFinite, f.report.lowerBound.isFinite, f.network.firstLayer.isFinite, f.network.outputWeights.isFinite,
      f.means.allSatisfy(\.isFinite), f.scales.allSatisfy({ $0.isFinite && $0 > 0 })
    else {
      throw ConvexReLUError.invalidParameter("the fit did not produce a finite network (objective \(f.report.objective), stop reason \(f.report.stopReason.rawValue)); no model file written — try a larger --beta or standardised features")
    }
    let text = String(decoding: try modelFile().encoded(), as: UTF8.self) + "\n"
    try OutputFile.write(text, to: path, overwrite: overwrite, inputs: inputs)
  }

  /// Reads a model file written by `save` (numbers round-trip exactly).
  /// - Throws: `.invalidParameter` naming the file and the missing/invalid field.
  public static func load(from path: String) throws -> ConvexReLUEstimator {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConvexReLUError.invalidParameter("cannot read the model file \(path) (missing or unreadable)")
    }
    return try decode(String(decoding: data, as: UTF8.self), file: path)
  }

  /// Reads the text of a model file (`file` names it in errors).
  /// - Throws: `.invalidParameter` naming the file and the missing/invalid field.
  public static func decode(_ text: String, file path: String = "<model>") throws -> ConvexReLUEstimator {
    try ConvexReLUEstimator(modelFile: try ModelFile.decode(Data(text.utf8), file: path), file: path)
  }

  /// The estimator a model file describes, after checking that its parts fit together (shapes, finite numbers,
  /// positive scales, two increasing classes).
  /// - Throws: `.invalidParameter` naming `file` and the entry at fault.
  public init(modelFile m: ModelFile, file path: String = "<model>") throws(ConvexReLUError) {
    func bad(_ what: String) -> ConvexReLUError { .invalidParameter("\(path): \(what); is this a model file written by `zerogap fit`?") }
    func matrix(_ rows: [[Double]], _ name: String, rowCount: Int? = nil, columnCount: Int? = nil) throws(ConvexReLUError) -> Matrix {
      let width = rows.first?.count ?? columnCount ?? 0
      guard rows.allSatisfy({ $0.count == width }) else { throw bad("ragged matrix \"\(name)\"") }
      if rows.isEmpty, let r = rowCount { return Matrix(rows: r, columns: 0) }
      return Matrix(rows: rows.count, columns: width, rowMajor: rows.flatMap { $0 })
    }
    guard m.beta > 0, m.beta.isFinite else { throw bad("invalid \"beta\" (a number > 0)") }
    var classes: ClassLabels? = nil
    if m.loss != .squared {
      classes = .signs
      if let c = m.classes {
        guard c.count == 2, c[0] < c[1] else { throw bad("invalid \"classes\" (two increasing numbers: the labels of −1 and +1)") }
        classes = ClassLabels(negative: c[0], positive: c[1])
      }
    }
    let pre = m.preprocessing
    guard pre.means.count == pre.scales.count, pre.scales.allSatisfy({ $0 > 0 && $0.isFinite }), pre.means.allSatisfy(\.isFinite) else {
      throw bad("invalid \"preprocessing\" (one finite mean and one positive scale per feature)")
    }
    let d = pre.means.count + (pre.bias ? 1 : 0)
    let gates = try matrix(m.patterns.gates, "patterns.gates")
    var w1 = try matrix(m.network.firstLayer, "network.first_layer")
    var w2 = try matrix(m.network.outputWeights, "network.output_weights", columnCount: 1)
    if w1.columns == 0 { w1 = Matrix(rows: d, columns: 0) }
    if w2.rows == 0 { w2 = Matrix(rows: 0, columns: Swift.max(1, w2.columns)) }
    var ng: Matrix? = nil
    if let g = m.network.networkGates {
      ng = try matrix(g, "network.network_gates")
      if ng?.columns == 0 { ng = Matrix(rows: d, columns: 0) }
    }
    guard w1.rows == d, w1.columns == w2.rows, ng.map({ $0.rows == d && $0.columns == w1.columns }) ?? true,
      gates.rows == d || gates.columns == 0
    else {
      throw bad("weight shapes \(w1.rows)×\(w1.columns) and \(w2.rows)×\(w2.columns) do not fit \(d) inputs")
    }
    if let b = m.network.outputBias, b.count != w2.columns { throw bad("invalid \"network.output_bias\" (one number per output)") }
    if let c = m.columns, c.features.count != pre.means.count { throw bad("invalid \"columns\" (one name per feature)") }
    let s = m.solver
    guard gates.isFinite, w1.isFinite, w2.isFinite, ng?.isFinite ?? true, m.network.outputBias?.allSatisfy(\.isFinite) ?? true,
      s.objective.isFinite, s.lowerBound.isFinite
    else { throw bad("a number is out of range") }
    let report = ConvexSolverReport(
      iterations: s.iterations, outerIterations: s.outerIterations, seconds: s.seconds, stopReason: s.stopReason,
      objective: s.objective, lowerBound: s.lowerBound, constraintViolation: s.constraintViolation)
    self.init(configuration: Configuration(
      model: m.model, loss: m.loss, beta: m.beta, patterns: .gates(gates), standardize: pre.standardize, bias: pre.bias,
      solver: ConvexSolverOptions(tolerance: s.tolerance > 0 && s.tolerance.isFinite ? s.tolerance : 1e-6),
      unregularizedBias: m.network.outputBias != nil))
    fitted = Fitted(
      means: pre.means, scales: pre.scales, gates: gates, patternOrigin: m.patterns.origin,
      network: TwoLayerReLUNetwork(firstLayer: w1, outputWeights: w2, gates: ng, outputBias: m.network.outputBias),
      report: report, boundScope: s.boundScope, globalCertificate: nil, classes: classes,
      columns: m.columns.map { DataColumns(features: $0.features, targets: $0.targets) })
  }
}

extension Double {
  /// 0.0 → "0", 2.5 → "2.5" (labels in messages).
  var shortString: String { self == rounded() && Swift.abs(self) < 1e15 ? String(Int(self)) : String(describing: self) }
}
