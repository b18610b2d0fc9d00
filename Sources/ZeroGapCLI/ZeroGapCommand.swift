import ArgumentParser
import ZeroGap

@main
struct ZeroGapCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "zerogap",
    abstract: "Train neural networks to global optimality through convex duality, and measure duality gaps.",
    version: ZeroGapVersion.string,
    subcommands: [Demo.self, Doctor.self, DataCommand.self, Linear.self, Gap.self, Table.self, Neuron.self, NTK.self, Branches.self, Schatten.self, Report.self, Fit.self, Path.self, Predict.self, Certify.self]
  )

  /// Picks the fast OpenBLAS kernel (re-executing once if needed) before parsing anything.
  static func main() {
    BLASRuntime.ensureOptimizedKernel()
    main(nil)
  }
}
