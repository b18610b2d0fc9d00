import ArgumentParser
import ZeroGap

extension ZeroGapCommand {
  /// Reports the numerical runtime so a slow BLAS kernel is never invisible.
  struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the BLAS kernel, threads and configuration in use.")
    @Flag(help: "Print machine-readable JSON.") var json = false

    func run() throws {
      let core = BLASRuntime.coreName
      if json {
        print(JSON.object([
          "version": .string(ZeroGapVersion.string), "openblas_core": .string(core),
          "openblas_threads": .number(Double(BLASRuntime.threadCount)),
          "openblas_config": .string(BLASRuntime.configuration),
          "kernel_guard_reexecuted": .bool(BLASRuntime.kernelGuardReexecuted),
        ]).serialized())
      } else {
        print("zerogap \(ZeroGapVersion.string)")
        print("OpenBLAS kernel:  \(core)\(core == "Prescott" ? "  (generic fallback: slow; set OPENBLAS_CORETYPE)" : "")")
        print("OpenBLAS threads: \(BLASRuntime.threadCount)")
        print("OpenBLAS config:  \(BLASRuntime.configuration)")
        if BLASRuntime.kernelGuardReexecuted { print("(re-executed once to select the \(core) kernel)") }
      }
    }
  }
}
