import Foundation
import Testing

/// `zerogap predict` for classification models: label,score lines (or JSON) in the labels the model was fitted on.
@Suite struct PredictClassificationTests {
  /// The embedded breast-cancer CSV (569 × 30 features + target: 1 = benign, 0 = malignant), read from the sources.
  static var breastCancerCSV: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Sources/ZeroGap/Data/Resources/breast-cancer.csv").path
  }

  /// The target column (the last) of the CSV, parsed here independently of the CLI.
  static func fileLabels(_ path: String) throws -> [Double] {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
    return try lines.map { line in
      let last = String(line.split(separator: ",").last ?? "")
      return try #require(Double(last), "\(line)")
    }
  }

  @Test func logisticPredictPrintsLabelsAndScores() throws {
    let csv = Self.breastCancerCSV
    let labels = try Self.fileLabels(csv)
    #expect(labels.count == 569 && Set(labels) == [0, 1])
    let dir = try temporaryDirectory()
    let model = dir.appendingPathComponent("bc.json").path
    let fit = try runZerogap([
      "fit", "--data", csv, "--loss", "logistic", "--model", "gated-relu", "--patterns", "10", "--beta", "1", "--output", model, "--json",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    #expect((try jsonObject(fit.stdout))["classes"] as? [Double] == [0, 1])

    // Text: one "label,score" line per sample; label = 1 where score ≥ 0, else 0; accuracy on stderr.
    let text = try runZerogap(["predict", "--model", model, "--data", csv])
    #expect(text.status == 0, "\(text.stderr)")
    let rows = text.stdout.split(separator: "\n")
    #expect(rows.count == labels.count)
    var predicted: [Double] = [], scores: [Double] = []
    for row in rows {
      let parts = row.split(separator: ",")
      #expect(parts.count == 2, "\(row)")
      let l = try #require(Double(String(parts[0])), "\(row)"), s = try #require(Double(String(parts[1])), "\(row)")
      #expect(l == (s >= 0 ? 1 : 0), "\(row)")
      predicted.append(l)
      scores.append(s)
    }
    let accuracy = Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
    #expect(accuracy > 0.9)
    let reported = try #require(text.stderr.split(separator: "\n").first { $0.hasPrefix("accuracy ") })
    let value = try #require(Double(String(reported.dropFirst("accuracy ".count))))
    #expect(abs(value - accuracy) <= 1e-9, "stderr \(reported) vs \(accuracy)")

    // JSON: the same labels and scores, the classes, and the accuracy (to a few ulps: Foundation's JSON parser
    // on Linux does not round decimal strings correctly; the text output above parses exactly).
    let json = try runZerogap(["predict", "--model", model, "--data", csv, "--json"])
    #expect(json.status == 0, "\(json.stderr)")
    let p = try jsonObject(json.stdout)
    #expect(p["predictions"] as? [Double] == predicted)
    let js = try #require(p["scores"] as? [Double])
    let ulps = { (a: Double, b: Double) in abs(a - b) <= 4 * Double.ulpOfOne * max(abs(a), abs(b)) }
    #expect(js.count == scores.count && zip(js, scores).allSatisfy(ulps))
    #expect(p["classes"] as? [Double] == [0, 1])
    #expect(ulps(try #require(p["accuracy"] as? Double), accuracy))

    // predict --help documents the columns.
    let help = try runZerogap(["predict", "--help"])
    #expect(help.stdout.contains("label,score") && help.stdout.contains("accuracy") && help.stdout.contains("--json"))
  }

  @Test func certifyExplainsGatedAndMissingTargets() throws {
    let dir = try temporaryDirectory()
    let model = dir.appendingPathComponent("g.json").path
    let fit = try runZerogap(["fit", "--data", "sine", "--model", "gated-relu", "--beta", "0.5", "--patterns", "10", "--output", model, "--json"])
    #expect(fit.status == 0, "\(fit.stderr)")
    let r = try runZerogap(["certify", "--model", model, "--data", "sine"])
    #expect(r.status != 0)
    #expect(r.stderr.contains("gated-ReLU model") && r.stderr.contains("--model relu"), "\(r.stderr)")
  }
}
