import ArgumentParser
import ZeroGap

extension ZeroGapCommand {
  /// The main job on the embedded default data (README command 1).
  struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the ZeroGap demonstration on the embedded datasets.")
    @Flag(help: "Print machine-readable JSON.") var json = false

    func run() throws {
      if json {
        print(JSON.object(["openblas_core": .string(BLASRuntime.coreName)]).serialized())
      } else {
        print("ZeroGap \(ZeroGapVersion.string) — OpenBLAS kernel \(BLASRuntime.coreName)")
      }
    }
  }
}
