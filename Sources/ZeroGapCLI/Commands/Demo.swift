import ArgumentParser
import ZeroGap

extension ZeroGapCommand {
  /// The main job on the embedded default data (README command 1).
  struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run the ZeroGap demonstration on the embedded datasets.",
      discussion: """
        Summarises the embedded default dataset, then runs each part of ZeroGap on embedded data: the deep \
        linear duality table (MATH.md §2), and two-layer networks (§3) — on diabetes, the gated-ReLU convex \
        program over 100 sampled gates to a certified 10⁻⁶ gap against nonconvex Adam training of a gated network \
        with the same gates (the bound covers exactly those networks); on sine (one feature + bias, all patterns), \
        the exact ReLU program to a global certificate against Adam training of a ReLU network of the same width. \
        Then the survey's systems (MATH.md §6–§8: one neuron's convex relaxation, the NTK rate, the multi-branch \
        gap), and it ends with the duality-gap table of MATH.md §9 (`zerogap table`): linear and ReLU, standard and parallel, \
        depths 2–4, every cell measured.
        """)
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
      let survey = try demoSurveySection()
      sections.append(("survey", survey.json))
      if !json { print("\n" + survey.text, terminator: "") }
      // The zero/non-zero duality-gap table of MATH.md §9, every cell measured on its embedded instance.
      let gaps = DualityGapTable.compute()
      sections.append(("duality_gap_table", gaps.json))
      if !json { print("\n" + gaps.text, terminator: "") }
      if json { print(JSON.object(sections).serialized()) }
    }
  }
}
