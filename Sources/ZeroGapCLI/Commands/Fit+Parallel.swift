import ArgumentParser
import Foundation
import ZeroGap

/// The networks `zerogap fit` trains.
enum FitModel: String, ExpressibleByArgument, CaseIterable {
  case relu
  case gatedReLU = "gated-relu"
  case parallelReLU = "parallel-relu"

  /// The two-layer program, or nil for the parallel network.
  var twoLayer: ConvexReLUModel? {
    switch self {
    case .relu: return .relu
    case .gatedReLU: return .gatedReLU
    case .parallelReLU: return nil
    }
  }
}

extension ZeroGapCommand.Fit {
  /// `fit --model parallel-relu --depth 3|4`: the parallel program of MATH.md §4.3 (§4.4 at depth 4).
  func runParallel() throws {
    let (x, yMatrix, names) = try source.loadMatrix(quiet: json)
    guard let yMatrix else { throw CommandFailure("--data has no target column; give --target (CSV) or --targets (npy)") }
    guard yMatrix.columns == 1 else { throw CommandFailure("--model parallel-relu fits one target column (got \(yMatrix.columns))") }
    let y = yMatrix.column(0)
    var first = ConvexReLUEstimator.PatternSource.sampled(count: patterns ?? 20, seed: seed)
    if let g = gates { first = .gates(try NPY.read(path: g).matrix) }
    if enumerate { first = .enumerate }
    let second: ParallelReLUEstimator.SecondLayerSource = enumerate ? .enumerate : .sampled(count: patterns2 ?? 20, seed: seed)
    if enumerate && !json { printError("enumerating every activation pattern of every layer (exact)…") }
    var est = ParallelReLUEstimator(configuration: .init(
      loss: loss, beta: beta, firstLayer: first, secondLayer: second, depth: depth ?? 3, standardize: !noStandardize, bias: !noBias,
      solver: solver.convexSolverOptions(quiet: json)))
    try est.fit(data: x, targets: y)
    if let names { try est.recordColumns(names) }
    if let out = output { try est.save(to: out, overwrite: force, inputs: inputFiles) }
    guard let f = est.fitted else { return }
    guard f.report.objective.isFinite && f.report.lowerBound.isFinite else {
      throw CommandFailure("the solve did not reach a finite objective and bound (stop reason \(f.report.stopReason.rawValue)); try a larger --beta or standardised features")
    }
    if json {
      print(try est.summaryJSON().serialized())
    } else {
      let depthName = f.network == nil ? "depth-\(est.configuration.depth)" : "three-layer"
      let covers = f.boundScope == .global
        ? "global: no parallel \(depthName) ReLU network of any width or branch count does better\(f.network == nil ? " under the path norm" : "")"
        : "sampled: no parallel network whose units use only these patterns does better"
      let penalty = f.network == nil ? "the path norm" : "β Σ ‖W1‖‖w2‖|z|"
      print("objective    \(formatNumber(f.report.objective))   (upper bound: the returned network's value, penalty \(penalty))")
      print("lower bound  \(formatNumber(f.report.lowerBound))   (\(covers))")
      print("gap          \(formatScientific(f.report.gap))   relative \(formatScientific(f.report.relativeGap))   (\(f.report.stopReason.rawValue))")
      print("model        \(output.map { "written to \($0)" } ?? "not saved (give --output FILE to use it with predict)")")
      let widths = f.deepNetwork.branches.map { String($0.layers[0].columns) }.joined(separator: ", ")
      let sizes = ([f.firstLayerPatterns] + f.hiddenLayerPatterns).map(String.init).joined(separator: " × ")
      print("network      \(f.deepNetwork.branches.count) branches (first-layer widths \(widths)) from \(sizes) patterns; \(f.report.iterations) iterations in \(formatFixed(f.report.seconds, decimals: 3)) s")
    }
    if !f.report.isCertified(tolerance: solver.tol) {
      let gap = f.report.relativeGap.isFinite ? formatScientific(f.report.relativeGap) : "unknown"
      let hint: String
      if f.uncoveredSamples > 0 {
        hint = "\(f.uncoveredSamples) of the samples are inactive in every first-layer pattern of --gates, so the interior point could not take the program and the slower augmented Lagrangian ran; add gates that cover them, or sample with --patterns (sampled patterns are completed to cover every sample)"
      } else if let r = f.relativeBeta, r < 1e-7, f.report.stopReason == .stalled {
        hint = "β is \(formatScientific(r)) of max ‖Xᵀ D1 D2 y‖ (from which on the zero network is optimal): the program is nearly unregularised and its Newton systems lose accuracy; use a larger --beta, or targets in smaller units"
      } else {
        hint = "raise --max-iterations, loosen --tol or use fewer patterns"
      }
      printError("Error: not certified: the relative gap \(gap) is above --tol \(formatScientific(solver.tol)) (stop reason \(f.report.stopReason.rawValue))\(output != nil ? "; the model was written with its gap" : ""); \(hint) (exit code 3)")
      throw ZeroGapExit.notCertified
    }
  }
}

extension ZeroGapCommand.Predict {
  /// Predictions of a parallel-network model file: one value per line, or JSON (with R² or accuracy when the data
  /// has targets).
  func predictParallel(_ model: String) throws {
    let est = try ParallelReLUEstimator.load(from: model)
    guard let f = est.fitted else { return }
    let (x, yRaw) = try source.load(featureCount: f.means.count, columns: f.columns.map { .init(features: $0.features, targets: $0.targets) }, quiet: json)
    let yhat = try est.predict(x)
    guard yhat.allSatisfy(\.isFinite) else { throw CommandFailure("some predictions overflow (the model's weights or the data are too large for double precision)") }
    let scoreName = est.configuration.loss == .squared ? "r2" : "accuracy"
    let score = try yRaw.flatMap { finiteScore(try est.score(x, $0)) }
    if json {
      var pairs: [(String, JSON)] = [("predictions", .numbers(yhat))]
      if let s = score { pairs.append((scoreName, .number(s))) }
      print(JSON.object(pairs).serialized())
    } else {
      yhat.forEach { print(String(describing: $0)) }
      if let s = score { printError("\(scoreName == "r2" ? "R²" : "accuracy") \(formatNumber(s))") }
    }
  }
}
