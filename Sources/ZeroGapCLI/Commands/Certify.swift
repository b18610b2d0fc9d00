import ArgumentParser
import Foundation
import ZeroGap

extension ZeroGapCommand {
  /// `zerogap certify`: objective, dual lower bound and gap of any two-layer ReLU network.
  struct Certify: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Certify how far a two-layer (or parallel three-layer) ReLU network is from the global optimum (MATH.md §3.5, §4.3).",
      discussion: """
        The network is a model file (--model), a PyTorch/NumPy weight file (--weights: .safetensors or .npz of \
        nn.Sequential(Linear(d, m), ReLU(), Linear(m, k)), keys 0.weight, 0.bias, 2.weight, 2.bias; --keys for \
        other names), or two .npy files: --w1 (d×m first layer) and --w2 (m×1 output weights), on the raw \
        features. Convention for weight files: the first-layer bias is the weight of an appended ones column \
        (regularised like any input weight), the output bias is unregularised (the dual residual is centred). \
        Reports the objective (balanced: ℓ + β Σ_j ‖u_j‖‖α_j‖, which rescaling neurons reaches for free), the \
        weight-decay objective of the weights as given, a valid dual lower bound and what it covers: global (every \
        two-layer ReLU network of any width: the exact arc sweep for d = 2, all patterns with --enumerate, or the \
        branch and bound on c(v) for up to --bound-seconds — if that budget runs out the bound stays valid, only \
        looser, and dual_norm_exact is false), sampled (a gated network: every network with its gates), or crude \
        (‖X‖₂‖v‖₂, with --bound-seconds 0 or k > 1 outputs without enumeration). A parallel \
        model file (fit --model parallel-relu) is certified against every parallel three-layer ReLU network: crude \
        (‖X‖₂‖v‖) by default, global with --enumerate (n ≤ 16: the Lagrangian bound of the program over all \
        patterns of both layers, with polished multipliers — valid, tight only as far as the polish gets).
        """
    )
    @Option(help: "A model file written by `zerogap fit`.") var model: String?
    @Option(help: "First-layer weights W1 (.npy, d×m).") var w1: String?
    @Option(help: "Output weights W2 (.npy, m×1).") var w2: String?
    @OptionGroup var weightFile: WeightFileOptions
    @Option(help: "Seconds of branch and bound on c(v) for a global bound when d > 2 (0: the crude bound).") var boundSeconds: Double = 10
    @OptionGroup var source: ReLUDataOptions
    @Option(parsing: .unconditional, help: "Regularisation β (default: the model file's).") var beta: Double?
    @Option(name: .customLong("loss"), help: "Loss for --weights and --w1/--w2 networks: squared (default), logistic or hinge; two-class labels (e.g. 0/1) become ±1 (a model file records its own).") var lossOption: ConvexLoss?
    var loss: ConvexLoss { lossOption ?? .squared }
    @Flag(help: "Enumerate all patterns for a global bound (small data only).") var enumerate = false
    @Flag(help: "Print machine-readable JSON.") var json = false

    func validate() throws {
      let sources = [model != nil, w1 != nil || w2 != nil, weightFile.weights != nil].filter { $0 }.count
      guard sources == 1 else { throw ValidationError("give one network: --model FILE, --weights FILE.safetensors|.npz, or both --w1 W1.npy and --w2 W2.npy") }
      if w1 != nil || w2 != nil { guard w1 != nil && w2 != nil else { throw ValidationError("--w1 and --w2 go together") } }
      if model == nil { guard beta != nil else { throw ValidationError("--beta is required with --weights and --w1/--w2") } }
      guard boundSeconds >= 0, boundSeconds.isFinite else { throw ValidationError("--bound-seconds must be ≥ 0 (got \(boundSeconds))") }
      if let b = beta { guard b > 0, b.isFinite else { throw ValidationError("--beta must be > 0 (got \(b))") } }
      if model != nil && lossOption != nil { throw ValidationError("--loss applies to --weights and --w1/--w2 networks; a model file records the loss it was fitted with") }
    }

    func run() throws {
      let cert: ReLUCertificate
      if let m = model {
        if let data = FileManager.default.contents(atPath: m), ParallelModelFile.format(of: data) == ParallelModelFile.formatName {
          return try certifyParallel(m)
        }
        let est = try ConvexReLUEstimator.load(from: m)
        guard let f = est.fitted else { return }
        if f.network.gates != nil {
          throw CommandFailure("\(m) is a gated-ReLU model: its certificate is the one `fit` reported (objective \(formatNumber(f.report.objective)), lower bound \(formatNumber(f.report.lowerBound)), scope \(f.boundScope.rawValue), in the model file's \"solver\" entry); certify applies to ReLU models (fit --model relu), to --weights files (a gated one with --gates-key) and to --w1/--w2 networks")
        }
        if f.network.outputDimension > 1 {
          throw CommandFailure("\(m) has \(f.network.outputDimension) outputs; certificates are implemented for one output (MATH.md §3.5) — fit and certify one target column at a time")
        }
        let (x, yRaw) = try source.load(featureCount: f.means.count, columns: f.columns, quiet: json)
        guard let yl = yRaw else { throw CommandFailure("certify needs targets: a CSV with a target column (--target) or --targets Y.npy") }
        var e = est
        if let b = beta { e.configuration.beta = b }
        cert = try e.certificate(x, yl, enumerate: enumerate, dualNormBudget: boundSeconds)
      } else if let b = beta, weightFile.weights != nil {
        cert = try certifyWeights(beta: b)
      } else if let p1 = w1, let p2 = w2, let b = beta {
        let net = try TwoLayerReLUNetwork.validated(firstLayer: try NPY.read(path: p1).matrix, outputWeights: try NPY.read(path: p2).matrix)
        let (x, yRaw) = try source.load(featureCount: net.inputDimension, quiet: json)
        guard let yl = yRaw else { throw CommandFailure("certify needs targets (--target / --targets)") }
        let pats = enumerate ? try ActivationPatterns.enumerate(data: x) : nil
        cert = try ReLUCertificate.certify(network: net, data: x, targets: try classificationLabels(yl, loss: loss, quiet: json), beta: b, loss: loss, patterns: pats,
          dualNormBudget: boundSeconds)
      } else {
        return
      }
      guard cert.objective.isFinite && cert.lowerBound.isFinite else {
        throw CommandFailure("the network's objective or its bound overflows double precision (objective \(cert.objective)); the weights or the data are too large — rescale them")
      }
      if json {
        print(JSON.object([
          ("objective", .number(cert.objective)), ("objective_as_given", .number(cert.objectiveAsGiven)),
          ("lower_bound", .number(cert.lowerBound)), ("gap", .number(cert.gap)),
          ("relative_gap", .number(cert.relativeGap)), ("bound_scope", .string(cert.scope.rawValue)),
          ("dual_norm_bound", .number(cert.dualNormBound)), ("dual_norm_method", .string(cert.dualNormMethod)),
          ("dual_norm_exact", .bool(cert.dualNormExact)), ("dual_scale", .number(cert.dualScale)),
        ]).serialized())
      } else {
        print("objective    \(formatNumber(cert.objective))   (balanced: an upper bound, reached by rescaling the neurons)")
        if cert.objectiveAsGiven > cert.objective * (1 + 1e-12) {
          print("as given     \(formatNumber(cert.objectiveAsGiven))   (the weight-decay value of the weights as stored)")
        }
        let covered = cert.scope == .sampled ? "every two-layer network with this network's gates" : "every two-layer ReLU network of any width"
        print("lower bound  \(formatNumber(cert.lowerBound))   (\(cert.scope.rawValue) bound on \(covered))")
        switch (cert.scope, cert.dualNormMethod) {
        case (.crude, _):
          print("             (crude: ‖X‖₂‖v‖₂ of MATH.md §3.5.3, valid but loose; --enumerate or --bound-seconds give a global bound)")
        case (_, "branch-and-bound") where !cert.dualNormExact:
          print("             (the --bound-seconds budget ran out before c(v) was found: the bound uses its best upper bound — valid, looser)")
        default: break
        }
        print("gap          \(formatScientific(cert.gap))   relative \(formatScientific(cert.relativeGap))")
      }
    }
  
    /// A PyTorch/NumPy weight file on raw features (plus a ones column when the first layer has a bias).
    func certifyWeights(beta b: Double) throws -> ReLUCertificate {
      let (imported, raw, yLoaded) = try weightFile.load(source, quiet: json)
      guard let y = yLoaded else { throw CommandFailure("certify needs targets: a CSV with a target column (--target) or --targets Y.npy") }
      let file = weightFile.weights ?? ""
      let k = imported.network.outputDimension
      guard y.columns == k else { throw CommandFailure("\(file) has k = \(k) output\(k == 1 ? "" : "s") but the targets have \(y.columns) column\(y.columns == 1 ? "" : "s") (choose them with --target a,b)") }
      let targets = k == 1 ? Matrix(column: try classificationLabels(y.column(0), loss: loss, quiet: json)) : y
      let x = imported.features(raw)
      let pats = enumerate ? try ActivationPatterns.enumerate(data: x) : nil
      return try ReLUCertificate.certify(network: imported.network, data: x, targets: targets, beta: b, loss: loss, patterns: pats, dualNormBudget: boundSeconds)
    }

    /// A parallel model file on data: its objective and a dual bound over every parallel network of its depth.
    func certifyParallel(_ path: String) throws {
      let est = try ParallelReLUEstimator.load(from: path)
      guard let f = est.fitted else { return }
      let (x, yRaw) = try source.load(featureCount: f.means.count, columns: f.columns, quiet: json)
      guard let yl = yRaw else { throw CommandFailure("certify needs targets: a CSV with a target column (--target) or --targets Y.npy") }
      var e = est
      if let b = beta { e.configuration.beta = b }
      let cert = try e.certificate(x, yl, enumerate: enumerate)
      guard cert.objective.isFinite && cert.lowerBound.isFinite else {
        throw CommandFailure("the network's objective or its bound overflows double precision (objective \(cert.objective)); rescale the data")
      }
      if json {
        return print(JSON.object([
          ("objective", .number(cert.objective)), ("lower_bound", .number(cert.lowerBound)), ("gap", .number(cert.gap)),
          ("relative_gap", .number(cert.relativeGap)), ("bound_scope", .string(cert.scope.rawValue)),
          ("dual_norm_bound", .number(cert.dualNormBound)), ("model", .string("parallel-relu")),
        ]).serialized())
      }
      print("objective    \(formatNumber(cert.objective))   (the network's value: an upper bound)")
      print("lower bound  \(formatNumber(cert.lowerBound))   (\(cert.scope.rawValue) bound on every parallel three-layer ReLU network of any width and branch count)")
      if cert.scope == .crude { print("             (crude: ‖X‖₂‖v‖₂, valid but loose; --enumerate gives the bound over all patterns on small data)") }
      print("gap          \(formatScientific(cert.gap))   relative \(formatScientific(cert.relativeGap))")
    }
  }
}
