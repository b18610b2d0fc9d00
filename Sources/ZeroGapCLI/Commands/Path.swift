import ArgumentParser
import Foundation
import ZeroGap

extension ZeroGapCommand {
  /// `zerogap path`: warm-started certified two-layer fits over β, with validation error and the chosen β.
  struct Path: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Regularisation path: certified two-layer ReLU fits over β, warm-started, with validation error (MATH.md §3).",
      discussion: """
        Splits --data into a training part and a validation part (--validation fraction, seeded by --seed; 0 for \
        none), then fits the convex program of `fit` at every β — --betas 1,0.5,0.1 or --betas auto:N (N values \
        log-spaced from β_max down to 10⁻³·β_max; β_max, the smallest β whose optimum is the zero network, is \
        computed on the training part) — from the largest β down, each fit warm-started from the previous one \
        and certified to --tol like `fit`. Each row: β, objective, lower bound, relative gap, neurons, iterations, \
        training and validation error (mean squared error for the squared loss, misclassification rate for \
        logistic and hinge). The chosen β has the smallest validation error (the larger β on ties). With \
        --output-dir DIR the chosen model is written to DIR/model.json (and with --export-chosen, \
        DIR/model.safetensors); an existing file is kept unless --force. --cold fits every β from scratch (to \
        compare: the total iterations are reported). JSON: {"rows": [{"beta", "objective", "lower_bound", \
        "relative_gap", "neurons", "iterations", "stop_reason", "train_error", "validation_error"}], \
        "chosen_beta", "beta_max", "total_iterations", "warm_start"}. Exit code 3 if some fit is not certified.
        """)

    @OptionGroup var source: ReLUDataOptions
    @Option(help: "β values, comma-separated, or auto:N (default auto:10).") var betas: String = "auto:10"
    @Option(help: "Fraction of the samples held out for validation (0: none).") var validation: Double = 0.2
    @Option(help: "Seed of the validation split.") var seed: UInt64 = 0
    @Option(help: "relu or gated-relu.") var model: ConvexReLUModel = .relu
    @Option(help: "squared, logistic or hinge.") var loss: ConvexLoss = .squared
    @Option(parsing: .unconditional, help: "Number of Gaussian gates to sample.") var patterns: Int = 100
    @Option(help: "Seed for the sampled gates.") var patternSeed: UInt64 = 0
    @Flag(help: "Add an unpenalised output bias (squared loss only).") var unregularizedBias = false
    @Option(help: "Directory for the chosen β's model (model.json).") var outputDir: String?
    @Flag(help: "Also write the chosen network as DIR/model.safetensors (relu models).") var exportChosen = false
    @Flag(help: "Replace existing files in --output-dir.") var force = false
    @Flag(help: "Fit every β from scratch instead of warm-starting.") var cold = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var solver: SolverOptions

    var betaChoice: RegularizationPath.Betas {
      get throws {
        if betas.hasPrefix("auto:") {
          guard let n = Int(betas.dropFirst(5)), n >= 1, n <= 1000 else { throw ValidationError("--betas auto:N needs an integer 1 ≤ N ≤ 1000 (got \(betas))") }
          return .auto(count: n)
        }
        let values = betas.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 && $0!.isFinite }) else {
          throw ValidationError("--betas needs positive numbers separated by commas, or auto:N (got \(betas))")
        }
        return .values(values.map { $0! })
      }
    }

    func validate() throws {
      _ = try betaChoice
      guard validation >= 0, validation < 1 else { throw ValidationError("--validation must be in [0, 1) (got \(validation))") }
      guard patterns >= 1 else { throw ValidationError("--patterns must be ≥ 1") }
      if unregularizedBias && loss != .squared { throw ValidationError("--unregularized-bias is implemented for --loss squared only") }
      if exportChosen && (outputDir == nil || model != .relu) { throw ValidationError("--export-chosen needs --output-dir and --model relu") }
      if outputDir != nil && validation == 0 {
        throw ValidationError("--output-dir saves the β chosen by validation error: give --validation > 0 (the default is 0.2)")
      }
      if let dir = outputDir {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
          throw ValidationError("--output-dir \(dir) is not an existing directory")
        }
        try OutputFile.check(dir + "/model.json", overwrite: force, inputs: source.inputFiles)
        if exportChosen { try OutputFile.check(dir + "/model.safetensors", overwrite: force, inputs: source.inputFiles) }
      }
    }

    func run() throws {
      let (x, yRaw) = try source.load(quiet: json)
      guard let y = yRaw else { throw CommandFailure("--data has no target column; give --target (CSV) or --targets (npy)") }
      let configuration = ConvexReLUEstimator.Configuration(
        model: model, loss: loss, patterns: .sampled(count: patterns, seed: patternSeed),
        solver: solver.convexSolverOptions(quiet: true), unregularizedBias: unregularizedBias)
      let quiet = json
      let path = try RegularizationPath.run(
        configuration: configuration, data: x, targets: y, betas: try betaChoice, validationFraction: validation, seed: seed,
        warmStart: !cold,
        progress: { k, r in
          if !quiet { printError("β \(formatScientific(r.beta))  objective \(formatNumber(r.objective))  gap \(formatScientific(r.relativeGap))  \(r.neurons) neurons  (\(k + 1))") }
        })
      let total = path.rows.reduce(0) { $0 + $1.iterations }
      let chosenBeta = path.chosen.map { path.rows[$0].beta }
      if let dir = outputDir, let c = path.chosen {
        try path.estimators[c].save(to: dir + "/model.json", overwrite: force, inputs: source.inputFiles)
        if exportChosen {
          let raw = try path.estimators[c].rawFeatureNetwork()
          try OutputFile.write(bytes: SafeTensors.encode(TorchTwoLayerLayout().tensors(raw.network, inputBias: true), metadata: ["format": "pt", "producer": "zerogap path", "beta": String(describing: path.rows[c].beta), "features": "raw (standardisation folded into the first layer)"]),
            to: dir + "/model.safetensors", overwrite: force, inputs: source.inputFiles)
        }
      }
      if json {
        let rows: [JSON] = path.rows.map { r in
          .object([
            ("beta", .number(r.beta)), ("objective", .number(r.objective)), ("lower_bound", .number(r.lowerBound)),
            ("relative_gap", .number(r.relativeGap)), ("neurons", .number(Double(r.neurons))),
            ("iterations", .number(Double(r.iterations))), ("stop_reason", .string(r.stopReason.rawValue)),
            ("train_error", .number(r.trainError)), ("validation_error", r.validationError.map { .number($0) } ?? .null),
          ])
        }
        print(JSON.object([
          ("rows", .array(rows)), ("chosen_beta", chosenBeta.map { .number($0) } ?? .null), ("beta_max", .number(path.betaMax)),
          ("total_iterations", .number(Double(total))), ("warm_start", .bool(!cold)),
        ]).serialized())
      } else {
        let errorName = loss == .squared ? "MSE" : "error rate"
        print("β_max \(formatNumber(path.betaMax)) on the training part (\(x.rows - (validation > 0 ? Int((validation * Double(x.rows)).rounded()) : 0)) samples)")
        print("β              objective      lower bound    rel. gap   neurons  train \(errorName)   validation \(errorName)")
        for (k, r) in path.rows.enumerated() {
          let v = r.validationError.map { formatNumber($0) } ?? "—"
          print("\(formatScientific(r.beta).padding(toLength: 14, withPad: " ", startingAt: 0)) \(formatNumber(r.objective).padding(toLength: 14, withPad: " ", startingAt: 0)) \(formatNumber(r.lowerBound).padding(toLength: 14, withPad: " ", startingAt: 0)) \(formatScientific(r.relativeGap).padding(toLength: 10, withPad: " ", startingAt: 0)) \(String(r.neurons).padding(toLength: 8, withPad: " ", startingAt: 0)) \(formatNumber(r.trainError).padding(toLength: 16, withPad: " ", startingAt: 0)) \(v)\(k == path.chosen ? "   ← chosen" : "")")
        }
        print("\(total) iterations in total (\(cold ? "cold starts" : "warm-started"))")
        if let b = chosenBeta { print("chosen β \(formatScientific(b)) (smallest validation error)\(outputDir.map { "; model written to \($0)/model.json" } ?? "")") }
      }
      if let bad = path.rows.first(where: { !($0.relativeGap <= solver.tol) }) {
        printError("Error: not certified: the fit at β = \(formatScientific(bad.beta)) stopped at relative gap \(formatScientific(bad.relativeGap)) (\(bad.stopReason.rawValue)); raise --max-iterations or loosen --tol (exit code 3)")
        throw ZeroGapExit.notCertified
      }
    }
  }
}
