import ArgumentParser
import Foundation
import ZeroGap

/// Loading data for `fit`, `predict` and `certify`: a CSV file (targets by `--target`, default the last
/// column), a `.npy` features file with `--targets Y.npy`, or a built-in dataset name. An option that does not
/// apply to the kind of data given is an error, never silently ignored.
struct ReLUDataOptions: ParsableArguments {
  @Option(help: "A CSV file with a header, a .npy features file (with --targets), or a built-in dataset name.")
  var data: String
  @Option(parsing: .unconditional, help: "Target column(s) of a CSV file: header name or 0-based index, comma-separated for several outputs (default: the last column).")
  var target: String?
  @Option(help: "Targets .npy file (n or n×1) when --data is a .npy features file.")
  var targets: String?
  @Option(help: "Seed for synthetic built-in datasets.")
  var dataSeed: UInt64 = 0

  /// The input files these options name (for the output-file checks).
  var inputFiles: [(option: String, path: String)] {
    [("--data", data)] + (targets.map { [("--targets", $0)] } ?? [])
  }

  /// Features and (scalar) targets; targets nil when the file has only feature columns (`featureCount`).
  func load(featureCount: Int? = nil, columns: ConvexReLUEstimator.DataColumns? = nil) throws -> (x: Matrix, y: [Double]?) {
    let loaded = try loadMatrix(featureCount: featureCount, columns: columns)
    return (loaded.x, try loaded.y.map(scalar))
  }

  /// Features, targets (n×k; several CSV columns with `--target a,b`) and the column names when known. Targets
  /// are nil when the file has only feature columns (`featureCount`). With `columns` (a model's), a CSV file's
  /// columns are chosen by those names unless `--target` is given.
  func loadMatrix(featureCount: Int? = nil, columns: ConvexReLUEstimator.DataColumns? = nil) throws
    -> (x: Matrix, y: Matrix?, columns: ConvexReLUEstimator.DataColumns?)
  {
    let isFile = FileManager.default.fileExists(atPath: data)
    if !isFile && BuiltinDatasets.names.contains(data) {
      if let t = target {
        throw ValidationError("--target \(t) applies to CSV files; the built-in dataset \(data) has a fixed target; to choose a column, give a CSV file")
      }
      if let t = targets { throw ValidationError("--targets \(t) applies to .npy features; the built-in dataset \(data) has its own targets") }
      let ds = try BuiltinDatasets.load(data, seed: dataSeed)
      return (ds.features, ds.targets, .init(features: ds.featureNames, targets: ds.targetNames))
    }
    guard isFile else {
      throw ValidationError("--data \(data): no such file, and not a built-in dataset (\(BuiltinDatasets.names.joined(separator: ", ")))")
    }
    if data.lowercased().hasSuffix(".npy") {
      if let t = target {
        throw ValidationError("--target \(t) names a CSV column; with .npy features give the targets as a file: --targets Y.npy")
      }
      let x = try NPY.read(path: data).matrix
      guard let t = targets else { return (x, nil, nil) }
      let y = try NPY.read(path: t).matrix
      guard y.rows == x.rows else { throw ValidationError("--targets \(t) has \(y.rows) rows but --data \(data) has \(x.rows)") }
      return (x, y, nil)
    }
    if let t = targets {
      throw ValidationError("--targets \(t) goes with .npy features; in the CSV file \(data) choose the target column with --target NAME or --target INDEX")
    }
    let table = try CSVReader.read(path: data)
    if let names = columns, target == nil {
      return try selectByName(table, names)
    }
    if let d = featureCount, table.header.count == d, target == nil {
      let ds = try CSVReader.dataset(from: table, targets: [.index(0)], name: data)
      // All columns are features: rebuild X with the first column put back.
      let x = ds.targets.appendingColumns(ds.features)
      return (x, nil, nil)
    }
    let sel: [TargetColumn] = (target?.split(separator: ",").map(String.init) ?? []).map { t in Int(t).map { .index($0) } ?? .name(t) }
    let ds = try CSVReader.dataset(from: table, targets: sel, name: data)
    return (ds.features, ds.targets, .init(features: ds.featureNames, targets: ds.targetNames))
  }

  /// The model's feature columns by name (and its target columns when the file has them).
  private func selectByName(_ table: CSVTable, _ names: ConvexReLUEstimator.DataColumns) throws
    -> (x: Matrix, y: Matrix?, columns: ConvexReLUEstimator.DataColumns?)
  {
    let missing = names.features.filter { !table.header.contains($0) }
    guard missing.isEmpty else {
      throw ValidationError("the model was fitted on the columns \(names.features.joined(separator: ", ")), but \(data) has no column \(missing.prefix(3).joined(separator: ", "))\(missing.count > 3 ? ", …" : ""); give a CSV file with the model's feature columns (by name, in any order)")
    }
    let hasTargets = !names.targets.isEmpty && names.targets.allSatisfy { table.header.contains($0) }
    let wanted = names.features + (hasTargets ? names.targets : [])
    let all = try CSVReader.matrix(from: table, names: wanted)
    let x = all.columns(0..<names.features.count)
    let y = hasTargets ? all.columns(names.features.count..<wanted.count) : nil
    return (x, y, names)
  }

  private func scalar(_ y: Matrix) throws -> [Double] {
    guard y.columns == 1 else {
      throw ValidationError("the targets have \(y.columns) columns; this command handles one output (choose it with --target; fit accepts several)")
    }
    return y.column(0)
  }
}

/// Exit codes of the commands (documented in `zerogap fit --help` and the README).
enum ZeroGapExit {
  /// The fit ran but its certified relative gap is above `--tol` (model still written, with its gap).
  static let notCertified = ExitCode(3)
}

/// Two-class labels mapped to {−1, +1} for the classification losses (MATH.md §3.8; the smaller value becomes
/// −1, see `ConvexReLUEstimator.ClassLabels`), saying so on stderr unless quiet. Unchanged for the squared loss.
fileprivate func classificationLabels(_ y: [Double], loss: ConvexLoss, quiet: Bool) throws -> [Double] {
  guard loss != .squared else { return y }
  let (classes, encoded) = try ConvexReLUEstimator.ClassLabels.encoding(y, loss: loss)
  if !quiet && classes != .signs { FileHandle.standardError.write(Data("note: \(classesText(classes)) for the \(loss.rawValue) loss\n".utf8)) }
  return encoded
}

/// "labels 0 → −1, 1 → +1".
fileprivate func classesText(_ c: ConvexReLUEstimator.ClassLabels) -> String {
  "labels \(shortNumber(c.negative)) → −1, \(shortNumber(c.positive)) → +1"
}

/// 1.0 → "1", 0.5 → "0.5" (labels).
func shortNumber(_ x: Double) -> String {
  x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(describing: x)
}

/// The progress line of long solves (stderr): iteration, objective, certified gap, time.
@Sendable fileprivate func printProgress(_ p: ConvexSolverProgress) {
  let objective = p.objective.isFinite ? formatNumber(p.objective) : "– (no feasible network yet)"
  let gap = p.relativeGap.isFinite ? formatScientific(p.relativeGap) : "–"
  let line = "iteration \(p.iteration)  objective \(objective)  certified gap \(gap)  \(formatFixed(p.seconds, decimals: 2)) s\n"
  FileHandle.standardError.write(Data(line.utf8))
}

/// A run-time failure of a command (printed as "Error: …" without the usage text of a `ValidationError`).
struct CommandFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

fileprivate func reluError(_ message: String) {
  FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
}

extension ZeroGapCommand {
  /// `zerogap fit`: a two-layer ReLU network trained to a certified optimum through its convex program.
  struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train a two-layer ReLU network to a certified global optimum (convex program, MATH.md §3).",
      discussion: """
        Solves the convex program over sampled (--patterns N, default 100), given (--gates G.npy, d×P) or all \
        (--enumerate) activation patterns, stops on a certified relative duality gap (--tol), recovers an ordinary \
        network and writes it to --output. The objective is the unnormalised (1/2)‖ŷ − y‖² + β·Σ group norms \
        (MATH.md §0; Σ log(1 + e^(−yŷ)) or Σ (1 − yŷ)_+ for the logistic and hinge losses). The hinge loss is \
        solved by Huber smoothing under continuation and reports the true hinge objective and dual bound. \
        Features are standardised and a ones column (a regularised bias) is appended unless --no-standardize / \
        --no-bias. A progress line (iteration, objective, certified gap, time) goes to stderr on long solves, \
        never with --json. bound_scope says what the lower bound covers (MATH.md §3.5): "sampled" — the program \
        over these patterns, i.e. ReLU networks whose neurons use only these patterns (--model relu) or gated \
        networks with these gates (--model gated-relu); "global" (--enumerate) — every network of the model \
        class, of any width. For --model relu over sampled patterns the fit also reports a global bound on every \
        two-layer ReLU network (exact for one feature + bias, otherwise the crude bound of §3.5.3). \
        The model file records the data's column names; predict and certify pick the same columns of a CSV file \
        by name.

        Exit codes: 0 — certified: the relative gap is within --tol; 3 — the fit ran but is not certified \
        (budget exhausted, stalled, or a vector-output fit whose bound is the nuclear-norm relaxation); the model \
        is still written, with its gap; 1 — an error (bad data, an unwritable --output, a diverged solve: no model \
        written); 64 — invalid options. --output is checked before the solve: it must not be an input file, a \
        symbolic link or a non-regular file, and its directory must exist.
        """
    )
    @OptionGroup var source: ReLUDataOptions
    @Option(help: "relu (exact, cone-constrained) or gated-relu (unconstrained relaxation).") var model: String = "relu"
    @Option(help: "squared, logistic or hinge. Classification losses need two classes: labels ±1, or any two values (e.g. 0/1: the smaller is the negative class; recorded in the model file, and predict prints them).") var loss: String = "squared"
    @Option(parsing: .unconditional, help: "Regularisation β > 0 (unnormalised; scnn's λ equals β/n).") var beta: Double = 1
    @Option(parsing: .unconditional, help: "Number of Gaussian gates to sample (patterns are de-duplicated).") var patterns: Int?
    @Option(help: "Gates as a d×P .npy matrix (one gate per column).") var gates: String?
    @Flag(help: "Enumerate every activation pattern (exact; small data only).") var enumerate = false
    @Option(help: "Seed for the sampled gates.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Certified relative-gap tolerance.") var tol: Double = 1e-6
    @Option(parsing: .unconditional, help: "Iteration budget of the solver.") var maxIterations: Int = 100_000
    @Flag(help: "Do not append a (regularised) bias column.") var noBias = false
    @Flag(help: "Add an unpenalised output bias b to ŷ (squared loss only; minimised exactly, dual gains 1ᵀv = 0).") var unregularizedBias = false
    @Flag(help: "Do not standardise the features.") var noStandardize = false
    @Option(help: "Where to write the model file (JSON). An existing file is kept unless --force is given.") var output: String?
    @Flag(help: "Replace the --output file if it already exists.") var force = false
    @Flag(help: "Print machine-readable JSON (and no progress lines).") var json = false
    @Option(help: "Seconds between progress lines on stderr (iteration, objective, certified gap, time).") var progressInterval: Double = 1
    @Option(help: "Memory the solve may use, e.g. 8G or 512M (default: ZEROGAP_MEMORY_LIMIT, else a quarter of physical memory). Larger problems are refused with what they need.") var memoryLimit: String?

    /// Every input file, for the output-file checks.
    var inputFiles: [(option: String, path: String)] { source.inputFiles + (gates.map { [("--gates", $0)] } ?? []) }

    func validate() throws {
      if let output {
        // Before any work: the model file must be writable and must not replace an input or a non-regular file.
        do { try OutputFile.check(output, overwrite: force, inputs: inputFiles) } catch { throw ValidationError(error.description) }
      }
      guard progressInterval >= 0, progressInterval.isFinite else { throw ValidationError("--progress-interval must be ≥ 0 seconds") }
      guard ConvexReLUModel(rawValue: model) != nil else { throw ValidationError("--model must be relu or gated-relu (got \(model))") }
      guard ConvexLoss(rawValue: loss) != nil else { throw ValidationError("--loss must be squared, logistic or hinge (got \(loss))") }
      guard beta > 0, beta.isFinite else { throw ValidationError("--beta must be a number > 0 (got \(beta))") }
      guard tol > 0, tol < 1 else { throw ValidationError("--tol must be in (0, 1) (got \(tol))") }
      guard maxIterations >= 1 else { throw ValidationError("--max-iterations must be ≥ 1") }
      let chosen = [patterns != nil, gates != nil, enumerate].filter { $0 }.count
      guard chosen <= 1 else { throw ValidationError("choose one of --patterns N, --gates G.npy and --enumerate") }
      if let p = patterns, p < 1 { throw ValidationError("--patterns must be ≥ 1 (got \(p))") }
      if let m = memoryLimit, MemoryBudget.parse(m) == nil { throw ValidationError("--memory-limit must be a size such as 8G, 512M or 1000000 bytes (got \(m))") }
      if unregularizedBias && loss != "squared" {
        throw ValidationError("--unregularized-bias is implemented for --loss squared only (got \(loss)); the default regularised bias column works with every loss")
      }
    }

    func run() throws {
      let lossKind = ConvexLoss(rawValue: loss) ?? .squared
      do {
        let (x, yMatrix, names) = try source.loadMatrix()
        guard let yAll = yMatrix else { throw ValidationError("--data has no target column; give --target (CSV) or --targets (npy)") }
        let y = yAll.columns == 1 ? yAll.column(0) : []
        var patternSource = ConvexReLUEstimator.PatternSource.sampled(count: patterns ?? 100, seed: seed)
        if let g = gates { patternSource = .gates(try NPY.read(path: g).matrix) }
        if enumerate { patternSource = .enumerate }
        let quiet = json
        if enumerate && !quiet { FileHandle.standardError.write(Data("enumerating every activation pattern (exact)…\n".utf8)) }
        var progress: (@Sendable (ConvexSolverProgress) -> Void)? = nil
        if !quiet {
          // Short solves stay silent: the first line comes once the solve has run for one interval.
          let interval = progressInterval
          progress = { p in if p.seconds >= interval { printProgress(p) } }
        }
        var solverOptions = ConvexSolverOptions(tolerance: tol, maxIterations: maxIterations, progress: progress, progressInterval: progressInterval)
        if let m = memoryLimit.flatMap(MemoryBudget.parse) { solverOptions.memoryBudget = MemoryBudget(bytes: m) }
        var est = ConvexReLUEstimator(configuration: .init(
          model: ConvexReLUModel(rawValue: model) ?? .relu, loss: lossKind, beta: beta, patterns: patternSource,
          standardize: !noStandardize, bias: !noBias,
          solver: solverOptions,
          unregularizedBias: unregularizedBias))
        if yAll.columns > 1 { try est.fit(data: x, targetMatrix: yAll) } else { try est.fit(data: x, targets: y) }
        if let names { try est.recordColumns(names) }
        if let out = output { try est.save(to: out, overwrite: force, inputs: inputFiles) }
        guard let f = est.fitted else { return }
        guard f.report.objective.isFinite && f.report.lowerBound.isFinite else {
          throw CommandFailure("the solve did not reach a finite objective and bound (stop reason \(f.report.stopReason.rawValue)); try a larger --beta, standardised features or another loss")
        }
        if json {
          print(try est.summaryJSON().serialized())
        } else {
          print("objective    \(formatNumber(f.report.objective))   (upper bound: the returned network's value)")
          if yAll.columns > 1 {
            print("outputs      \(yAll.columns): objective = Σ of per-output programs (one network per output, MATH.md §3.9)")
            print("lower bound  \(formatNumber(f.report.lowerBound))   (nuclear-norm gated program over the \(f.boundScope == .global ? "complete" : "sampled") patterns)")
          } else {
            let covers: String
            switch (f.boundScope, est.configuration.model) {
            case (.global, .relu): covers = "global: no two-layer ReLU network does better"
            case (.global, _): covers = "global: no gated-ReLU network does better"
            case (_, .relu): covers = "sampled: no ReLU network whose neurons use only these patterns does better"
            default: covers = "sampled: no gated-ReLU network with these gates does better"
            }
            print("lower bound  \(formatNumber(f.report.lowerBound))   (\(covers))")
          }
          print("gap          \(formatScientific(f.report.gap))   relative \(formatScientific(f.report.relativeGap))   (\(f.report.stopReason.rawValue))")
          if f.report.gap < 0 {
            print("             (negative: the network leaves the sampled patterns and beats every network restricted to them)")
          }
          if let g = f.globalCertificate {
            print("global bound \(formatNumber(g.lowerBound))   (\(g.scope.rawValue) bound on the full nonconvex problem)")
          }
          if let c = f.classes, c != .signs { print("classes      \(classesText(c)) (recorded in the model file; predict prints these labels)") }
          print("network      \(f.network.width) neurons from \(f.gates.columns) patterns; \(f.report.iterations) iterations in \(formatFixed(f.report.seconds, decimals: 3)) s")
          let trainScore = yAll.columns > 1 ? try est.score(x, targetMatrix: yAll) : try est.score(x, y)
          print("train score  \(formatNumber(trainScore)) (\(lossKind == .squared ? "R²" : "accuracy"))")
          if let out = output {
            print("model        written to \(out)")
          } else {
            print("model        not saved (give --output FILE to use it with predict and certify)")
          }
        }
        if !f.report.isCertified(tolerance: tol) {
          let gap = f.report.relativeGap.isFinite ? formatScientific(f.report.relativeGap) : "unknown"
          reluError("not certified: the relative gap \(gap) is above --tol \(formatScientific(tol)) (stop reason \(f.report.stopReason.rawValue))\(output != nil ? "; the model was written with its gap" : ""); raise --max-iterations, loosen --tol or use fewer patterns (exit code 3)")
          throw ZeroGapExit.notCertified
        }
      } catch let e as ValidationError {
        throw e
      } catch let e as ExitCode {
        throw e
      } catch {
        reluError("\(error)")
        throw ExitCode.failure
      }
    }
  }

  /// `zerogap predict`: predictions of a saved model.
  struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Predict with a model file written by `zerogap fit`.",
      discussion: """
        Output on stdout: one line per sample of --data, in order, no header.

        Squared loss: the prediction ŷ (k comma-separated values for a model fitted on k target columns).

        Logistic or hinge loss: label,score. The score is the network output ŷ; the label is the predicted \
        class: the model's positive class where score ≥ 0, its negative class otherwise, in the labels the model \
        was fitted on (e.g. 0/1; `fit` records them in the model file). For the logistic loss, \
        P(positive class) = 1/(1 + exp(−score)).

        When --data also holds the targets (a CSV with one more column than the model's features, --target, or \
        --targets), R² (squared loss) or accuracy (fraction of labels predicted right) goes to stderr.

        --json prints one object instead: "predictions" (ŷ, or the labels for classification), "scores" (ŷ) and \
        "classes" ([negative, positive]) for classification, and "r2" or "accuracy" when targets are present.
        """)
    @Option(help: "The model file (JSON) written by `zerogap fit --output`.") var model: String
    @OptionGroup var source: ReLUDataOptions
    @Flag(help: "Print machine-readable JSON (see the description above).") var json = false

    func run() throws {
      do {
        let est = try ConvexReLUEstimator.load(from: model)
        guard let f = est.fitted else { return }
        if f.network.outputDimension > 1 { return try predictVector(est) }
        let (x, yRaw) = try source.load(featureCount: f.means.count, columns: f.columns)
        let scores = try est.predict(x)
        guard scores.allSatisfy(\.isFinite) else {
          throw CommandFailure("some predictions overflow (the model's weights or the data are too large for double precision)")
        }
        let classification = est.configuration.loss != .squared
        var score: Double? = nil
        if let y = yRaw { score = try est.score(x, y) }
        let scoreName = classification ? "accuracy" : "r2"
        if classification {
          let labels = try est.predictLabels(x)
          let classes = f.classes ?? .signs
          if json {
            var pairs: [(String, JSON)] = [
              ("predictions", .numbers(labels)), ("scores", .numbers(scores)),
              ("classes", .numbers([classes.negative, classes.positive])),
            ]
            if let s = score { pairs.append((scoreName, .number(s))) }
            print(JSON.object(pairs).serialized())
          } else {
            for (l, s) in zip(labels, scores) { print("\(shortNumber(l)),\(String(describing: s))") }
          }
        } else if json {
          var pairs: [(String, JSON)] = [("predictions", .numbers(scores))]
          if let s = score { pairs.append((scoreName, .number(s))) }
          print(JSON.object(pairs).serialized())
        } else {
          scores.forEach { print(String(describing: $0)) }
        }
        if !json, let s = score {
          FileHandle.standardError.write(Data("\(classification ? "accuracy" : "R²") \(formatNumber(s))\n".utf8))
        }
      } catch let e as ValidationError {
        throw e
      } catch let e as ExitCode {
        throw e
      } catch {
        reluError("\(error)")
        throw ExitCode.failure
      }
    }
  }
}

extension ZeroGapCommand.Predict {
  /// Predictions of a k-output model: one row per sample (comma-separated), or JSON rows.
  func predictVector(_ est: ConvexReLUEstimator) throws {
    guard let f = est.fitted else { return }
    let (x, yRaw, _) = try source.loadMatrix(featureCount: f.means.count, columns: f.columns)
    let yhat = try est.predictOutputs(x)
    guard yhat.isFinite else { throw CommandFailure("some predictions overflow (the model's weights or the data are too large for double precision)") }
    var score: Double? = nil
    if let y = yRaw, y.columns == yhat.columns { score = try est.score(x, targetMatrix: y) }
    if json {
      var pairs: [(String, JSON)] = [("predictions", .array(yhat.rowArrays.map { JSON.numbers($0) }))]
      if let s = score { pairs.append(("r2", .number(s))) }
      print(JSON.object(pairs).serialized())
    } else {
      for row in yhat.rowArrays { print(row.map { String(describing: $0) }.joined(separator: ",")) }
      if let s = score { FileHandle.standardError.write(Data("R² \(formatNumber(s))\n".utf8)) }
    }
  }
}

extension ZeroGapCommand {
  /// `zerogap certify`: objective, dual lower bound and gap of any two-layer ReLU network.
  struct Certify: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Certify how far a two-layer ReLU network is from the global optimum (MATH.md §3.5).",
      discussion: """
        The network is a model file (--model) or two .npy files: --w1 (d×m first layer) and --w2 (m×1 output \
        weights), acting on the raw features. Reports the network's objective (upper bound), a valid dual lower \
        bound and what it covers: global (exact for d = 2, or all patterns with --enumerate) or crude.
        """
    )
    @Option(help: "A model file written by `zerogap fit`.") var model: String?
    @Option(help: "First-layer weights W1 (.npy, d×m).") var w1: String?
    @Option(help: "Output weights W2 (.npy, m×1).") var w2: String?
    @OptionGroup var source: ReLUDataOptions
    @Option(parsing: .unconditional, help: "Regularisation β (default: the model file's).") var beta: Double?
    @Option(help: "Loss for --w1/--w2 networks: squared, logistic or hinge.") var loss: String = "squared"
    @Flag(help: "Enumerate all patterns for a global bound (small data only).") var enumerate = false
    @Flag(help: "Print machine-readable JSON.") var json = false

    func validate() throws {
      guard (model != nil) != (w1 != nil || w2 != nil) else { throw ValidationError("give either --model FILE or both --w1 W1.npy and --w2 W2.npy") }
      if model == nil { guard w1 != nil && w2 != nil else { throw ValidationError("--w1 and --w2 go together") } }
      if model == nil { guard beta != nil else { throw ValidationError("--beta is required with --w1/--w2") } }
      if let b = beta { guard b > 0, b.isFinite else { throw ValidationError("--beta must be > 0 (got \(b))") } }
      guard ConvexLoss(rawValue: loss) != nil else { throw ValidationError("--loss must be squared, logistic or hinge") }
    }

    func run() throws {
      do {
        let cert: ReLUCertificate
        if let m = model {
          let est = try ConvexReLUEstimator.load(from: m)
          guard let f = est.fitted else { return }
          if f.network.gates != nil {
            throw CommandFailure("\(m) is a gated-ReLU model: its certificate is the one `fit` reported (objective \(formatNumber(f.report.objective)), lower bound \(formatNumber(f.report.lowerBound)), scope \(f.boundScope.rawValue), in the model file's \"solver\" entry); certify applies to ReLU models (fit --model relu) and to --w1/--w2 networks")
          }
          if f.network.outputDimension > 1 {
            throw CommandFailure("\(m) has \(f.network.outputDimension) outputs; certificates are implemented for one output (MATH.md §3.5) — fit and certify one target column at a time")
          }
          let (x, yRaw) = try source.load(featureCount: f.means.count, columns: f.columns)
          guard let yl = yRaw else { throw ValidationError("certify needs targets: a CSV with a target column (--target) or --targets Y.npy") }
          var e = est
          if let b = beta { e.configuration.beta = b }
          cert = try e.certificate(x, yl, enumerate: enumerate)
        } else if let p1 = w1, let p2 = w2, let b = beta {
          let lossKind = ConvexLoss(rawValue: loss) ?? .squared
          let net = try TwoLayerReLUNetwork.validated(firstLayer: try NPY.read(path: p1).matrix, outputWeights: try NPY.read(path: p2).matrix)
          let (x, yRaw) = try source.load(featureCount: net.inputDimension)
          guard let yl = yRaw else { throw ValidationError("certify needs targets (--target / --targets)") }
          let pats = enumerate ? try ActivationPatterns.enumerate(data: x) : nil
          cert = try ReLUCertificate.certify(network: net, data: x, targets: try classificationLabels(yl, loss: lossKind, quiet: json), beta: b, loss: lossKind, patterns: pats)
        } else {
          return
        }
        guard cert.objective.isFinite && cert.lowerBound.isFinite else {
          throw CommandFailure("the network's objective or its bound overflows double precision (objective \(cert.objective)); the weights or the data are too large — rescale them")
        }
        if json {
          print(JSON.object([
            ("objective", .number(cert.objective)), ("lower_bound", .number(cert.lowerBound)), ("gap", .number(cert.gap)),
            ("relative_gap", .number(cert.relativeGap)), ("bound_scope", .string(cert.scope.rawValue)),
            ("dual_norm_bound", .number(cert.dualNormBound)), ("dual_scale", .number(cert.dualScale)),
          ]).serialized())
        } else {
          print("objective    \(formatNumber(cert.objective))   (the network's value: an upper bound)")
          print("lower bound  \(formatNumber(cert.lowerBound))   (\(cert.scope.rawValue) bound on every two-layer ReLU network of any width)")
          if cert.scope == .crude {
            print("             (crude: ‖X‖₂‖v‖₂ of MATH.md §3.5.3, valid but loose; --enumerate gives the exact global bound on small data)")
          }
          print("gap          \(formatScientific(cert.gap))   relative \(formatScientific(cert.relativeGap))")
        }
      } catch let e as ValidationError {
        throw e
      } catch let e as ExitCode {
        throw e
      } catch {
        reluError("\(error)")
        throw ExitCode.failure
      }
    }
  }
}
