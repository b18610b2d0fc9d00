import ArgumentParser
import Foundation
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
    if Processes.launchedInParallel {
      // Under mpirun with several processes only the data-parallel paths may run; anything else would run K copies.
      let args = CommandLine.arguments.dropFirst()
      guard args.first == "doctor" || (args.first == "fit" && Processes.mpiAvailable) else {
        if Processes.launcherRank == 0 {
          printError(args.first == "fit"
            ? "Error: this zerogap was built without MPI (swift build --disable-default-traits), so under mpirun every process would fit all the rows; rebuild with the default MPI trait, or run it without mpirun"
            : "Error: zerogap \(args.first ?? "") runs as one process; under mpirun only `zerogap fit --model gated-relu` (data-parallel) and `zerogap doctor --mpi` run; run it without mpirun")
        }
        Foundation.exit(1)
      }
    }
    do {
      if let t = try Processes.defaultThreads() { ThreadPlan.use(threads: t) }
    } catch {
      printError("Error: \(error.description)")
      Foundation.exit(ExitCode.validationFailure.rawValue)
    }
    main(nil)
  }
}
