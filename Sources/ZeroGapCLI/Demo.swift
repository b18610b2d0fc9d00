import ArgumentParser
import ZeroGap

extension ZeroGapCommand {
  /// The main job on the embedded default data (README command 1).
  struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run the ZeroGap demonstration on the embedded datasets.",
      discussion: "Summarises the embedded default dataset, then runs each part of ZeroGap on embedded data.")
    @Flag(help: "Print one machine-readable JSON object instead of text.") var json = false

    func run() throws {
      let data = try BuiltinDatasets.summarizeDefault()
      var sections: [(String, JSON)] = [
        ("openblas_core", .string(BLASRuntime.coreName)),
        ("dataset", data.json),
      ]
      if !json {
        print("ZeroGap \(ZeroGapVersion.string) — OpenBLAS kernel \(BLASRuntime.coreName)\n")
        data.lines.forEach { print($0) }
      }
      let linear = try demoLinearSection()
      sections.append(("deep_linear", linear.json))
      if !json { print("\n" + linear.text) }
      let relu = try demoReLUSection()
      sections.append(("two_layer_relu", relu.json))
      if !json { print("\n" + relu.text) }
      if json { print(JSON.object(sections).serialized()) }
    }
  }
}
