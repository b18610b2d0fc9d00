import ArgumentParser
import Foundation
import ZeroGap

extension ZeroGapCommand {
  /// `zerogap report`: one self-contained HTML page of figures with their numbers.
  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write the reproduction report: one self-contained HTML page of figures, each with its numbers as CSV (MATH.md §1–§9).",
      discussion: """
        The page has inline SVG and CSS only (no script, no font or request from the network; printable). Figures: \
        the deep linear gap against depth and against the singular-value spread, the weight-decay thresholding map, \
        a two-layer ReLU fit on your data (--data, default the built-in sine: certified bounds against iterations, \
        the β path, the convex optimum against Adam), the computed duality-gap table of §9, and the survey's systems \
        (one neuron's relaxation, the NTK rate, the multi-branch gap). Each caption names its MATH.md section; each \
        figure's numbers download as CSV from the page. A progress line per section goes to stderr. An existing \
        --output is not replaced without --force. --quick uses fewer points and restarts.
        """)

    @Option(help: "Data for the two-layer figures: a CSV file, a .npy features file (with --targets) or a built-in dataset name.") var data: String = "sine"
    @Option(parsing: .unconditional, help: "Target column of a CSV --data file (default: the last column).") var target: String?
    @Option(help: "Targets .npy file when --data is a .npy features file.") var targets: String?
    @Option(help: "The HTML file to write.") var output: String = "report.html"
    @Flag(help: "Replace an existing --output.") var force = false
    @Flag(help: "Fewer points, restarts and iterations (a few seconds).") var quick = false

    func validate() throws {
      let inputs = [("--data", data)] + (targets.map { [("--targets", $0)] } ?? [])
      try OutputFile.check(output, overwrite: force, inputs: inputs)
    }

    func run() throws {
      let args = ["--data", data] + (target.map { ["--target", $0] } ?? []) + (targets.map { ["--targets", $0] } ?? [])
      let (x, y, _) = try MatrixDataOptions.parse(args).load()
      guard let y, y.columns == 1 else { throw CommandFailure("the two-layer figures need one target column (choose it with --target)") }
      let clock = ContinuousClock(), start = clock.now
      let report = try ReproductionReport.build(data: .init(x: x, y: y.column(0), name: data), quick: quick) { section in
        let elapsed = clock.now - start
        printError("[\(formatFixed(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, decimals: 1)) s] \(section)…")
      }
      try OutputFile.write(report.html, to: output, overwrite: force, inputs: [("--data", data)])
      printError("wrote \(output) (\(report.figures.count) figures)")
    }
  }
}
