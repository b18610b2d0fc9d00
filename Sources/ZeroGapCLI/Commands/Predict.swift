import ArgumentParser
import Foundation
import ZeroGap

extension ZeroGapCommand {
  /// `zerogap predict`: predictions of a saved model.
  struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Predict with a model file written by `zerogap fit` (two-layer or parallel networks) or a PyTorch/NumPy weight file.",
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

        --weights FILE (.safetensors or .npz: nn.Sequential(Linear(d, m), ReLU(), Linear(m, k)), e.g. written by \
        `fit --export`; --keys for other tensor names, --gates-key for a gated network) predicts the network output ŷ \
        on the raw features, k values per line (scores for a classifier; R² on stderr when targets are given).
        """)
    @Option(help: "The model file (JSON) written by `zerogap fit --output`.") var model: String?
    @OptionGroup var weightFile: WeightFileOptions
    @OptionGroup var source: ReLUDataOptions
    @Flag(help: "Print machine-readable JSON (see the description above).") var json = false

    func validate() throws {
      guard (model == nil) != (weightFile.weights == nil) else { throw ValidationError("give one network: --model FILE (from fit --output) or --weights FILE.safetensors|.npz") }
    }

    func run() throws {
      guard let model else { return try predictWeights() }
      if let data = FileManager.default.contents(atPath: model), ParallelModelFile.format(of: data) == ParallelModelFile.formatName {
        return try predictParallel(model)
      }
      let est = try ConvexReLUEstimator.load(from: model)
      guard let f = est.fitted else { return }
      if f.network.outputDimension > 1 { return try predictVector(est) }
      let (x, yRaw) = try source.load(featureCount: f.means.count, columns: f.columns, quiet: json)
      let scores = try est.predict(x)
      guard scores.allSatisfy(\.isFinite) else {
        throw CommandFailure("some predictions overflow (the model's weights or the data are too large for double precision)")
      }
      let classification = est.configuration.loss != .squared
      var score: Double? = nil
      if let y = yRaw { score = finiteScore(try est.score(x, y)) }
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
    }
  }
}

extension ZeroGapCommand.Predict {
  /// Predictions ŷ (n×k) of a weight file's network on the raw features.
  func predictWeights() throws {
    let (imported, x, yRaw) = try weightFile.load(source, quiet: json)
    let yhat = imported.network.predict(imported.features(x))
    guard yhat.isFinite else { throw CommandFailure("some predictions overflow (the weights or the data are too large for double precision)") }
    var score: Double? = nil
    if let y = yRaw, y.columns == yhat.columns {
      var ss = 0.0, tot = 0.0
      for c in 0..<y.columns {
        let mean = y.column(c).reduce(0, +) / Double(y.rows)
        for i in 0..<y.rows { ss += (y[i, c] - yhat[i, c]) * (y[i, c] - yhat[i, c]); tot += (y[i, c] - mean) * (y[i, c] - mean) }
      }
      score = tot > 0 ? finiteScore(1 - ss / tot) : nil
    }
    if json {
      let rows: JSON = yhat.columns == 1 ? .numbers(yhat.column(0)) : .array(yhat.rowArrays.map { JSON.numbers($0) })
      print(JSON.object([("predictions", rows)] + (score.map { [("r2", JSON.number($0))] } ?? [])).serialized())
    } else {
      for row in yhat.rowArrays { print(row.map { String(describing: $0) }.joined(separator: ",")) }
      if let s = score { FileHandle.standardError.write(Data("R² \(formatNumber(s))\n".utf8)) }
    }
  }

  /// Predictions of a k-output model: one row per sample (comma-separated), or JSON rows.
  func predictVector(_ est: ConvexReLUEstimator) throws {
    guard let f = est.fitted else { return }
    let (x, yRaw, _) = try source.loadMatrix(featureCount: f.means.count, columns: f.columns, quiet: json)
    let yhat = try est.predictOutputs(x)
    guard yhat.isFinite else { throw CommandFailure("some predictions overflow (the model's weights or the data are too large for double precision)") }
    var score: Double? = nil
    if let y = yRaw, y.columns == yhat.columns { score = finiteScore(try est.score(x, targetMatrix: y)) }
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

/// The score, or nil with a note on stderr when it overflows (never printed as inf or NaN).
func finiteScore(_ s: Double) -> Double? {
  guard s.isFinite else {
    printError("note: the score overflows double precision (predictions or targets too large); it is omitted")
    return nil
  }
  return s
}
