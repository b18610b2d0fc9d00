import ArgumentParser
import Foundation
import ZeroGap

extension ZeroGapCommand {
  /// `zerogap fit`: a two-layer ReLU network trained to a certified optimum through its convex program.
  struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train a two-layer ReLU network (or a three-layer parallel one) to a certified optimum through its convex program (MATH.md §3, §4.3).",
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

        --model parallel-relu --depth 3 trains a parallel three-layer network f = Σ_j z_j((X W1_j)_+ w2_j)_+ with \
        the branch penalty β Σ ‖W1_j‖_F ‖w2_j‖ |z_j| through the program of MATH.md §4.3 over first-layer patterns \
        (--patterns N, default 20, or --gates) and second-layer patterns (--patterns2 M sampled from random \
        branches on the sampled first layer, so that each is realisable, default 20); --enumerate takes every pattern \
        of both layers (n ≤ 16), and bound_scope is then "global": no parallel three-layer ReLU network of any width \
        or number of branches does better. Its JSON adds branches, widths and patterns2; --output writes its model \
        file, which predict reads. With the squared loss it is solved by a structured interior-point method (10–70 \
        Newton steps; each one n×n Cholesky and, per branch, the cheaper of an n×n and a 2·P1·d one: with the \
        default patterns about 0.1 s at n = 1000 and 2 s at n = 3000 on two cores), otherwise (logistic loss, depth \
        4) by the augmented Lagrangian (slower: small data). --depth 4 adds a pattern level for the third \
        layer (MATH.md §4.4; --patterns2 M patterns sampled per hidden layer, or all with --enumerate): the program \
        over P1 × P2 × P3 patterns (8·P1·P2·P3 blocks) whose branches are penalised by their path norm Σ_paths \
        ‖W1[:,i]‖·|W2[i,k]|·|w3[k]|·|z| (at most β Σ ‖W1‖_F‖W2‖_F‖w3‖|z|); its bound_scope is "global" only when all \
        three levels are enumerated (n ≤ 5 in practice), else "sampled" (an upper-bound program); it writes no model \
        file.

        Under `mpirun -np K` (built with the MPI trait), fit runs data-parallel for --model gated-relu and relu \
        with the squared or logistic loss and sampled patterns or --gates: each process reads its block of rows \
        (.npy: only those rows; a CSV file or built-in dataset is parsed whole and sliced), every sum over samples \
        is reduced across the processes (relu: column generation, its cone pricing distributed over the rows), so \
        the certified optimum is that of one process on all the rows; process 0 prints and writes the model. A \
        data-parallel relu fit reports the sampled bound only (no crude global bound).

        Exit codes: 0 — certified: the relative gap is within --tol; 3 — the fit ran but is not certified \
        (budget exhausted, stalled, or a vector-output fit whose bound is the nuclear-norm relaxation); the model \
        is still written, with its gap; 1 — an error (bad data, an unwritable --output, a diverged solve: no model \
        written); 64 — invalid options. --output is checked before the solve: it must not be an input file, a \
        symbolic link or a non-regular file, and its directory must exist.
        """
    )
    @OptionGroup var source: ReLUDataOptions
    @Option(help: "relu (exact two-layer, cone-constrained), gated-relu (unconstrained relaxation) or parallel-relu (three-layer parallel network, MATH.md §4.3; with --depth 3).") var model: FitModel = .relu
    @Option(help: "Depth of a parallel-relu network: 3 (default) or 4 (MATH.md §4.4, path norm); relu and gated-relu are depth 2.") var depth: Int?
    @Option(parsing: .unconditional, help: "parallel-relu: number of patterns to sample for each hidden layer: the second from random branches on the sampled first layer, deeper ones from random chains (default 20; --enumerate takes all 2^n).") var patterns2: Int?
    @Option(help: "squared, logistic or hinge. Classification losses need two classes: labels ±1, or any two values (e.g. 0/1: the smaller is the negative class; recorded in the model file, and predict prints them).") var loss: ConvexLoss = .squared
    @Option(parsing: .unconditional, help: "Regularisation β > 0 (unnormalised; scnn's λ equals β/n).") var beta: Double = 1
    @Option(parsing: .unconditional, help: "Number of Gaussian gates to sample (patterns are de-duplicated).") var patterns: Int?
    @Option(help: "Gates as a d×P .npy matrix (one gate per column).") var gates: String?
    @Flag(help: "Enumerate every activation pattern (exact; small data only).") var enumerate = false
    @Option(help: "Seed for the sampled gates.") var seed: UInt64 = 0
    @Flag(help: "Do not append a (regularised) bias column.") var noBias = false
    @Flag(help: "Add an unpenalised output bias b to ŷ (squared loss only; minimised exactly, dual gains 1ᵀv = 0).") var unregularizedBias = false
    @Flag(help: "Do not standardise the features.") var noStandardize = false
    @Option(help: "Where to write the model file (JSON). An existing file is kept unless --force is given.") var output: String?
    @Option(help: "Also write the network as a PyTorch safetensors file (nn.Sequential(Linear(d, m), ReLU(), Linear(m, k)) on raw features: the standardisation is folded into the first layer). --force replaces it too.") var export: String?
    @Flag(help: "Replace the --output (and --export) file if it already exists.") var force = false
    @Flag(help: "Print machine-readable JSON (and no progress lines).") var json = false
    @OptionGroup var solver: SolverOptions

    /// Every input file, for the output-file checks.
    var inputFiles: [(option: String, path: String)] { source.inputFiles + (gates.map { [("--gates", $0)] } ?? []) }

    func validate() throws {
      if let output {
        // Before any work: the model file must be writable and must not replace an input or a non-regular file.
        try OutputFile.check(output, overwrite: force, inputs: inputFiles)
      }
      if let export {
        try OutputFile.check(export, overwrite: force, inputs: inputFiles)
        let same = output.map { URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path == URL(fileURLWithPath: export).standardizedFileURL.resolvingSymlinksInPath().path } ?? false
        guard !same else { throw ValidationError("--export and --output must be different files") }
        guard model == .relu else { throw ValidationError("--export writes Linear–ReLU–Linear networks: --model relu (a gated network is not one; a parallel one has more layers)") }
      }
      guard beta > 0, beta.isFinite else { throw ValidationError("--beta must be a number > 0 (got \(beta))") }
      let chosen = [patterns != nil, gates != nil, enumerate].filter { $0 }.count
      guard chosen <= 1 else { throw ValidationError("choose one of --patterns N, --gates G.npy and --enumerate") }
      if let p = patterns, p < 1 { throw ValidationError("--patterns must be ≥ 1 (got \(p))") }
      if model == .parallelReLU {
        guard [3, 4].contains(depth ?? 3) else { throw ValidationError("--model parallel-relu takes --depth 3 or 4 (got \(depth ?? 0)); deeper programs are in the library (ParallelReLUProgram)") }
        if depth == 4 && output != nil { throw ValidationError("--output writes depth-3 parallel networks; a --depth 4 fit reports its bounds only") }
        guard loss != .hinge else { throw ValidationError("--model parallel-relu takes --loss squared or logistic (got hinge)") }
        guard !unregularizedBias else { throw ValidationError("--unregularized-bias applies to the two-layer models") }
        if enumerate && patterns2 != nil { throw ValidationError("choose one of --patterns2 M and --enumerate") }
        if let p = patterns2, p < 1 { throw ValidationError("--patterns2 must be ≥ 1 (got \(p))") }
      } else {
        if let d = depth, d != 2 { throw ValidationError("--model \(model.rawValue) is a two-layer network (--depth 2); deeper networks: --model parallel-relu --depth 3") }
        if patterns2 != nil { throw ValidationError("--patterns2 applies to --model parallel-relu") }
      }
      if unregularizedBias && loss != .squared {
        throw ValidationError("--unregularized-bias is implemented for --loss squared only (got \(loss)); the default regularised bias column works with every loss")
      }
    }

    /// What a two-layer fit's lower bound covers, for the text output.
    static func boundCovers(_ scope: BoundScope, model: ConvexReLUModel) -> String {
      switch (scope, model) {
      case (.global, .relu): return "global: no two-layer ReLU network does better"
      case (.global, _): return "global: no gated-ReLU network does better"
      case (_, .relu): return "sampled: no ReLU network whose neurons use only these patterns does better"
      default: return "sampled: no gated-ReLU network with these gates does better"
      }
    }

    func run() throws {
      if Processes.launchedInParallel { return try runDataParallel() }
      guard let model = model.twoLayer else { return try runParallel() }
      let (x, yMatrix, names) = try source.loadMatrix(quiet: json)
      guard let yAll = yMatrix else { throw CommandFailure("--data has no target column; give --target (CSV) or --targets (npy)") }
      let y = yAll.columns == 1 ? yAll.column(0) : []
      var patternSource = ConvexReLUEstimator.PatternSource.sampled(count: patterns ?? 100, seed: seed)
      if let g = gates { patternSource = .gates(try NPY.read(path: g).matrix) }
      if enumerate { patternSource = .enumerate }
      let quiet = json
      if enumerate && !quiet { FileHandle.standardError.write(Data("enumerating every activation pattern (exact)…\n".utf8)) }
      var est = ConvexReLUEstimator(configuration: .init(
        model: model, loss: loss, beta: beta, patterns: patternSource, standardize: !noStandardize, bias: !noBias,
        solver: solver.convexSolverOptions(quiet: quiet), unregularizedBias: unregularizedBias))
      if yAll.columns > 1 { try est.fit(data: x, targetMatrix: yAll) } else { try est.fit(data: x, targets: y) }
      if let names { try est.recordColumns(names) }
      if let out = output { try est.save(to: out, overwrite: force, inputs: inputFiles) }
      guard let f = est.fitted else { return }
      guard f.report.objective.isFinite && f.report.lowerBound.isFinite else {
        throw CommandFailure("the solve did not reach a finite objective and bound (stop reason \(f.report.stopReason.rawValue)); try a larger --beta, standardised features or another loss")
      }
      if let path = export {
        // The certificate numbers are those of the fit (on standardised features); the file is on raw features.
        let raw = try est.rawFeatureNetwork()
        var metadata = ["format": "pt", "producer": "zerogap \(ZeroGapVersion.string)", "features": "raw (standardisation folded into the first layer)",
          "beta": String(describing: beta), "loss": loss.rawValue, "fit_objective_standardized": String(describing: f.report.objective),
          "fit_lower_bound_standardized": String(describing: f.report.lowerBound), "fit_bound_scope": f.boundScope.rawValue]
        if let c = f.classes { metadata["classes"] = "negative \(c.negative), positive \(c.positive) (score ≥ 0)" }
        try OutputFile.write(bytes: SafeTensors.encode(TorchTwoLayerLayout().tensors(raw.network, inputBias: true), metadata: metadata),
          to: path, overwrite: force, inputs: inputFiles)
      }
      if json {
        print(try est.summaryJSON().serialized())
      } else {
        print("objective    \(formatNumber(f.report.objective))   (upper bound: the returned network's value)")
        if yAll.columns > 1 {
          print("outputs      \(yAll.columns): objective = Σ of per-output programs (one network per output, MATH.md §3.9)")
          print("lower bound  \(formatNumber(f.report.lowerBound))   (nuclear-norm gated program over the \(f.boundScope == .global ? "complete" : "sampled") patterns)")
        } else {
          print("lower bound  \(formatNumber(f.report.lowerBound))   (\(Self.boundCovers(f.boundScope, model: est.configuration.model)))")
        }
        print("gap          \(formatScientific(f.report.gap))   relative \(formatScientific(f.report.relativeGap))   (\(f.report.stopReason.rawValue))")
        if f.report.gap < 0 {
          print("             (negative: the network leaves the sampled patterns and beats every network restricted to them)")
        }
        if let g = f.globalCertificate {
          print("global bound \(formatNumber(g.lowerBound))   (\(g.scope.rawValue) bound on the full nonconvex problem)")
        }
        if let c = f.classes, c != .signs { print("classes      \(classesText(c)) (recorded in the model file; predict prints these labels)") }
        print("network      \(f.network.width) neurons from \(f.gates.columns) patterns; \(iterationsText(f.report)) in \(formatFixed(f.report.seconds, decimals: 3)) s")
        let trainScore = yAll.columns > 1 ? try est.score(x, targetMatrix: yAll) : try est.score(x, y)
        print("train score  \(formatNumber(trainScore)) (\(loss == .squared ? "R²" : "accuracy"))")
        if let path = export { print("export       \(path) (PyTorch safetensors, raw features)") }
        if let out = output {
          print("model        written to \(out)")
        } else {
          print("model        not saved (give --output FILE to use it with predict and certify)")
        }
      }
      if !f.report.isCertified(tolerance: solver.tol) {
        let gap = f.report.relativeGap.isFinite ? formatScientific(f.report.relativeGap) : "unknown"
        let hint: String
        switch f.report.stopReason {
        case _ where yAll.columns > 1: hint = "a vector-output bound is the nuclear-norm relaxation (MATH.md §3.9); fit one column at a time to certify each"
        case .maxIterations: hint = "raise --max-iterations, loosen --tol or use fewer patterns"
        case .stalled: hint = "the solver cannot shrink the gap further here (a tiny β or rounding); loosen --tol or raise --beta"
        case .memoryLimit: hint = "raise --memory-limit or use fewer patterns"
        default: hint = "loosen --tol"
        }
        printError("Error: not certified: the relative gap \(gap) is above --tol \(formatScientific(solver.tol)) (stop reason \(f.report.stopReason.rawValue))\(output != nil ? "; the model was written with its gap" : ""); \(hint) (exit code 3)")
        throw ZeroGapExit.notCertified
      }
    }
  }
}
